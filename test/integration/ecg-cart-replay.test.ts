// WFDB replay through the cart simulator: a real record goes over a socat pty in the cart's serial
// protocol, paced at the line and sample rate, into the real serialport driver, which must receive
// the record's samples exactly as the replay rule defines them (simulators/ecg-cart/record-replay.ts):
// counts minus baseline, linear interpolation to 500 Hz, leads by code (MLII as II), the rest off.
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../protocols/index.js';
import { CART_LEADS } from '../../protocols/ecg-cart/index.js';
import { INVALID_SAMPLE, type EcgRecord } from '../../protocols/ecg/record.js';
import { CartDriver, SerialPortTransport, type CartBlock } from '../../devices/ecg-cart/index.js';
import { loadWfdbRecord } from '../../gateway/ecg/wfdb-files.js';
import { CartSimulator, RecordReplay, openSerialWire } from '../../simulators/ecg-cart/index.js';
import { waitFor } from '../helpers/cli-process.js';
import { sharedDataPath } from '../helpers/shared-data.js';
import { makeTempDir, startPtyPair, type PtyPair } from '../helpers/socat.js';


/** The replay rule written out independently: lead label → expected 500 Hz counts (the first n). */
function expected(record: EcgRecord, n: number): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const ch of record.leads) {
    const name = ch.lead === 'MLII' ? 'II' : ch.lead;
    if (name === null || !(CART_LEADS as readonly string[]).includes(name)) continue;
    const fsIn = ch.sampleRateHz;
    const c = (k: number): number => { const v = ch.samples[k] ?? INVALID_SAMPLE; return v === INVALID_SAMPLE ? 0 : v - ch.baseline; };
    const y: number[] = [];
    for (let i = 0; i < n; i++) {
      const j = Math.floor((i * fsIn) / 500);
      const r = i * fsIn - j * 500;
      y.push(Math.round(r === 0 ? c(j) : c(j) + ((c(j + 1) - c(j)) * r) / 500));
    }
    out.set(name, y);
  }
  return out;
}

describe('WFDB replay through the cart simulator over a socat pty', () => {
  let tmp: ReturnType<typeof makeTempDir> | null = null;
  let controller = new AbortController();
  let pair: PtyPair | null = null;
  let sim: CartSimulator | null = null;
  let wire: Awaited<ReturnType<typeof openSerialWire>> | null = null;
  let driver: CartDriver | null = null;

  afterEach(async () => {
    controller.abort();
    await driver?.stop();
    sim?.stop();
    await wire?.close();
    await pair?.kill();
    tmp?.remove();
    driver = null; sim = null; wire = null; pair = null; tmp = null;
  });

  it.each([
    ['MIT-BIH 100 (360 Hz, MLII + V5)', 'wfdb-python-sample-data/100', ['II', 'V5']],
    ['PTB s0010_re (1000 Hz, 12 standard leads + XYZ)', 'wfdb-python-sample-data/s0010_re', ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6']],
  ])('%s: the driver receives the resampled record sample-exact, missing leads off, at the real rate', async (_name, rel, present) => {
    const [dir = '', rec = ''] = rel.split('/');
    const { record } = await loadWfdbRecord(join(sharedDataPath(dir), rec));
    const replay = new RecordReplay(record);
    tmp = makeTempDir('tm-cart-replay-');
    controller = new AbortController();
    pair = await startPtyPair(join(tmp.dir, 'cart'), join(tmp.dir, 'host'));
    wire = await openSerialWire(pair.a);
    sim = new CartSimulator({ wire, source: replay, serial: 'REPLAY1', baudRate: 921_600 });
    sim.start();
    const logger = pino({ level: 'warn' }, new Writable({ write(_c: Buffer, _e, cb) { cb(); } }));
    driver = new CartDriver({
      id: 'cart-r', path: pair.b, transport: () => new SerialPortTransport(), clock: systemClock, logger,
      watchdogMs: 2000, backoff: { initialMs: 100, maxMs: 400 }, liveLeads: ['II'],
    });
    const blocks: CartBlock[] = [];
    const offs: number[] = [];
    driver.on('block', (b) => blocks.push(b));
    driver.on('leadOff', (e) => offs.push(e.bitmap));
    await driver.start(controller.signal);
    await waitFor('streaming', () => (driver?.cartState === 'streaming' ? true : undefined), 20_000, 10);
    const t0 = Date.now();
    expect(driver.deviceInfo?.uvPerCount).toBeCloseTo(replay.uvPerCount, 6);
    const N = 1500; // 3 s at 500 Hz
    await waitFor(`${N} samples`, () => (blocks.reduce((a, b) => a + b.samplesPerLead, 0) >= N ? true : undefined), 20_000, 10);
    const elapsedMs = Date.now() - t0;

    const want = expected(record, N + 200);
    expect([...want.keys()].sort()).toEqual([...present].sort());
    let checked = 0;
    for (const b of blocks) {
      for (let l = 0; l < CART_LEADS.length; l++) {
        const lead = CART_LEADS[l] ?? '';
        const ref = want.get(lead);
        for (let i = 0; i < b.samplesPerLead; i++) {
          const got = b.samples[l * b.samplesPerLead + i];
          const exp = ref === undefined ? 0 : ref[b.firstSampleIndex + i];
          if (exp === undefined) continue;
          if (got !== exp) expect.fail(`${lead} sample ${b.firstSampleIndex + i}: got ${got}, want ${exp}`);
        }
      }
      checked += b.samplesPerLead;
    }
    expect(checked).toBeGreaterThanOrEqual(N);
    // Blocks are contiguous from the stream start.
    blocks.reduce((next, b) => { expect(b.firstSampleIndex).toBe(next); return next + b.samplesPerLead; }, blocks[0]?.firstSampleIndex ?? 0);
    // Every cart lead the record lacks is reported off, and only those.
    const offLeads = CART_LEADS.filter((_, l) => ((offs[offs.length - 1] ?? 0) >>> l) & 1);
    expect([...offLeads].sort()).toEqual(CART_LEADS.filter((l) => !present.includes(l)).sort());
    // Paced in real time: 3 s of samples cannot arrive much faster than 3 s (one block and a timer tick of slack).
    expect(elapsedMs).toBeGreaterThan(3000 - 200);
    expect(driver.stats.lostFrames).toBe(0);
  }, 60_000);
});
