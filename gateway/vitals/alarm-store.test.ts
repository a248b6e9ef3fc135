import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { telemed, type DecodedEnvelope } from '../../protocols/index.js';
import { loadGatewayConfig } from '../config.js';
import { ManualTimers } from '../uplink/manual-timers.js';
import { MemoryAlarmStore, SqliteAlarmStore, openAlarmStore, type AlarmStore, type StoredEpisode } from './alarm-store.js';
import { VitalsPipeline } from './pipeline.js';

let dir = '';
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'tm-alarm-store-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const T0 = 1_765_000_000_000;
const episode = (id: string, over: Partial<StoredEpisode> = {}): StoredEpisode => ({
  alarmId: id, key: `mon|${id}`, deviceId: 'mon', kind: 'physiological', priority: 'high', code: 'MDC_PULS_OXIM_SAT_O2/MDC_EVT_LO',
  text: 'SpO2 low 84 %', value: 84, unit: '%', raisedAtMs: T0, clearedAtMs: null, ackBy: null, ackAtMs: null, edge: true, ...over,
});

// One conformance suite, run against every implementation (STYLE.md).
const impls: [string, () => AlarmStore][] = [
  ['MemoryAlarmStore', () => new MemoryAlarmStore()],
  ['SqliteAlarmStore', () => new SqliteAlarmStore(join(dir, 'alarms.db'))],
];
for (const [name, make] of impls) {
  describe(`AlarmStore conformance: ${name}`, () => {
    it('keeps raise, acknowledgement and clear; loads active ones and those cleared since the cut-off, oldest first', () => {
      const s = make();
      s.raised(episode('b', { raisedAtMs: T0 + 2 }));
      s.raised(episode('a', { raisedAtMs: T0 + 1, edge: false, value: null }));
      s.raised(episode('c', { raisedAtMs: T0 + 3 }));
      s.acknowledged('b', 'dr.zhou', T0 + 10);
      s.cleared('c', T0 + 20);
      s.setEdge('a', true);
      expect(s.load(T0)).toEqual([
        episode('a', { raisedAtMs: T0 + 1, edge: true, value: null }),
        episode('b', { raisedAtMs: T0 + 2, ackBy: 'dr.zhou', ackAtMs: T0 + 10 }),
        episode('c', { raisedAtMs: T0 + 3, clearedAtMs: T0 + 20 }),
      ]);
      expect(s.load(T0 + 21).map((e) => e.alarmId)).toEqual(['a', 'b']);
      s.close();
    });

    it('is idempotent: a second raise, acknowledgement or clear of the same id changes nothing; unknown ids are ignored', () => {
      const s = make();
      s.raised(episode('a'));
      s.raised(episode('a', { text: 'other' }));
      s.acknowledged('a', 'dr.zhou', T0 + 10);
      s.acknowledged('a', 'dr.li', T0 + 11);
      s.cleared('a', T0 + 20);
      s.cleared('a', T0 + 30);
      s.acknowledged('nope', 'x', 1);
      s.cleared('nope', 1);
      expect(s.load(0)).toEqual([episode('a', { ackBy: 'dr.zhou', ackAtMs: T0 + 10, clearedAtMs: T0 + 20 })]);
      s.close();
    });

    it('prunes cleared episodes older than the cut-off and past the count bound, never active ones', () => {
      const s = make();
      for (let i = 0; i < 5; i++) {
        s.raised(episode(`c${i}`, { raisedAtMs: T0 + i }));
        s.cleared(`c${i}`, T0 + 100 + i);
      }
      s.raised(episode('open', { raisedAtMs: T0 - 86_400_000 * 3 }));
      expect(s.prune(T0 + 101, 10)).toBe(1); // c0 cleared before the cut-off
      expect(s.prune(0, 2)).toBe(2); // keep the 2 latest cleared: c4, c3
      expect(s.load(0).map((e) => e.alarmId)).toEqual(['open', 'c3', 'c4']);
      s.close();
    });
  });
}

describe('SqliteAlarmStore on disk', () => {
  it('what a call wrote is in a copy of the files taken right after it returned (a crash: no close, no checkpoint)', () => {
    const s = new SqliteAlarmStore(join(dir, 'alarms.db'));
    s.raised(episode('a'));
    s.acknowledged('a', 'dr.zhou', T0 + 10);
    // synchronous = FULL: the commit is in the fsynced WAL; the copy is what a killed process leaves.
    for (const f of readdirSync(dir)) copyFileSync(join(dir, f), join(dir, `snap-${f}`));
    s.close();
    const copy = new SqliteAlarmStore(join(dir, 'snap-alarms.db'));
    expect(copy.load(0)).toEqual([episode('a', { ackBy: 'dr.zhou', ackAtMs: T0 + 10 })]);
    copy.close();
  });

  it('runs WAL with synchronous FULL', () => {
    const s = new SqliteAlarmStore(join(dir, 'alarms.db'));
    s.raised(episode('a'));
    const db = new Database(join(dir, 'alarms.db'), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    // synchronous is per connection: read it from the store's own handle.
    expect((s as unknown as { db: Database.Database }).db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    s.close();
  });

  it('skips a row that makes no sense (TM_ERR_ALARM_STORE_ROW) and loads the rest', () => {
    const s = new SqliteAlarmStore(join(dir, 'alarms.db'));
    s.raised(episode('good'));
    s.raised(episode('bad'));
    const db = new Database(join(dir, 'alarms.db'));
    db.prepare("UPDATE alarm_episodes SET priority = 'urgent' WHERE alarm_id = 'bad'").run();
    db.close();
    const bad: string[] = [];
    expect(s.load(0, (e) => bad.push(e.code)).map((e) => e.alarmId)).toEqual(['good']);
    expect(bad).toEqual(['TM_ERR_ALARM_STORE_ROW']);
    s.close();
  });

  it('a read that fails throws TM_ERR_ALARM_STORE_CORRUPT', () => {
    const s = new SqliteAlarmStore(join(dir, 'alarms.db'));
    const db = new Database(join(dir, 'alarms.db'));
    db.exec('ALTER TABLE alarm_episodes RENAME TO gone');
    db.close();
    expect(() => s.load(0)).toThrow(expect.objectContaining({ code: 'TM_ERR_ALARM_STORE_CORRUPT' }));
    s.close();
  });

  it('a write that fails throws TM_ERR_ALARM_STORE_WRITE', () => {
    const s = new SqliteAlarmStore(join(dir, 'alarms.db'));
    const db = new Database(join(dir, 'alarms.db'));
    db.exec('DROP TABLE alarm_episodes');
    db.close();
    expect(() => s.raised(episode('a'))).toThrow(expect.objectContaining({ code: 'TM_ERR_ALARM_STORE_WRITE' }));
    s.close();
  });
});

describe('openAlarmStore', () => {
  it('a garbage alarms.db is moved aside and a fresh store opened: TM_ERR_ALARM_STORE_CORRUPT', () => {
    writeFileSync(join(dir, 'alarms.db'), Buffer.alloc(8192, 0x5a));
    const opened = openAlarmStore(dir, T0);
    expect(opened.problem?.code).toBe('TM_ERR_ALARM_STORE_CORRUPT');
    expect(opened.movedTo).toBe(join(dir, `alarms.db.corrupt-${T0}`));
    expect(existsSync(join(dir, `alarms.db.corrupt-${T0}`))).toBe(true);
    expect(opened.store.persistent).toBe(true);
    opened.store.raised(episode('a'));
    expect(opened.store.load(0)).toHaveLength(1);
    opened.store.close();
  });

  it('a store written by a newer gateway (schema version) is not trusted either', () => {
    const db = new Database(join(dir, 'alarms.db'));
    db.pragma('user_version = 99');
    db.close();
    const opened = openAlarmStore(dir, T0);
    expect(opened.problem?.message).toMatch(/schema version 99/);
    opened.store.close();
  });

  it('no data directory (outbox.kind memory): a memory store, no problem', () => {
    const opened = openAlarmStore(null, T0);
    expect(opened).toMatchObject({ problem: null, movedTo: null, store: { persistent: false } });
  });
});

describe('VitalsPipeline with an unusable alarm store', () => {
  it('starts with an empty engine, logs the code loudly and counts it; transitions are stored in the fresh file', () => {
    writeFileSync(join(dir, 'alarms.db'), 'this is not an SQLite database, it is a corrupted sector'.repeat(100));
    const lines: { level: number; code?: string; msg: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => { lines.push(JSON.parse(l) as (typeof lines)[number]); } });
    const timers = new ManualTimers();
    const clock = { monoMs: () => timers.now, nowNs: () => (T0 + timers.now) * 1e6 };
    const config = loadGatewayConfig({ gatewayId: 'amb-1', siteKind: 'ambulance', hub: { credential: 'x' }, dataDir: dir, vitals: { alarms: { delayMs: 0 } } });
    const pipeline = new VitalsPipeline({ config, clock, timers, logger, durable: () => undefined, realtime: () => undefined });
    expect(pipeline.alarmStoreProblems.TM_ERR_ALARM_STORE_CORRUPT).toBe(1);
    expect(pipeline.engine.views()).toEqual([]);
    expect(lines.find((l) => l.code === 'TM_ERR_ALARM_STORE_CORRUPT')).toMatchObject({ level: 50 });
    pipeline.engine.onVitals('mon', { numerics: [{ code: 'MDC_ECG_HEART_RATE', value: 200, unit: '/min', valid: true }] });
    expect(pipeline.alarmStore.load(0)).toHaveLength(1);
    pipeline.close();
    pipeline.closeStore();
  });
});

describe('VitalsPipeline over alarms.db', () => {
  const HR = (value: number) => ({ numerics: [{ code: 'MDC_ECG_HEART_RATE', value, unit: '/min', valid: true }] });
  function pipelineOn(timers: ManualTimers, extra: Record<string, unknown> = {}) {
    const clock = { monoMs: () => timers.now, nowNs: () => (T0 + timers.now) * 1e6 };
    const config = loadGatewayConfig({ gatewayId: 'amb-1', siteKind: 'ambulance', hub: { credential: 'x' }, dataDir: dir, devices: [{ kind: 'vitals-mqtt', id: 'mon' }], vitals: { alarms: { delayMs: 0, ...extra } } });
    return new VitalsPipeline({ config, clock, timers, logger: pino({ level: 'silent' }), durable: () => undefined, realtime: () => undefined });
  }

  it('a hub acknowledgement taken through onDownlink is in alarms.db when onDownlink returns; the next pipeline on the directory shows it', () => {
    const timers = new ManualTimers();
    const first = pipelineOn(timers);
    first.engine.onVitals('mon', HR(200));
    const alarmId = first.engine.views()[0]?.alarmId ?? '';
    first.onDownlink({
      header: { gatewayId: 'hub', streamId: 'hub/alarm-acks', seq: 1, durable: true, captureTimeNs: (T0 + 5) * 1e6 },
      payload: 'alarm', alarm: { alarmId, state: telemed.v1.AlarmState.ALARM_STATE_ACKNOWLEDGED, text: 'acknowledged by dr.li' },
    } as unknown as DecodedEnvelope);
    // Read through another connection, as a restarted process would (the uplink marks the downlink after this returns).
    const db = new Database(join(dir, 'alarms.db'), { readonly: true });
    expect(db.prepare('SELECT ack_by, ack_at_ms FROM alarm_episodes WHERE alarm_id = ?').get(alarmId)).toEqual({ ack_by: 'dr.li', ack_at_ms: T0 + 5 });
    db.close();
    first.closeStore();
    const second = pipelineOn(timers);
    expect(second.snapshot().alarms).toEqual([expect.objectContaining({ alarmId, state: 'active', acknowledged: { by: 'dr.li', atMs: T0 + 5 } })]);
    second.closeStore();
  });

  it('prunes cleared episodes past vitals.alarms.retainClosedMs once a minute', () => {
    const timers = new ManualTimers();
    const p = pipelineOn(timers, { retainClosedMs: 60_000 });
    p.start();
    p.engine.onVitals('mon', HR(200));
    p.engine.onVitals('mon', HR(80)); // cleared at T0
    const hrEpisodes = (): number => p.alarmStore.load(0).filter((e) => e.code.startsWith('MDC_ECG_HEART_RATE')).length;
    timers.advance(60_000); // cut-off T0: kept
    expect(hrEpisodes()).toBe(1);
    timers.advance(60_000); // cut-off T0 + 60 s: pruned; the no-data episode raised meanwhile is active: kept
    expect(hrEpisodes()).toBe(0);
    expect(p.alarmStore.load(0).map((e) => [e.code, e.clearedAtMs])).toEqual([['TM_ALARM_NO_DATA', null]]);
    p.close();
    p.closeStore();
  });
});
