import { fsyncSync, mkdtempSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { classFromName, className, telemed, TrafficClass, type Clock, type DecodedEnvelope } from '../../protocols/index.js';
import { decodeEcgDocument } from '../../protocols/ecg/document/index.js';
import { simulatedRecord } from '../analysis/findings/sim-record.js';
import type { BuildFrameInput, OutFrame } from '../uplink/streams.js';
import { EcgService } from './ecg-service.js';
import { EcgRecordStore } from './record-store.js';
import type { GatewayEcgView } from './view.js';

const v1 = telemed.v1;

/** A fake uplink: numbers frames per stream like the real one and resolves on the next tick. */
class FakeUplink {
  readonly frames: OutFrame[] = [];
  private readonly seqs = new Map<string, number>();
  submit(input: BuildFrameInput): Promise<OutFrame> {
    const seq = (this.seqs.get(input.streamId) ?? 0) + 1;
    this.seqs.set(input.streamId, seq);
    const cls = className(input.trafficClass);
    const f: OutFrame = {
      streamId: input.streamId, seq, trafficClass: input.trafficClass, className: cls === 'unspecified' ? 'bulk' : cls, durable: input.durable,
      budgetMs: 0, deadlineMs: 0, size: 0, env: { header: { streamId: input.streamId, seq }, ...input.payload },
    };
    this.frames.push(f);
    return new Promise((resolve) => setImmediate(() => resolve(f)));
  }
}

const clock: Clock = { nowNs: () => 1_700_000_000_000 * 1e6, monoMs: () => 0 };
const log = pino({ level: 'silent' });
const status = (recordId: string, state: number, extra: Partial<telemed.v1.IEcgStatus> = {}): DecodedEnvelope =>
  ({ header: {}, payload: 'ecgStatus', ecgStatus: { recordId, state, ...extra } }) as unknown as DecodedEnvelope;
const diagnosis = (recordId: string, revision: number, text: string): DecodedEnvelope => ({
  header: {}, payload: 'diagnosis',
  diagnosis: { recordId, diagnosisId: 'dx-1', revision, readerName: 'dr.li', statements: ['Sinus rhythm'], text, signedAtNs: 1e18, critical: false, signature: new Uint8Array([1, 2]), signatureAlg: 'hmac-sha256' },
}) as unknown as DecodedEnvelope;
const tick = () => new Promise((r) => setImmediate(r));

describe('EcgService', () => {
  const dirs: string[] = [];
  afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
  const setup = (send: 'manual' | 'auto', dir = ':memory:') => {
    const store = new EcgRecordStore(dir);
    const uplink = new FakeUplink();
    const service = new EcgService({ store, uplink, clock, log, send, chunkBytes: 8192, gatewayId: 'gw-1', verifyKey: null });
    const changes: GatewayEcgView[] = [];
    service.on('change', (v) => changes.push(v));
    return { store, uplink, service, changes };
  };

  it('keeps a record in preview, sends it as chunks of its document on ecg/<device>, delivered when all are acked', async () => {
    const { uplink, service, changes } = setup('manual');
    const rec = simulatedRecord({ seed: 3 });
    const v = service.ingest(rec, 'cart-1');
    expect(v).toMatchObject({ recordId: rec.id, state: 'preview', deviceId: 'cart-1', leads: expect.arrayContaining(['I', 'V6']) as unknown, sampleRateHz: 500, durationS: 10 });
    expect(uplink.frames).toHaveLength(0);
    expect(JSON.stringify(service.list())).not.toContain('SIM-PATIENT');
    expect(service.send(rec.id).state).toBe('queued');
    expect(() => service.send(rec.id)).toThrow(expect.objectContaining({ code: 'TM_ERR_ECG_STATE' }) as Error);
    await tick(); await tick();
    expect(service.view(rec.id)?.state).toBe('sending');
    const chunks = uplink.frames.map((f) => f.env.ecgChunk!);
    expect(uplink.frames.every((f) => f.streamId === 'ecg/cart-1' && f.trafficClass === TrafficClass.TRAFFIC_CLASS_BULK && f.durable)).toBe(true);
    const whole = Buffer.concat(chunks.map((c) => c.data!));
    expect(decodeEcgDocument(whole).record.id).toBe(rec.id);
    expect(chunks[0]?.sha256).toHaveLength(32);
    expect(chunks.at(-1)?.last).toBe(true);
    expect(chunks[0]?.patientRef).toBe('SIM-PATIENT');
    for (const f of uplink.frames) service.onSent(f);
    expect(service.view(rec.id)?.progress.sentBytes).toBe(whole.length);
    service.onAck([{ streamId: 'ecg/cart-1', seq: 1 }]);
    expect(service.view(rec.id)).toMatchObject({ state: 'sending', progress: { ackedBytes: 8192, totalBytes: whole.length } });
    service.onAck([{ streamId: 'ecg/cart-1', seq: uplink.frames.length }]);
    expect(service.view(rec.id)?.state).toBe('delivered');
    expect(changes.map((c) => c.state)).toEqual(expect.arrayContaining(['preview', 'queued', 'sending', 'delivered']));
  });

  it('raises a durable critical ALARM ahead of a critical record (auto send)', async () => {
    const { uplink, service } = setup('auto');
    const rec = simulatedRecord({ seed: 11, rhythm: 'stemi' });
    expect(service.ingest(rec, 'cart-1')).toMatchObject({ state: 'queued', critical: true });
    await tick(); await tick();
    const first = uplink.frames[0];
    expect(first?.streamId).toBe('ecg-alarm/cart-1');
    expect(first?.trafficClass).toBe(classFromName('alarm'));
    expect(first?.env.alarm).toMatchObject({ code: 'TM_ALARM_ECG_CRITICAL', priority: v1.AlarmPriority.ALARM_PRIORITY_HIGH });
    expect(uplink.frames[1]?.env.ecgChunk?.offset).toBe(0);
  });

  it('follows the hub: in reading, reported with the diagnosis once per revision, rejected with its code; survives a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tm-ecg-svc-'));
    dirs.push(dir);
    const a = setup('auto', dir);
    const rec = simulatedRecord({ seed: 4 });
    const bad = simulatedRecord({ seed: 5 });
    a.service.ingest(rec, 'cart-1');
    a.service.ingest({ ...bad, id: 'bad-1' }, 'cart-1');
    await tick(); await tick();
    a.service.onDownlink(status(rec.id, v1.EcgReadingState.ECG_READING_STATE_RECEIVED));
    expect(a.service.view(rec.id)?.state).toBe('delivered');
    a.service.onDownlink(status(rec.id, v1.EcgReadingState.ECG_READING_STATE_IN_READING, { readerName: 'dr.li' }));
    expect(a.service.view(rec.id)).toMatchObject({ state: 'in-reading', readerName: 'dr.li' });
    a.service.onDownlink(diagnosis(rec.id, 1, 'normal'));
    const n = a.changes.length;
    a.service.onDownlink(diagnosis(rec.id, 1, 'normal')); // resent: no change
    expect(a.changes.length).toBe(n);
    a.service.onDownlink(status(rec.id, v1.EcgReadingState.ECG_READING_STATE_IN_READING)); // late: ignored
    a.service.onDownlink(diagnosis(rec.id, 2, 'amended'));
    a.service.onDownlink(status('bad-1', v1.EcgReadingState.ECG_READING_STATE_REJECTED, { reasonCode: 'TM_ERR_ECG_HASH_MISMATCH' }));
    a.store.close();

    const b = setup('auto', dir);
    expect(b.service.view(rec.id)).toMatchObject({
      state: 'reported', readerName: 'dr.li',
      diagnosis: { diagnosisId: 'dx-1', revision: 2, text: 'amended', statements: ['Sinus rhythm'], signature: '0102', signatureAlg: 'hmac-sha256', verification: 'legacy' },
    });
    expect(b.service.view('bad-1')).toMatchObject({ state: 'rejected', error: { code: 'TM_ERR_ECG_HASH_MISMATCH' } });
    b.store.close();
  });

  it('refuses a duplicate record id and unknown ids; discard only from preview', () => {
    const { service } = setup('manual');
    const rec = simulatedRecord({ seed: 6 });
    service.ingest(rec, 'cart-1');
    expect(() => service.ingest(rec, 'cart-1')).toThrow(expect.objectContaining({ code: 'TM_ERR_ECG_DUPLICATE' }) as Error);
    expect(() => service.send('nope')).toThrow(expect.objectContaining({ code: 'TM_ERR_ECG_NOT_FOUND' }) as Error);
    expect(service.discard(rec.id).state).toBe('discarded');
    expect(() => service.send(rec.id)).toThrow(expect.objectContaining({ code: 'TM_ERR_ECG_STATE' }) as Error);
  });

  it('a diagnosis from the hub is fsynced to ecg.db before onDownlink returns (before the uplink writes its mark)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecg-dx-'));
    dirs.push(dir);
    const events: string[] = [];
    const store = new EcgRecordStore(dir, {
      fsyncSync: (fd) => {
        // What a power cut right after this fsync keeps: read back through another connection.
        const probe = new Database(join(dir, 'ecg.db'), { readonly: true });
        const n = probe.prepare('SELECT COUNT(*) FROM ecg_diagnoses').pluck().get() as number;
        probe.close();
        events.push(`fsync diagnoses=${n}`);
        fsyncSync(fd);
      },
    });
    const service = new EcgService({ store, uplink: new FakeUplink(), clock, log, send: 'manual', chunkBytes: 8192, gatewayId: 'gw-1', verifyKey: null });
    const rec = simulatedRecord({ seed: 8 });
    service.ingest(rec, 'cart-1');
    events.length = 0;
    service.onDownlink(diagnosis(rec.id, 1, 'normal'));
    events.push('returned'); // session.ts then writes the downlink mark, then acks
    expect(events).toEqual(['fsync diagnoses=1', 'returned']);
    store.close();
  });
});
