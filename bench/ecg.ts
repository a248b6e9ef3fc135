// The ECG reading loop end to end on the link emulator's rural-5g profile, with other traffic:
//   A. cart "record stop" → record in the hub worklist (the hub's /live {type:'ecg'} push)
//   B. diagnosis submitted (POST) → shown on the clinic page (the gateway's /live {type:'ecg'} with state reported)
// plus the analysis time of one 10 s 18-lead 500 Hz record (bench/ecg-analysis.ts, run as a child).
// Carts are simulated on socat ptys (the real serial binding at the real byte rate) and record 10 s
// each (one cart by default, --carts C for more in parallel); the gateway is a child process (its own event loop, as on a
// real gateway box); hub, link emulator and cart simulators run in this process.
// Usage: npm run bench:ecg -- [--json FILE] [--records N] [--carts C] [--profile NAME] [--live-leads all|II,V1,...]
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import WebSocket from 'ws';
import { hashSecret } from '../hospital/auth/password.js';
import { loadHospitalConfig } from '../hospital/config.js';
import { startHospital } from '../hospital/main.js';
import { CartSimulator, openSerialWire } from '../simulators/ecg-cart/index.js';
import { startLink } from '../simulators/link/index.js';
import { GatewayProcess } from '../test/helpers/gateway-process.js';
import { makeTempDir, requireSocat, startPtyPair, type PtyPair } from '../test/helpers/socat.js';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
};
const RECORDS = Number(arg('--records', '50'));
const CARTS = Math.max(1, Math.min(RECORDS, Number(arg('--carts', '1'))));
// Leads each cart streams live (gateway config liveLeads): the gateway's default (II, V1, V5) or "all" 18.
const LIVE = arg('--live-leads', 'default');
const ALL_LEADS = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6', 'V7', 'V8', 'V9', 'V3R', 'V4R', 'V5R'];
const liveLeads = LIVE === 'default' ? {} : { liveLeads: LIVE === 'all' ? ALL_LEADS : LIVE.split(',') };
const PROFILE = arg('--profile', 'rural-5g');
const JSON_FILE = arg('--json', '');
const RECORD_MS = 10_000;

type Times = Map<string, number>;
/** Resolves when `times` has `id` (set by a /live listener), polling cheaply. */
async function waitTime(times: Times, id: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const t = times.get(id);
    if (t !== undefined) return t;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${id}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN);
};
const summary = (xs: number[]) => ({ n: xs.length, p50Ms: pct(xs, 0.5), p95Ms: pct(xs, 0.95), maxMs: pct(xs, 1) });

async function main(): Promise<void> {
  requireSocat();
  const tmp = makeTempDir('tm-bench-ecg-');
  const secret = 'bench-ecg-secret';
  const fast = { N: 1024, r: 8, p: 1 } as const;
  const hub = await startHospital(loadHospitalConfig({
    host: '127.0.0.1', port: 0, dataDir: join(tmp.dir, 'hub'), dashboardsDir: join(tmp.dir, 'none'),
    gateways: [{ id: 'clinic-1', secretHash: await hashSecret(secret, fast) }],
    users: [{ username: 'dr.bench', role: 'specialist', sites: ['*'], passwordHash: await hashSecret('bench-pass', fast) }],
  }), { logger: pino({ level: 'error' }) });
  const hubUrl = hub.url.replace(/\/$/, '');
  const link = await startLink({ targetHost: '127.0.0.1', targetPort: hub.port, profile: PROFILE, seed: 7 });

  const pairs: PtyPair[] = [];
  const sims: CartSimulator[] = [];
  const wires: Awaited<ReturnType<typeof openSerialWire>>[] = [];
  // A bedside monitor's numerics beside the carts: durable VITALS at 1 Hz (the load device).
  const devices: Record<string, unknown>[] = [{ kind: 'load', id: 'monitor-1', durableHz: 1 }];
  for (let c = 0; c < CARTS; c++) {
    const stable = join(tmp.dir, `usb-telemed-ECG18-B${c}`);
    const pair = await startPtyPair(join(tmp.dir, `cart-${c}`), stable);
    const wire = await openSerialWire(pair.a);
    const sim = new CartSimulator({ wire, model: { seed: 100 + c, rhythm: 'sinus', sampleRateHz: 500 }, serial: `B${c}`, baudRate: 921_600 });
    sim.start();
    pairs.push(pair); wires.push(wire); sims.push(sim);
    devices.push({ kind: 'ecg-cart', id: `cart-${c}`, path: stable, ...liveLeads });
  }
  const gw = await GatewayProcess.create(tmp.dir, {
    gatewayId: 'clinic-1', hub: { url: `ws://127.0.0.1:${link.port}/uplink`, credential: secret },
    dataDir: join(tmp.dir, 'gw'), devices, ecg: { send: 'auto' },
  });
  await gw.start(60_000);

  const login = await fetch(`${hubUrl}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'dr.bench', password: 'bench-pass' }) });
  const token = ((await login.json()) as { token: string }).token;
  const auth = { authorization: `Bearer ${token}` };
  // Arrival in the worklist and "shown on the clinic page", as the pages learn them: /live pushes.
  const arrived: Times = new Map();
  const hubIds = new Map<string, number>();
  const shown: Times = new Map();
  // /live takes a single-use ticket, never the session token (hospital/auth/live-tickets.ts).
  const ticket = ((await (await fetch(`${hubUrl}/api/live-ticket`, { method: 'POST', headers: auth })).json()) as { ticket: string }).ticket;
  const hubLive = new WebSocket(`${hubUrl.replace(/^http/, 'ws')}/live?ticket=${ticket}`);
  hubLive.on('message', (d: Buffer) => {
    const m = JSON.parse(d.toString()) as { type: string; record?: { id: number; recordId: string } };
    if (m.type !== 'ecg' || !m.record || arrived.has(m.record.recordId)) return;
    arrived.set(m.record.recordId, performance.now());
    hubIds.set(m.record.recordId, m.record.id);
  });
  const gwLive = new WebSocket(`${gw.url.replace(/^http/, 'ws')}/live`);
  gwLive.on('message', (d: Buffer) => {
    const m = JSON.parse(d.toString()) as { type: string; record?: { recordId: string; state: string } };
    if (m.type === 'ecg' && m.record?.state === 'reported' && !shown.has(m.record.recordId)) shown.set(m.record.recordId, performance.now());
  });
  await Promise.all([hubLive, gwLive].map((ws) => new Promise((r, j) => { ws.once('open', r); ws.once('error', j); })));
  // Let the carts reach streaming on the gateway before the first record.
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    const s = (await (await fetch(`${gw.url}/api/status`)).json()) as { devices: { kind: string; state: string }[] };
    if (s.devices.filter((x) => x.kind === 'ecg-cart' && x.state === 'running').length === CARTS) break;
    await new Promise((r) => setTimeout(r, 200));
  }

  const stopToWorklist: number[] = [];
  /** Each record's stop time (s from the first record) and latency: a slow tail clustered in time points at the link's stalls and outages. */
  const perRecord: { recordId: string; stopAtS: number; stopToWorklistMs: number }[] = [];
  const tBench0 = performance.now();
  const dxToShown: number[] = [];
  const failures: string[] = [];
  let next = 0;
  const runCart = async (c: number): Promise<void> => {
    const sim = sims[c]!;
    // The simulator's open record (TS-private): null again the moment it queues RecordStop.
    const open = (): boolean => (sim as unknown as { record: unknown }).record != null;
    while (next < RECORDS) {
      next += 1;
      sim.pressRecord(`BENCH-PATIENT-${c}`, RECORD_MS);
      const recordId = `B${c}-${(sim as unknown as { records: number }).records}`;
      while (open()) await new Promise((r) => setTimeout(r, 2));
      const tStop = performance.now();
      try {
        const tArrive = await waitTime(arrived, recordId, 60_000);
        stopToWorklist.push(tArrive - tStop);
        perRecord.push({ recordId, stopAtS: Math.round((tStop - tBench0) / 100) / 10, stopToWorklistMs: Math.round(tArrive - tStop) });
        const id = hubIds.get(recordId);
        await fetch(`${hubUrl}/api/ecg/records/${id}/claim`, { method: 'POST', headers: auth });
        const tPost = performance.now();
        const res = await fetch(`${hubUrl}/api/ecg/records/${id}/diagnosis`, {
          method: 'POST', headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ statements: ['Sinus rhythm'], text: 'bench', critical: false }),
        });
        if (res.status !== 201) throw new Error(`diagnosis ${res.status}`);
        dxToShown.push((await waitTime(shown, recordId, 30_000)) - tPost);
      } catch (err) {
        failures.push(`${recordId}: ${(err as Error).message}`);
      }
    }
  };
  const t0 = Date.now();
  await Promise.all(sims.map((_, c) => runCart(c)));
  const wallS = (Date.now() - t0) / 1000;
  hubLive.close(); gwLive.close();
  await gw.kill('SIGTERM');
  for (const s of sims) s.stop();
  for (const w of wires) await w.close();
  for (const p of pairs) await p.kill();
  await link.close();
  await hub.close();
  tmp.remove();

  const analysis = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'ecg-analysis.ts'), '--json', '--runs', '30'], { encoding: 'utf8' })) as unknown;
  const a = summary(stopToWorklist);
  const b = summary(dxToShown);
  const result = {
    bench: 'ecg', profile: PROFILE, records: RECORDS, carts: CARTS, recordSeconds: RECORD_MS / 1000, wallS,
    otherTraffic: `a monitor's durable VITALS at 1 Hz + ${CARTS} carts' live WAVEFORM (leads: ${LIVE === 'default' ? 'II, V1, V5' : LIVE})`,
    stopToWorklist: { ...a, targetP95Ms: 1500, pass: a.n === RECORDS && a.p95Ms <= 1500 },
    perRecord,
    diagnosisToClinic: { ...b, targetP95Ms: 1000, pass: b.n === RECORDS && b.p95Ms <= 1000 },
    analysis, failures,
  };
  if (JSON_FILE !== '') writeFileSync(JSON_FILE, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`${JSON.stringify(result)}\n\n`);
  process.stdout.write(`| ECG loop on ${PROFILE} (${RECORDS} records, ${CARTS} carts) | n | p50 ms | p95 ms | max ms | target p95 |\n|---|---|---|---|---|---|\n`);
  process.stdout.write(`| record stop → hub worklist | ${a.n} | ${a.p50Ms} | ${a.p95Ms} | ${a.maxMs} | 1500 |\n`);
  process.stdout.write(`| diagnosis POST → clinic page | ${b.n} | ${b.p50Ms} | ${b.p95Ms} | ${b.maxMs} | 1000 |\n`);
  if (failures.length > 0) process.stdout.write(`failures: ${failures.join('; ')}\n`);
}

void main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`bench:ecg failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
