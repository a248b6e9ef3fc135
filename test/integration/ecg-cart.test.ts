import { symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../protocols/index.js';
import { CART_LEADS, DERIVED_LEADS } from '../../protocols/ecg-cart/index.js';
import { CartDriver, SerialPortTransport, type CartBlock, type CartRecord, type CartState } from '../../devices/ecg-cart/index.js';
import { CartSimulator, EcgModel, openSerialWire, type EcgModelOptions } from '../../simulators/ecg-cart/index.js';
import { waitFor } from '../helpers/cli-process.js';
import { makeTempDir, startPtyPair, type PtyPair } from '../helpers/socat.js';

const MODEL: EcgModelOptions = { seed: 7, rhythm: 'stemi', sampleRateHz: 500 };
const PATIENT = 'P-SECRET-4711';


describe('ECG cart over real serial ptys (socat): simulator ↔ serialport driver', () => {
  const tmp = makeTempDir('tm-cart-int-');
  const stable = join(tmp.dir, 'usb-telemed-ECG18-SIM0001');
  let pair: PtyPair | null = null;
  let sim: CartSimulator | null = null;
  let wire: Awaited<ReturnType<typeof openSerialWire>> | null = null;
  const logLines: string[] = [];
  const logger = pino({ level: 'debug' }, new Writable({ write(c: Buffer, _e, cb) { logLines.push(c.toString()); cb(); } }));
  const driver = new CartDriver({
    id: 'cart-1', path: stable, transport: () => new SerialPortTransport(), clock: systemClock, logger,
    watchdogMs: 800, backoff: { initialMs: 100, maxMs: 400 }, liveLeads: ['II'],
  });
  const states: CartState[] = [];
  const blocks: CartBlock[] = [];
  const records: CartRecord[] = [];
  driver.on('cartState', (s) => states.push(s));
  driver.on('block', (b) => blocks.push(b));
  driver.on('record', (r) => records.push(r));
  const controller = new AbortController();

  async function plugCart(n: number): Promise<void> {
    pair = await startPtyPair(join(tmp.dir, `cart${n}`), join(tmp.dir, `host${n}`));
    // The stable by-id name now points at the new tty, as udev would after a re-plug.
    try { unlinkSync(stable); } catch { /* first plug */ }
    symlinkSync(pair.b, stable);
    wire = await openSerialWire(pair.a);
    sim = new CartSimulator({ wire, model: MODEL, serial: 'SIM0001', baudRate: 921_600 });
    sim.start();
  }
  async function unplugCart(): Promise<void> {
    sim?.stop();
    await wire?.close();
    await pair?.kill();
  }

  afterAll(async () => {
    if (process.env.CART_DEBUG) console.log(logLines.filter((l) => !l.includes('"level":20')).join(''));
    controller.abort();
    await driver.stop();
    await unplugCart();
    tmp.remove();
  });

  it('identifies the cart, streams sample-exact blocks, and records 10 s of 18 leads', async () => {
    await plugCart(1);
    await driver.start(controller.signal);
    await waitFor('streaming', () => (driver.cartState === 'streaming' ? true : undefined), 15_000, 10);
    const info = driver.deviceInfo!;
    expect(info.serial).toBe('SIM0001');
    expect(info.leads.map((l) => l.name)).toEqual([...CART_LEADS]);
    expect(info.leads.filter((l) => l.derived).map((l) => l.name).sort()).toEqual([...DERIVED_LEADS].sort());

    await driver.startRecord(PATIENT, 10_000);
    const rec = await waitFor('record', () => records[0], 20_000, 10);
    expect(rec.length).toBe(5000);
    expect(rec.complete).toBe(true);
    expect(rec.samples).toHaveLength(18);

    // The same seed gives the same samples: every received block and the record are exact.
    const ref = new EcgModel(MODEL).next(rec.startSampleIndex + rec.length + 1000);
    const total = rec.startSampleIndex + rec.length + 1000;
    const refAt = (lead: number, i: number): number => ref[lead * total + i]!;
    let checked = 0;
    for (const b of blocks) {
      if (b.firstSampleIndex + b.samplesPerLead > total) break;
      for (let l = 0; l < 18; l++) for (let i = 0; i < b.samplesPerLead; i++) {
        if (b.samples[l * b.samplesPerLead + i] !== refAt(l, b.firstSampleIndex + i)) throw new Error(`block mismatch at lead ${l} sample ${b.firstSampleIndex + i}`);
      }
      checked += b.samplesPerLead;
    }
    expect(checked).toBeGreaterThanOrEqual(5000);
    for (let l = 0; l < 18; l++) for (let i = 0; i < rec.length; i += 7) expect(rec.samples[l]![i]).toBe(refAt(l, rec.startSampleIndex + i));
    expect(driver.stats.lostFrames).toBe(0);
    // The patient id went into the record but never into a log line.
    expect(rec.patientId).toBe(PATIENT);
    expect(logLines.join('')).not.toContain(PATIENT);
  }, 40_000);

  it('counts corrupt bytes, resyncs, and keeps streaming', async () => {
    const before = blocks.length;
    sim!.injectBytes(Uint8Array.from([0x05, 0x11, 0x22, 0x00, 0x07, 1, 2, 3, 4, 5, 6, 0x00, 0xff, 0xfe, 0x00]));
    await waitFor('frame errors counted', () => (Object.keys(driver.stats.frameErrors).length > 0 ? true : undefined), 15_000, 10);
    await waitFor('blocks after garbage', () => (blocks.length > before + 20 ? true : undefined), 15_000, 10);
    expect(driver.cartState).toBe('streaming');
    for (const code of Object.keys(driver.stats.frameErrors)) expect(code).toMatch(/^TM_ERR_CART_/);
  });

  it('reopens the port when the cart hangs silently (watchdog)', async () => {
    states.length = 0;
    const resets = driver.stats.watchdogResets;
    sim!.setHung(true);
    await waitFor('watchdog', () => (driver.stats.watchdogResets > resets ? true : undefined), 15_000, 10);
    sim!.setHung(false);
    await waitFor('streaming after hang', () => (states.includes('reconnecting') && driver.cartState === 'streaming' ? true : undefined), 15_000, 10);
  });

  it('reconnects after an unplug when the cart comes back under a new tty name', async () => {
    const oldTty = driver.stats.reconnects;
    await unplugCart();
    await waitFor('noticed unplug', () => (driver.cartState === 'reconnecting' || driver.cartState === 'opening' ? true : undefined), 15_000, 10);
    await plugCart(2);
    const before = blocks.length;
    await waitFor('streaming on the new tty', () => (driver.cartState === 'streaming' && blocks.length > before + 5 ? true : undefined), 15_000, 10);
    expect(driver.stats.reconnects).toBeGreaterThan(oldTty);
  });
});
