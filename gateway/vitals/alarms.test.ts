import { describe, expect, it } from 'vitest';
import { telemed } from '../../protocols/index.js';
import { ADULT_LIMITS, deviceAlarmCondition, limitsByCode } from './alarm-limits.js';

const engineLimits = () => limitsByCode(ADULT_LIMITS);
import { AlarmEngine } from './alarms.js';

const { AlarmState, AlarmPriority, AlarmKind } = telemed.v1;
const EPOCH_MS = 1_765_000_000_000;

function setup(overrides: { delayMs?: number; technicalDelayMs?: number; noDataMs?: number } = {}) {
  const t = { ms: 0 };
  const clock = { monoMs: () => t.ms, nowNs: () => (EPOCH_MS + t.ms) * 1e6 };
  const sent: { at: number; alarm: telemed.v1.IAlarm }[] = [];
  const engine = new AlarmEngine({
    limits: ADULT_LIMITS, delayMs: overrides.delayMs ?? 5000, technicalDelayMs: overrides.technicalDelayMs ?? 5000,
    noDataMs: overrides.noDataMs ?? 10_000, clock,
    emit: (_d, alarm) => sent.push({ at: t.ms, alarm }),
  });
  /** Feeds one value per second of `code` from `fromS` to `toS` inclusive (device "mon"). */
  const feed = (code: string, values: (s: number) => number | null, fromS: number, toS: number): void => {
    for (let s = fromS; s <= toS; s++) {
      t.ms = s * 1000;
      const v = values(s);
      engine.onVitals('mon', { patientRef: 'p-1', numerics: [v === null ? { code, valid: false, value: 0 } : { code, value: v, unit: ADULT_LIMITS.find((l) => l.code === code)?.unit ?? '', valid: true }] });
    }
  };
  return { t, engine, sent, feed };
}

const HR = 'MDC_ECG_HEART_RATE';
const SPO2 = 'MDC_PULS_OXIM_SAT_O2';

describe('AlarmEngine limits', () => {
  it('raises HR high exactly after the 5 s debounce and clears only below limit − hysteresis', () => {
    const { engine, sent, feed } = setup();
    // 80 until 9 s, 130 from 10 s: condition first seen at 10 s, must hold until 15 s.
    feed(HR, (s) => (s < 10 ? 80 : 130), 0, 14);
    expect(sent).toEqual([]);
    feed(HR, () => 130, 15, 15);
    expect(sent).toHaveLength(1);
    const raised = sent[0]!;
    expect(raised.at).toBe(15_000);
    expect(raised.alarm).toMatchObject({
      deviceId: 'mon', state: AlarmState.ALARM_STATE_ACTIVE, priority: AlarmPriority.ALARM_PRIORITY_MEDIUM,
      kind: AlarmKind.ALARM_KIND_PHYSIOLOGICAL, code: `${HR}/MDC_EVT_HI`, value: 130, unit: '/min', patientRef: 'p-1',
    });
    expect(raised.alarm.alarmId).toBe(`mon/${HR}:high@${(EPOCH_MS + 15_000).toString(36)}`);
    // 118 is inside the limit but not past the 5 /min band (≤ 115): still active.
    feed(HR, () => 118, 16, 20);
    expect(sent).toHaveLength(1);
    feed(HR, () => 115, 21, 21);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toMatchObject({ at: 21_000, alarm: { alarmId: raised.alarm.alarmId, state: AlarmState.ALARM_STATE_CLEARED } });
    expect(engine.views()[0]).toMatchObject({ state: 'cleared', clearedAtMs: EPOCH_MS + 21_000 });
  });

  it('a violation shorter than the debounce raises nothing; a recurrence is a new episode with a new id', () => {
    const { sent, feed } = setup();
    feed(HR, (s) => (s >= 3 && s <= 6 ? 40 : 70), 0, 10); // 4 s below 50
    expect(sent).toEqual([]);
    feed(HR, () => 40, 11, 16);
    expect(sent.map((s) => s.at)).toEqual([16_000]);
    feed(HR, () => 60, 17, 17); // ≥ 55: cleared
    feed(HR, () => 40, 18, 23);
    expect(sent.map((s) => [s.at, s.alarm.state])).toEqual([[16_000, 1], [17_000, 2], [23_000, 1]]);
    expect(sent[2]!.alarm.alarmId).not.toBe(sent[0]!.alarm.alarmId);
  });

  it('a limit applies to every REFID of its parameter (ART_SYS and ART_ABP_SYS, both EtCO2 codes) as one condition', () => {
    const { t, engine, sent } = setup();
    for (let s = 0; s <= 6; s++) {
      t.ms = s * 1000;
      engine.onVitals('mon', { patientRef: 'p-1', numerics: [
        { code: 'MDC_CONC_AWAY_CO2_ET', value: 60, unit: 'mm[Hg]', valid: true },
        { code: 'MDC_PRESS_BLD_ART_SYS', value: 70, unit: 'mm[Hg]', valid: true },
      ] });
    }
    expect(sent.map((x) => x.alarm.code).sort()).toEqual(['MDC_AWAY_CO2_ET/MDC_EVT_HI', 'MDC_PRESS_BLD_ART_ABP_SYS/MDC_EVT_LO']);
    expect(deviceAlarmCondition('MDC_PRESS_BLD_ART_SYS/MDC_EVT_LO', engineLimits())).toEqual({ code: 'MDC_PRESS_BLD_ART_ABP_SYS', side: 'low' });
  });

  it('SpO2 low is high priority with its own 10 s delay', () => {
    const { sent, feed } = setup();
    feed(SPO2, (s) => (s < 5 ? 97 : 85), 0, 14);
    expect(sent).toEqual([]);
    feed(SPO2, () => 85, 15, 15);
    expect(sent[0]).toMatchObject({ at: 15_000, alarm: { priority: AlarmPriority.ALARM_PRIORITY_HIGH, code: `${SPO2}/MDC_EVT_LO` } });
  });

  it('a numeric in another unit is not compared, and counted', () => {
    const { engine, sent } = setup({ delayMs: 0 });
    engine.onVitals('mon', { numerics: [{ code: 'MDC_TEMP_BODY', value: 102, unit: '[degF]', valid: true }] });
    expect(sent).toEqual([]);
    expect(engine.counts.unitMismatch).toBe(1);
  });
});

describe('AlarmEngine technical alarms', () => {
  it('probe off (invalid values) raises after the technical delay and clears on the first valid value', () => {
    const { sent, feed } = setup();
    feed(SPO2, (s) => (s < 3 ? 97 : null), 0, 7);
    expect(sent).toEqual([]);
    feed(SPO2, () => null, 8, 8);
    expect(sent[0]).toMatchObject({ at: 8000, alarm: { kind: AlarmKind.ALARM_KIND_TECHNICAL, code: 'TM_ALARM_PARAM_INVALID', state: AlarmState.ALARM_STATE_ACTIVE } });
    feed(SPO2, () => 96, 9, 9);
    expect(sent[1]).toMatchObject({ at: 9000, alarm: { state: AlarmState.ALARM_STATE_CLEARED } });
  });

  it('NaN is invalid, never compared as a number', () => {
    const { sent, feed } = setup({ technicalDelayMs: 0 });
    feed(HR, () => Number.NaN, 0, 0);
    expect(sent.map((s) => s.alarm.code)).toEqual(['TM_ALARM_PARAM_INVALID']);
  });

  it('no data for noDataMs raises TM_ALARM_NO_DATA on the tick; the next reading clears it', () => {
    const { t, engine, sent, feed } = setup();
    feed(HR, () => 70, 0, 2);
    t.ms = 11_999;
    engine.tick();
    expect(sent).toEqual([]);
    t.ms = 12_000;
    engine.tick();
    engine.tick();
    expect(sent.map((s) => [s.at, s.alarm.code, s.alarm.state])).toEqual([[12_000, 'TM_ALARM_NO_DATA', 1]]);
    t.ms = 13_000;
    engine.onData('mon');
    expect(sent[1]).toMatchObject({ at: 13_000, alarm: { code: 'TM_ALARM_NO_DATA', state: AlarmState.ALARM_STATE_CLEARED } });
  });

  it('a faulted monitor raises TM_ALARM_DEVICE_GONE at once (high), running clears it; a GPS gone is low', () => {
    const { engine, sent, feed } = setup();
    feed(HR, () => 70, 0, 0); // a limited numeric: "mon" measures the patient
    engine.onVitals('gps', { numerics: [{ code: 'TM_ETA_S', value: 600, unit: 's', valid: true }], position: { latitudeDeg: 29 } });
    engine.onDeviceState('gps', 'faulted');
    expect(sent.map((s) => [s.alarm.deviceId, s.alarm.priority, s.alarm.text])).toEqual([['gps', AlarmPriority.ALARM_PRIORITY_LOW, 'device gps disconnected or faulted']]);
    sent.length = 0;
    engine.onDeviceState('mon', 'faulted');
    engine.onDeviceState('mon', 'faulted');
    engine.onDeviceState('mon', 'running');
    expect(sent.map((s) => [s.alarm.code, s.alarm.state, s.alarm.priority])).toEqual([
      ['TM_ALARM_DEVICE_GONE', 1, AlarmPriority.ALARM_PRIORITY_HIGH], ['TM_ALARM_DEVICE_GONE', 2, AlarmPriority.ALARM_PRIORITY_HIGH],
    ]);
  });
});

describe('AlarmEngine monitor alarms and acknowledgements', () => {
  const monitorAlarm = (state: telemed.v1.AlarmState, code = `${SPO2}/MDC_EVT_LO`): telemed.v1.IAlarm => ({
    alarmId: 'm-7', deviceId: 'mon', kind: AlarmKind.ALARM_KIND_PHYSIOLOGICAL, priority: AlarmPriority.ALARM_PRIORITY_HIGH, state, code, text: 'SpO2 LOW', value: 84, unit: '%',
  });

  it('the monitor alarm and the edge alarm of the same condition are one episode', () => {
    const { engine, sent, feed } = setup();
    feed(SPO2, () => 84, 0, 5);
    engine.onDeviceAlarm('mon', monitorAlarm(AlarmState.ALARM_STATE_ACTIVE));
    expect(sent).toHaveLength(1);
    feed(SPO2, () => 84, 6, 10); // the edge trips at 10 s: merged, no second ACTIVE
    expect(sent).toHaveLength(1);
    expect(engine.counts.deduplicated).toBe(1);
    expect(engine.views()[0]!.sources).toEqual(['edge', 'monitor']);
    engine.onDeviceAlarm('mon', monitorAlarm(AlarmState.ALARM_STATE_CLEARED));
    expect(sent).toHaveLength(1); // the edge still sees 84
    feed(SPO2, () => 93, 11, 11);
    expect(sent.map((s) => s.alarm.state)).toEqual([AlarmState.ALARM_STATE_ACTIVE, AlarmState.ALARM_STATE_CLEARED]);
    expect(new Set(sent.map((s) => s.alarm.alarmId)).size).toBe(1);
  });

  it('an alarm the edge does not evaluate passes through as its own episode', () => {
    const { engine, sent } = setup();
    engine.onDeviceAlarm('mon', monitorAlarm(AlarmState.ALARM_STATE_ACTIVE, 'MDC_EVT_ECG_V_TACHY'));
    engine.onDeviceAlarm('mon', monitorAlarm(AlarmState.ALARM_STATE_ACTIVE, 'MDC_EVT_ECG_V_TACHY'));
    engine.onDeviceAlarm('mon', monitorAlarm(AlarmState.ALARM_STATE_CLEARED, 'MDC_EVT_ECG_V_TACHY'));
    expect(sent.map((s) => [s.alarm.code, s.alarm.state, s.alarm.priority])).toEqual([
      ['MDC_EVT_ECG_V_TACHY', 1, AlarmPriority.ALARM_PRIORITY_HIGH], ['MDC_EVT_ECG_V_TACHY', 2, AlarmPriority.ALARM_PRIORITY_HIGH],
    ]);
  });

  it('a monitor reboot: its alarms stay up while it is gone, re-announced ones continue, the rest clear after noDataMs', () => {
    const { t, engine, sent } = setup();
    const va = (id: string, state: telemed.v1.AlarmState): telemed.v1.IAlarm => ({ ...monitorAlarm(state, 'MDC_EVT_ECG_V_TACHY'), alarmId: id });
    engine.onDeviceAlarm('mon', monitorAlarm(AlarmState.ALARM_STATE_ACTIVE)); // SpO2 low, id m-7
    engine.onDeviceAlarm('mon', va('b1:vt', AlarmState.ALARM_STATE_ACTIVE));
    t.ms = 1000;
    engine.onDeviceState('mon', 'faulted');
    t.ms = 60_000;
    engine.tick(); // gone for a minute: nothing the monitor raised is dropped meanwhile
    expect(engine.views().filter((v) => v.state === 'active').map((v) => v.code).sort()).toEqual(['MDC_EVT_ECG_V_TACHY', `${SPO2}/MDC_EVT_LO`, 'TM_ALARM_DEVICE_GONE']);
    engine.onDeviceState('mon', 'running'); // rebooted: new alarm ids (boot 2)
    engine.onDeviceAlarm('mon', { ...monitorAlarm(AlarmState.ALARM_STATE_ACTIVE), alarmId: 'b2:spo2' });
    t.ms = 69_999;
    engine.tick();
    expect(engine.views().filter((v) => v.state === 'active')).toHaveLength(2);
    t.ms = 70_000;
    engine.tick(); // V-tach not announced again within noDataMs of the return: cleared
    const states = sent.map((x) => [x.alarm.code, x.alarm.state]);
    expect(states).toEqual([
      [`${SPO2}/MDC_EVT_LO`, 1], ['MDC_EVT_ECG_V_TACHY', 1], ['TM_ALARM_DEVICE_GONE', 1], ['TM_ALARM_DEVICE_GONE', 2], ['MDC_EVT_ECG_V_TACHY', 2],
    ]);
    // The SpO2 episode continued under the new session's id: same alarm_id, still active.
    expect(engine.views()[0]).toMatchObject({ code: `${SPO2}/MDC_EVT_LO`, state: 'active', sources: ['monitor'] });
  });

  it('an acknowledgement marks the episode once, is sent up, and the ongoing condition is not raised again', () => {
    const { engine, sent, feed } = setup();
    feed(HR, () => 140, 0, 5);
    const id = sent[0]!.alarm.alarmId ?? '';
    expect(engine.acknowledge(id, 'dr.wang', (EPOCH_MS + 6000) * 1e6)).toBe('acknowledged');
    expect(engine.acknowledge(id, 'dr.wang', (EPOCH_MS + 6000) * 1e6)).toBe('duplicate');
    expect(sent[1]!.alarm).toMatchObject({ alarmId: id, state: AlarmState.ALARM_STATE_ACKNOWLEDGED, text: 'acknowledged by dr.wang' });
    feed(HR, () => 140, 6, 30);
    expect(sent).toHaveLength(2);
    expect(engine.views()[0]).toMatchObject({ state: 'active', acknowledged: { by: 'dr.wang', atMs: EPOCH_MS + 6000 } });
    expect(engine.acknowledge('nope', 'x', 0)).toBe('unknown');
    expect(engine.counts.unknownAcks).toBe(1);
  });

  it('lists active alarms by priority before the cleared ones', () => {
    const { engine, feed } = setup({ delayMs: 0 });
    feed('MDC_TEMP_BODY', () => 40, 0, 0);
    feed(HR, () => 140, 1, 1);
    feed(SPO2, () => 80, 2, 12);
    feed(HR, () => 80, 13, 13);
    expect(engine.views().map((v) => [v.code, v.state])).toEqual([
      [`${SPO2}/MDC_EVT_LO`, 'active'], ['MDC_TEMP_BODY/MDC_EVT_HI', 'active'], [`${HR}/MDC_EVT_HI`, 'cleared'],
    ]);
  });
});

describe('deviceAlarmCondition', () => {
  const limits = new Map(ADULT_LIMITS.map((l) => [l.code, l]));
  it.each([
    [`${SPO2}/MDC_EVT_LO`, { code: SPO2, side: 'low' }],
    [`${HR}^MDC_EVT_HI`, { code: HR, side: 'high' }],
    [`${SPO2}|MDC_EVT_SENSOR_DISCONN`, { code: SPO2, side: 'invalid' }],
    ['TM_ALARM_SPO2_LOW', { code: SPO2, side: 'low' }],
    ['MDC_EVT_HI', null],
    ['MDC_EVT_ECG_ASYSTOLE', null],
  ])('%s', (code, want) => expect(deviceAlarmCondition(code, limits)).toEqual(want));
});
