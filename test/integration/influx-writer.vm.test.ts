// The hub's InfluxDB writer against a real VictoriaMetrics (InfluxDB v2 write API): every valid
// numeric arrives exactly once with its capture time, through a TSDB outage and a hub restart
// during it. The writer follows records.db, so nothing waits in memory.
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { EnvelopeInit } from '../../protocols/index.js';
import { startHospital, type RunningHospital } from '../../hospital/main.js';
import { FakeGateway, memoryLogger, tempDir, testConfig, type TempDir } from '../../hospital/test-support.js';
import { encounterId } from '../../hospital/vitals/encounter.js';
import { exportSeries, freePort, startVictoriaMetrics, type RunningVm } from '../helpers/victoria-metrics.js';

const GW = 'clinic-1';
const STREAM = 'vitals/monitor-1';
const BASE_MS = Date.now() - 3_600_000;

/** Frame i: HR, SpO2, RR valid; Temp invalid (not a measurement); capture at BASE + i s + 0.4 ms. */
function frame(seq: number): EnvelopeInit {
  return {
    header: { gatewayId: GW, streamId: STREAM, seq, trafficClass: 3, durable: true, captureTimeNs: (BASE_MS + seq * 1000) * 1e6 + 400_000 },
    vitals: {
      deviceId: 'monitor-1', patientRef: 'TRANSPORT-0042',
      numerics: [
        { code: 'MDC_ECG_HEART_RATE', label: 'HR', value: 60 + seq, unit: '/min', valid: true },
        { code: 'MDC_PULS_OXIM_SAT_O2', label: 'SpO2', value: 90 + (seq % 10), unit: '%', valid: true },
        { code: 'MDC_RESP_RATE', label: 'RR', value: 10 + (seq % 7), unit: '/min', valid: true },
        { code: 'MDC_TEMP_BODY', label: 'Temp', value: -999, unit: 'Cel', valid: false },
      ],
    },
  };
}

async function until(what: string, cond: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function metric(hub: RunningHospital, name: string): Promise<number> {
  const m = hub.app.hospital.metrics.registry.getSingleMetric(name);
  if (m === undefined) throw new Error(`metric ${name} not registered`);
  return (await m.get()).values.reduce((s, v) => s + v.value, 0);
}

describe('InfluxDB writer against VictoriaMetrics', () => {
  let dir: TempDir;
  let hub: RunningHospital | undefined;
  let vm: RunningVm | undefined;
  let gw: FakeGateway | undefined;
  const logs = memoryLogger();

  afterEach(async () => {
    gw?.close();
    await hub?.close();
    await vm?.stop();
    dir.remove();
  });

  async function startHub(port: number): Promise<RunningHospital> {
    const cfg = await testConfig(join(dir.path, 'hub'), {
      influx: { url: `http://127.0.0.1:${port}`, token: 'test-token', org: 'telemed', bucket: 'vitals', timeoutMs: 2000, retryInitialMs: 50, retryMaxMs: 400, idleMs: 50, batchPoints: 25 },
    });
    return startHospital(cfg, { logger: logs.logger });
  }

  async function connect(h: RunningHospital): Promise<FakeGateway> {
    const g = await FakeGateway.connect(h.url);
    g.hello();
    await g.next('helloAck');
    return g;
  }

  async function send(h: RunningHospital, g: FakeGateway, from: number, to: number): Promise<void> {
    for (let seq = from; seq <= to; seq++) g.send(frame(seq));
    await until(`frames 1..${to} stored`, async () => (await h.app.hospital.store.countFrames(GW, STREAM)) === to, 10_000);
  }

  it('writes every valid numeric exactly once with its capture time, through a TSDB outage and a hub restart', async () => {
    dir = tempDir();
    const port = await freePort();
    const vmData = join(dir.path, 'vm');
    vm = await startVictoriaMetrics(port, vmData);
    hub = await startHub(port);
    gw = await connect(hub);

    // 1. TSDB up: 20 frames, 60 points.
    await send(hub, gw, 1, 20);
    await until('60 points confirmed', async () => (await metric(hub!, 'telemed_tsdb_points_written_total')) === 60, 15_000);
    expect(await metric(hub, 'telemed_tsdb_write_errors_total')).toBe(0);

    // 2. TSDB down: frames keep coming and are stored and acked; the writer fails and backs off.
    await vm.stop();
    await send(hub, gw, 21, 35);
    await until('a failed write', async () => (await metric(hub!, 'telemed_tsdb_write_errors_total')) >= 2, 10_000);
    await until('lag reported', async () => (await metric(hub!, 'telemed_tsdb_lag_frames')) === 15, 5000);

    // 3. Hub restart during the outage: the writer resumes from its cursor in vitals.db.
    gw.close();
    await hub.close();
    hub = await startHub(port);
    gw = await connect(hub);
    await send(hub, gw, 36, 50);
    await until('the restarted writer fails too', async () => (await metric(hub!, 'telemed_tsdb_write_errors_total')) >= 1, 10_000);

    // 4. TSDB back (same port, same storage): the backlog drains from records.db.
    vm = await startVictoriaMetrics(port, vmData);
    await until('backlog written', async () => (await metric(hub!, 'telemed_tsdb_lag_frames')) === 0 && (await metric(hub!, 'telemed_tsdb_points_written_total')) === 90, 20_000);

    // 5. Read back: VictoriaMetrics names the field `vitals_value`. New series take a while to be searchable.
    const encounter = encounterId(GW, 'TRANSPORT-0042');
    let series: Awaited<ReturnType<typeof exportSeries>> = [];
    await until('150 samples exported', async () => {
      series = await exportSeries(vm!.url, '{__name__="vitals_value"}');
      return series.reduce((n, s) => n + s.values.length, 0) >= 150;
    }, 30_000);
    expect(series.map((s) => s.metric['code']).sort()).toEqual(['MDC_ECG_HEART_RATE', 'MDC_PULS_OXIM_SAT_O2', 'MDC_RESP_RATE']);
    for (const s of series) {
      expect(s.metric).toMatchObject({ ambulance: GW, site: GW, encounter, device: 'monitor-1' });
      expect(JSON.stringify(s.metric)).not.toContain('TRANSPORT-0042');
      // Exactly once each, at the capture time in ms (the 0.4 ms is floored away).
      const want = Array.from({ length: 50 }, (_, i) => BASE_MS + (i + 1) * 1000);
      expect(s.timestamps).toEqual(want);
      const seqs = s.timestamps.map((t) => (t - BASE_MS) / 1000);
      const expected = seqs.map((seq) => s.metric['code'] === 'MDC_ECG_HEART_RATE' ? 60 + seq : s.metric['code'] === 'MDC_PULS_OXIM_SAT_O2' ? 90 + (seq % 10) : 10 + (seq % 7));
      expect(s.values).toEqual(expected);
    }
    // The invalid temperature was never written.
    expect(series.some((s) => s.metric['code'] === 'MDC_TEMP_BODY')).toBe(false);
    // The outage is in the log with its code; the token and the patient reference are not.
    expect(logs.text()).toContain('TM_ERR_TSDB_WRITE');
    expect(logs.text()).not.toContain('test-token');
    expect(logs.text()).not.toContain('TRANSPORT-0042');
  }, 120_000);
});
