// Issue 12 item 10: patient identifiers reached logs and URLs through file-name record ids (a file
// named after the patient appeared in six gateway log lines). A record file named after a planted
// patient name goes through the whole flow (watch folder → gateway → hub → worklist, the gateway's
// record API and the hub's reading API), both processes logging at debug; no log line of either
// may contain the name. The name is also the record's patient name and id inside the file.
import { readdir, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatedRecord } from '../../gateway/analysis/findings/sim-record.js';
import { hashSecret } from '../../hospital/auth/password.js';
import { exportEcg } from '../../protocols/ecg/export.js';
import { CliProcess, freePort, waitFor } from '../helpers/cli-process.js';

const PLANTED = 'Qiaolian-SENTINEL-Huang';
const FAST = { N: 1024, r: 8, p: 1 } as const;

describe('no patient identifier in any log line (file-name record ids)', () => {
  let dir: string;
  let hub: CliProcess;
  let gw: CliProcess;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'telemed-phi-logs-'));
    const credential = 'phi-secret-' + Math.random().toString(36).slice(2);
    const hubPort = await freePort();
    const gwPort = await freePort();
    const watch = join(dir, 'inbox');
    await mkdir(watch, { recursive: true });
    await writeFile(join(dir, 'hospital.json'), JSON.stringify({
      host: '127.0.0.1', port: hubPort, dataDir: join(dir, 'hub'), dashboardsDir: join(dir, 'none'),
      gateways: [{ id: 'clinic-9', secretHash: await hashSecret(credential, FAST) }],
      users: [{ username: 'dr.li', role: 'specialist', sites: ['*'], passwordHash: await hashSecret('li-pass-1', FAST) }],
    }));
    await writeFile(join(dir, 'gateway.json'), JSON.stringify({
      gatewayId: 'clinic-9', siteKind: 'clinic', siteName: 'phi test', host: '127.0.0.1', port: gwPort, dataDir: join(dir, 'gw'),
      hub: { url: `ws://127.0.0.1:${hubPort}/uplink`, credential }, devices: [], dashboardsDir: join(dir, 'none'),
      ecg: { send: 'auto', watchDir: watch, watchIntervalMs: 200 },
    }));
    hub = new CliProcess('hospital', join(dir, 'hospital.json'), hubPort, 'debug');
    gw = new CliProcess('gateway', join(dir, 'gateway.json'), gwPort, 'debug');
    await hub.start();
    await gw.start();
  }, 60_000);

  afterAll(async () => {
    await gw?.kill('SIGTERM');
    await hub?.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  it('a record file named after the patient reaches the worklist and no gateway or hub log line names them', async () => {
    const rec = simulatedRecord({ seed: 21, durationS: 2 });
    const named = { ...rec, id: PLANTED, patient: { ...rec.patient, id: PLANTED, name: PLANTED } };
    await writeFile(join(dir, 'inbox', `${PLANTED}.xml`), exportEcg(named, 'aecg'));

    // Gateway side: the record under an opaque id; its API read as the clinic page would.
    const gwRec = await waitFor('record at the gateway', async () => {
      const { records } = await (await fetch(`${gw.url}/api/ecg/records`)).json() as { records: { recordId: string; sourceName: string | null; state: string }[] };
      return records[0];
    }, 20_000);
    expect(gwRec.recordId).toMatch(/^ecg-/);
    expect(gwRec.sourceName).toBe(PLANTED); // shown on the clinic page, nowhere else
    expect((await fetch(`${gw.url}/api/ecg/records/${gwRec.recordId}?samples=1`)).status).toBe(200);
    expect(await readdir(join(dir, 'inbox', 'done'))).toEqual([`${PLANTED}.xml`]);

    // Hub side: the worklist and the reading API, as a specialist.
    const login = await fetch(`${hub.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'dr.li', password: 'li-pass-1' }) });
    const auth = { authorization: `Bearer ${((await login.json()) as { token: string }).token}` };
    const row = await waitFor('record in the hub worklist', async () => {
      const { records } = await (await fetch(`${hub.url}/api/ecg/worklist`, { headers: auth })).json() as { records: { id: number; recordId: string; corruptCode: string | null }[] };
      return records.find((r) => r.recordId === gwRec.recordId);
    }, 30_000);
    expect(row.corruptCode).toBeNull();
    expect((await fetch(`${hub.url}/api/ecg/records/${row.id}?samples=1`, { headers: auth })).status).toBe(200);
    await waitFor('delivered at the gateway', async () => {
      const r = await (await fetch(`${gw.url}/api/ecg/records/${gwRec.recordId}`)).json() as { record: { state: string } };
      return r.record.state !== 'sending' && r.record.state !== 'queued';
    }, 20_000);

    await gw.kill('SIGTERM');
    await hub.kill('SIGTERM');
    // The grep means something only if the flow was logged: both name the opaque id.
    expect(gw.output).toContain(gwRec.recordId);
    expect(hub.output).toContain(gwRec.recordId);
    const lines = `${gw.output}\n${hub.output}`.split('\n');
    const leaks = lines.filter((l) => l.toLowerCase().includes(PLANTED.toLowerCase()) || l.includes('SENTINEL'));
    expect(leaks).toEqual([]);
  }, 90_000);
});
