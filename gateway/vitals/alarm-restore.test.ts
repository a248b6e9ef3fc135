import { describe, expect, it } from 'vitest';
import { telemed } from '../../protocols/index.js';
import { ADULT_LIMITS } from './alarm-limits.js';
import { MemoryAlarmStore, type AlarmStore } from './alarm-store.js';
import { AlarmEngine } from './alarms.js';

const { AlarmState } = telemed.v1;
const EPOCH_MS = 1_765_000_000_000;
const SPO2 = 'MDC_PULS_OXIM_SAT_O2';

/**
 * A gateway's life in engines: `boot()` makes a new engine on the same store and clock, as a
 * restarted process does (restored episodes from store.load), with a fake clock in ms since EPOCH_MS.
 */
function lifetime(store: AlarmStore = new MemoryAlarmStore(), devices?: ReadonlySet<string>) {
  const t = { ms: 0 };
  const clock = { monoMs: () => t.ms, nowNs: () => (EPOCH_MS + t.ms) * 1e6 };
  const sent: { at: number; alarm: telemed.v1.IAlarm }[] = [];
  const boot = (): AlarmEngine => new AlarmEngine({
    limits: ADULT_LIMITS, delayMs: 5000, technicalDelayMs: 5000, noDataMs: 10_000, clock, store,
    restored: store.load(0), ...(devices ? { devices } : {}),
    emit: (_d, alarm) => sent.push({ at: t.ms, alarm }),
  });
  const spo2 = (engine: AlarmEngine, value: number | null, fromS: number, toS: number, device = 'mon'): void => {
    for (let s = fromS; s <= toS; s++) {
      t.ms = s * 1000;
      engine.onVitals(device, { numerics: [value === null ? { code: SPO2, valid: false, value: 0 } : { code: SPO2, value, unit: '%', valid: true }] });
    }
  };
  return { t, store, sent, boot, spo2 };
}

/** SpO2 84 from 0 s: raised at 10 s (SpO2 debounce), acknowledged by dr.zhou at 12 s. */
function acknowledgedDesaturation(l: ReturnType<typeof lifetime>): string {
  const engine = l.boot();
  l.spo2(engine, 84, 0, 12);
  const raised = l.sent.find((s) => s.alarm.state === AlarmState.ALARM_STATE_ACTIVE);
  expect(raised?.at).toBe(10_000);
  const alarmId = raised?.alarm.alarmId ?? '';
  expect(engine.acknowledge(alarmId, 'dr.zhou', (EPOCH_MS + 12_000) * 1e6)).toBe('acknowledged');
  return alarmId;
}

describe('AlarmEngine restored from its store (a gateway restart)', () => {
  it('a persisting condition continues the same episode: same id, still acknowledged, nothing raised again, cleared under that id', () => {
    const l = lifetime();
    const alarmId = acknowledgedDesaturation(l);
    const before = l.sent.length;
    // Down for 30 s, then up again with the patient still desaturated.
    l.t.ms = 42_000;
    const engine = l.boot();
    expect(engine.counts.restored).toBe(1);
    expect(engine.views()).toEqual([expect.objectContaining({
      alarmId, state: 'active', code: `${SPO2}/MDC_EVT_LO`, priority: 'high', raisedAtMs: EPOCH_MS + 10_000,
      acknowledged: { by: 'dr.zhou', atMs: EPOCH_MS + 12_000 }, sources: ['edge'],
    })]);
    l.spo2(engine, 85, 42, 70);
    expect(l.sent.slice(before)).toEqual([]); // no ACTIVE, no second ACKNOWLEDGED
    expect(engine.views()[0]).toMatchObject({ alarmId, value: 85 });
    // A hub resend of the acknowledgement (its mark was lost) changes nothing.
    expect(engine.acknowledge(alarmId, 'dr.zhou', (EPOCH_MS + 50_000) * 1e6)).toBe('duplicate');
    // 92 = low 90 + hysteresis 2: clears, under the id the hospital knows.
    l.spo2(engine, 92, 71, 71);
    expect(l.sent.slice(before)).toEqual([{ at: 71_000, alarm: expect.objectContaining({ alarmId, state: AlarmState.ALARM_STATE_CLEARED }) }]);
    expect(l.store.load(0)).toEqual([expect.objectContaining({ alarmId, clearedAtMs: EPOCH_MS + 71_000, ackBy: 'dr.zhou' })]);
  });

  it('a condition that ended while the gateway was down is cleared on the first reading after start', () => {
    const l = lifetime();
    const alarmId = acknowledgedDesaturation(l);
    const before = l.sent.length;
    l.t.ms = 60_000;
    const engine = l.boot();
    l.spo2(engine, 97, 60, 60);
    expect(l.sent.slice(before)).toEqual([{ at: 60_000, alarm: expect.objectContaining({ alarmId, state: AlarmState.ALARM_STATE_CLEARED }) }]);
    expect(engine.views()[0]).toMatchObject({ alarmId, state: 'cleared', acknowledged: { by: 'dr.zhou' } });
    // Cleared episodes are still listed after the next restart (within retention), and a late ack is kept.
    const again = l.boot();
    expect(again.counts.restored).toBe(0);
    expect(again.views()).toEqual([expect.objectContaining({ alarmId, state: 'cleared', clearedAtMs: EPOCH_MS + 60_000 })]);
  });

  it('a value inside the hysteresis band after the restart keeps the episode (the band holds across restarts)', () => {
    const l = lifetime();
    const alarmId = acknowledgedDesaturation(l);
    const before = l.sent.length;
    l.t.ms = 30_000;
    const engine = l.boot();
    l.spo2(engine, 91, 30, 40); // not below 90, not yet 92
    expect(l.sent.slice(before)).toEqual([]);
    expect(engine.views()[0]).toMatchObject({ alarmId, state: 'active' });
  });

  it('an unacknowledged episode restored can be acknowledged after the restart, and that is stored', () => {
    const l = lifetime();
    const engine = l.boot();
    l.spo2(engine, 84, 0, 10);
    const alarmId = l.sent[0]?.alarm.alarmId ?? '';
    l.t.ms = 20_000;
    const restarted = l.boot();
    l.sent.length = 0;
    expect(restarted.acknowledge(alarmId, 'dr.li', (EPOCH_MS + 20_000) * 1e6)).toBe('acknowledged');
    expect(l.store.load(0)[0]).toMatchObject({ alarmId, ackBy: 'dr.li', ackAtMs: EPOCH_MS + 20_000 });
    expect(l.sent.map((s) => [s.alarm.alarmId, s.alarm.state])).toEqual([[alarmId, AlarmState.ALARM_STATE_ACKNOWLEDGED]]);
  });

  it('raise and acknowledgement are in the store when their frame is emitted (never a frame for an id a restart forgets)', () => {
    const store = new MemoryAlarmStore();
    const t = { ms: 0 };
    const clock = { monoMs: () => t.ms, nowNs: () => (EPOCH_MS + t.ms) * 1e6 };
    const seen: (string | null | undefined)[] = [];
    const engine = new AlarmEngine({
      limits: ADULT_LIMITS, delayMs: 0, technicalDelayMs: 0, noDataMs: 10_000, clock, store,
      emit: (_d, a) => {
        const row = store.load(0).find((r) => r.alarmId === a.alarmId);
        seen.push(a.state === AlarmState.ALARM_STATE_ACKNOWLEDGED ? row?.ackBy : row === undefined ? undefined : 'stored');
      },
    });
    engine.onVitals('mon', { numerics: [{ code: 'MDC_ECG_HEART_RATE', value: 200, unit: '/min', valid: true }] });
    engine.acknowledge(engine.views()[0]?.alarmId ?? '', 'dr.zhou', EPOCH_MS * 1e6);
    expect(seen).toEqual(['stored', 'dr.zhou']);
  });

  it('a monitor-only episode must be announced again within noDataMs of the start, else it is cleared; announced, it continues', () => {
    const l = lifetime();
    const engine = l.boot();
    const monitorAlarm = (state: telemed.v1.AlarmState, id = 'mon:b1:apnea'): void => engine.onDeviceAlarm('mon', { alarmId: id, code: 'MDC_EVT_APNEA', state, text: 'apnea' });
    monitorAlarm(AlarmState.ALARM_STATE_ACTIVE);
    const apnea = engine.views()[0]?.alarmId ?? '';
    monitorAlarm(AlarmState.ALARM_STATE_ACTIVE, 'mon:b1:asystole');
    // Restart: the apnea one is announced again by the monitor, the other not.
    l.t.ms = 5000;
    const restarted = l.boot();
    expect(restarted.views().map((v) => [v.state, v.sources])).toEqual([['active', []], ['active', []]]);
    l.sent.length = 0;
    restarted.onDeviceAlarm('mon', { alarmId: 'mon:b1:apnea', code: 'MDC_EVT_APNEA', state: AlarmState.ALARM_STATE_ACTIVE, text: 'apnea' });
    expect(l.sent).toEqual([]);
    l.t.ms = 14_999;
    restarted.onData('mon');
    restarted.tick();
    expect(l.sent).toEqual([]);
    l.t.ms = 15_000;
    restarted.tick();
    expect(l.sent.map((s) => [s.alarm.alarmId === apnea, s.alarm.state])).toEqual([[false, AlarmState.ALARM_STATE_CLEARED]]);
    expect(restarted.views()[0]).toMatchObject({ alarmId: apnea, state: 'active', sources: ['monitor'] });
  });

  it('a device silent since the restart gets TM_ALARM_NO_DATA after noDataMs; a no-data episode restored clears on its first data', () => {
    const l = lifetime();
    const engine = l.boot();
    l.spo2(engine, 84, 0, 10);
    l.spo2(engine, 97, 0, 0, 'gps'); // gps sends once, then nothing
    l.t.ms = 19_000;
    engine.tick(); // gps silent 19 s: no-data (mon 9 s: not yet)
    expect(engine.views().map((v) => v.code)).toEqual(expect.arrayContaining(['TM_ALARM_NO_DATA']));
    const before = l.sent.length;
    l.t.ms = 30_000;
    const restarted = l.boot();
    l.t.ms = 39_999;
    restarted.tick();
    expect(l.sent.slice(before)).toEqual([]);
    l.t.ms = 40_000;
    restarted.tick(); // mon silent since the restart
    expect(l.sent.slice(before).map((s) => [s.alarm.deviceId, s.alarm.code, s.alarm.state])).toEqual([['mon', 'TM_ALARM_NO_DATA', AlarmState.ALARM_STATE_ACTIVE]]);
    restarted.onData('gps');
    expect(l.sent.slice(before + 1).map((s) => [s.alarm.deviceId, s.alarm.code, s.alarm.state])).toEqual([['gps', 'TM_ALARM_NO_DATA', AlarmState.ALARM_STATE_CLEARED]]);
  });

  it('two active rows for one condition (a store edited by hand): the newer continues, the older is closed in the store', () => {
    const store = new MemoryAlarmStore();
    const row = { key: `mon|${SPO2}:low`, deviceId: 'mon', kind: 'physiological', priority: 'high', code: `${SPO2}/MDC_EVT_LO`, text: 'SpO2 low', value: 84, unit: '%', clearedAtMs: null, ackBy: null, ackAtMs: null, edge: true } as const;
    store.raised({ ...row, alarmId: 'old', raisedAtMs: EPOCH_MS });
    store.raised({ ...row, alarmId: 'new', raisedAtMs: EPOCH_MS + 1000 });
    const engine = lifetime(store).boot();
    expect(engine.views().map((v) => v.alarmId)).toEqual(['new']);
    expect(store.load(0).map((r) => [r.alarmId, r.clearedAtMs])).toEqual([['old', EPOCH_MS + 1000], ['new', null]]);
  });

  it('episodes of a device no longer configured are cleared on the first tick', () => {
    const store = new MemoryAlarmStore();
    const first = lifetime(store);
    first.spo2(first.boot(), 84, 0, 10);
    const l = lifetime(store, new Set(['mon-2']));
    const engine = l.boot();
    expect(engine.views()[0]?.state).toBe('active');
    engine.tick();
    expect(l.sent.map((s) => s.alarm.state)).toEqual([AlarmState.ALARM_STATE_CLEARED]);
    expect(store.load(0)[0]?.clearedAtMs).not.toBeNull();
  });

  it('a store that fails every write: counted and reported, the engine raises, acknowledges and clears as before', () => {
    const failing = new MemoryAlarmStore();
    const boom = (): never => { throw Object.assign(new Error('disk I/O error'), { code: 'TM_ERR_ALARM_STORE_WRITE' }); };
    Object.assign(failing, { raised: boom, acknowledged: boom, cleared: boom, setEdge: boom });
    const l = lifetime(failing);
    const errors: string[] = [];
    const t = l.t;
    const engine = new AlarmEngine({
      limits: ADULT_LIMITS, delayMs: 0, technicalDelayMs: 0, noDataMs: 10_000, store: failing,
      clock: { monoMs: () => t.ms, nowNs: () => (EPOCH_MS + t.ms) * 1e6 },
      emit: (_d, alarm) => l.sent.push({ at: t.ms, alarm }), storeError: (e) => errors.push(e.code),
    });
    const hr = (v: number): void => engine.onVitals('mon', { numerics: [{ code: 'MDC_ECG_HEART_RATE', value: v, unit: '/min', valid: true }] });
    hr(200);
    engine.acknowledge(l.sent[0]?.alarm.alarmId ?? '', 'dr.zhou', EPOCH_MS * 1e6);
    hr(80);
    expect(l.sent.map((s) => s.alarm.state)).toEqual([AlarmState.ALARM_STATE_ACTIVE, AlarmState.ALARM_STATE_ACKNOWLEDGED, AlarmState.ALARM_STATE_CLEARED]);
    expect(engine.counts.storeErrors).toBe(3);
    expect(errors).toEqual(['TM_ERR_ALARM_STORE_WRITE', 'TM_ERR_ALARM_STORE_WRITE', 'TM_ERR_ALARM_STORE_WRITE']);
  });
});
