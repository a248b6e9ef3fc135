import { describe, expect, it } from 'vitest';
import { telemed } from '../../protocols/index.js';
import { ClockOffset } from './clock-offset.js';
import { VitalsErrorCode } from './errors.js';
import { decodeMonitorMessage, MAX_PAYLOAD_BYTES, type AlarmMsg, type NumericsMsg, type WaveformMsg } from './schema.js';
import { deviceStateOf, nextSessionState, type SessionEvent, type SessionState } from './session-state.js';
import { alarmToWire, numericsToVitals, SENTINELS, waveformToChunk } from './to-readings.js';
import { parseTopic } from './topics.js';

const T = 1_765_000_000_000;
const enc = (v: unknown): Uint8Array => Buffer.from(JSON.stringify(v));
const numerics = (n: unknown[], extra: object = {}) => ({ v: 1, boot: 1, seq: 1, t: T, numerics: n, ...extra });
const wave = (extra: object = {}) => ({ v: 1, boot: 1, seq: 2, t: T, code: 131330, rateHz: 500, first: 0, unit: 'mV', scale: 0.001, samples: [1, 2, 3], ...extra });
const alarm = (a: object = {}) => ({ v: 1, boot: 2, seq: 3, t: T, alarm: { id: 'a-1', code: 'MDC_EVT_LO', kind: 'physiological', priority: 'high', state: 'active', text: 'SpO2 < 90', ...a } });
const NUM = 'telemed/v1/monitors/m1/numerics';

function code(topic: string, payload: Uint8Array): string {
  const r = decodeMonitorMessage(topic, payload);
  return r.ok ? 'ok' : r.code;
}

describe('topics', () => {
  it('parses the four kinds and refuses everything else', () => {
    expect(parseTopic('telemed/v1/monitors/m-1.a_b/status')).toEqual({ kind: 'status', monitorId: 'm-1.a_b' });
    expect(parseTopic('telemed/v1/monitors/m1/waveform/ECG_II')).toEqual({ kind: 'waveform', monitorId: 'm1', channel: 'ECG_II' });
    for (const t of ['telemed/v1/monitors/m1', 'telemed/v1/monitors/m1/numerics/x', 'telemed/v1/monitors//numerics', 'telemed/v1/monitors/m1/waveform',
      'telemed/v1/monitors/m1/waveform/EC-G', 'telemed/v2/monitors/m1/numerics', 'telemed/v1/monitors/m+/numerics', `telemed/v1/monitors/${'x'.repeat(65)}/status`]) {
      expect(parseTopic(t)).toBeNull();
    }
  });
});

describe('decodeMonitorMessage', () => {
  it('accepts the documented payloads (unknown fields ignored)', () => {
    expect(code(NUM, enc(numerics([{ code: 147842, refid: 'MDC_ECG_HEART_RATE', value: 72, unit: '/min', label: 'HR' }], { vendor: { x: 1 } })))).toBe('ok');
    expect(code('telemed/v1/monitors/m1/waveform/ECG_II', enc(wave()))).toBe('ok');
    expect(code('telemed/v1/monitors/m1/alarms', enc(alarm({ source: 150456, value: 85, unit: '%' })))).toBe('ok');
    expect(code('telemed/v1/monitors/m1/status', enc({ v: 1, state: 'offline', reason: 'lwt' }))).toBe('ok');
    expect(code(NUM, enc(numerics([{ code: 150456, value: null, unit: '%' }, { code: 150456, value: 'NaN', unit: '%' }])))).toBe('ok');
  });

  it('codes every rejection', () => {
    const C = VitalsErrorCode;
    expect(code('other/topic', enc({}))).toBe(C.BAD_TOPIC);
    expect(code(NUM, new Uint8Array(MAX_PAYLOAD_BYTES + 1))).toBe(C.TOO_LARGE);
    expect(code(NUM, Buffer.from('{"v":1,'))).toBe(C.BAD_JSON);
    expect(code(NUM, Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]))).toBe(C.BAD_JSON);
    expect(code(NUM, new Uint8Array(0))).toBe(C.BAD_JSON);
    expect(code(NUM, enc(numerics([{ code: 147842, value: 72, unit: '/min' }], { v: 2 })))).toBe(C.VERSION);
    const schema: unknown[] = [
      null, 42, 'x', [], {},
      numerics([]),
      numerics([{ code: 147842, value: 72 }]),
      numerics([{ code: 147842, value: '72', unit: '/min' }]),
      numerics([{ code: -1, value: 72, unit: '/min' }]),
      numerics([{ code: 1.5, value: 72, unit: '/min' }]),
      numerics([{ code: 147842, value: 72, unit: '' }]),
      numerics([{ code: 147842, value: 72, unit: '/min', label: 'x'.repeat(33) }]),
      numerics(Array.from({ length: 65 }, () => ({ code: 147842, value: 72, unit: '/min' }))),
      numerics([{ code: 147842, value: 72, unit: '/min' }], { t: 0 }),
      numerics([{ code: 147842, value: 72, unit: '/min' }], { boot: 0 }),
      numerics([{ code: 147842, value: 72, unit: '/min' }], { seq: -1 }),
    ];
    for (const p of schema) expect(code(NUM, enc(p)), JSON.stringify(p).slice(0, 80)).toBe(C.SCHEMA);
    const W = 'telemed/v1/monitors/m1/waveform/ECG_II';
    for (const w of [wave({ samples: [] }), wave({ samples: [1.5] }), wave({ samples: [2 ** 31] }), wave({ rateHz: 0 }), wave({ scale: -1 }), wave({ first: -1 }), wave({ samples: Array(8193).fill(0) })]) {
      expect(code(W, enc(w))).toBe(C.SCHEMA);
    }
    const A = 'telemed/v1/monitors/m1/alarms';
    for (const a of [alarm({ state: 'maybe' }), alarm({ priority: 'urgent' }), alarm({ id: 'a b' }), alarm({ code: 'lower' }), alarm({ text: 'x'.repeat(201) })]) {
      expect(code(A, enc(a))).toBe(C.SCHEMA);
    }
    expect(code('telemed/v1/monitors/m1/status', enc({ v: 1, state: 'asleep' }))).toBe(C.SCHEMA);
  });
});

describe('numericsToVitals', () => {
  const toNs = (ms: number): number => (ms + 5) * 1e6;
  const one = (n: object) => numericsToVitals('dev', numerics([{ code: 147842, unit: '/min', ...n }]) as NumericsMsg, toNs);

  it('sends sentinels, null, "NaN" and implausible values as valid: false without a value', () => {
    for (const value of [...SENTINELS, null, 'NaN', 351, -1]) {
      const r = one({ value });
      expect(r.vitals.numerics, String(value)).toEqual([{ code: 'MDC_ECG_HEART_RATE', unit: '/min', label: 'HR', valid: false }]);
      expect(r.invalid).toBe(1);
    }
    expect(one({ value: 72 }).vitals.numerics).toEqual([{ code: 'MDC_ECG_HEART_RATE', unit: '/min', label: 'HR', value: 72, valid: true }]);
  });

  it('sends our code and unit: aliases to the primary code, kPa and [degF] converted, unknown codes and units dropped', () => {
    const msg = numerics([
      { code: 149546, value: 80, unit: '{beats}/min', label: 'Pulse' },
      { code: 151708, value: 5, unit: 'kPa' },
      { code: 150344, value: 98.6, unit: '[degF]', t: T - 60_000 },
      { code: 999999, value: 1, unit: '/min' },
      { code: 150456, value: 97, unit: 'mm[Hg]' },
    ]) as NumericsMsg;
    const r = numericsToVitals('dev', msg, toNs);
    expect(r.vitals.numerics![0]).toEqual({ code: 'MDC_PULS_OXIM_PULS_RATE', unit: '/min', label: 'Pulse', value: 80, valid: true });
    expect(r.vitals.numerics![1]!.code).toBe('MDC_CONC_AWAY_CO2_ET');
    expect(r.vitals.numerics![1]!.value).toBeCloseTo(37.503, 2);
    expect(r.vitals.numerics![2]).toMatchObject({ code: 'MDC_TEMP_BODY', unit: 'Cel', valid: true, timeNs: (T - 60_000 + 5) * 1e6 });
    expect(r.vitals.numerics![2]!.value).toBeCloseTo(37, 5);
    expect(r.vitals.numerics).toHaveLength(3);
    expect(r.dropped).toEqual([{ code: VitalsErrorCode.UNKNOWN_CODE, mdc: 999999 }, { code: VitalsErrorCode.BAD_UNIT, mdc: 150456 }]);
  });
});

describe('waveforms and alarms', () => {
  it('names the channel by its REFID and refuses units it does not know', () => {
    expect(waveformToChunk('dev', 'ECG_II', wave() as WaveformMsg)).toEqual({
      deviceId: 'dev', channel: 'ECG_II', code: 'MDC_ECG_ELEC_POTL_II', sampleRateHz: 500, firstSampleIndex: 0, samples: [1, 2, 3], scale: 0.001, unit: 'mV',
    });
    expect(waveformToChunk('dev', 'X', wave({ unit: 'furlong' }) as WaveformMsg)).toBe(VitalsErrorCode.BAD_UNIT);
  });

  it('composes <parameter>/<event> codes for the edge alarm engine and scopes ids by boot', () => {
    const w = alarmToWire('dev', alarm({ source: 150456, value: 85, unit: '%' }) as AlarmMsg);
    expect(w).toEqual({
      alarmId: 'dev:b2:a-1', deviceId: 'dev', kind: telemed.v1.AlarmKind.ALARM_KIND_PHYSIOLOGICAL, priority: telemed.v1.AlarmPriority.ALARM_PRIORITY_HIGH,
      state: telemed.v1.AlarmState.ALARM_STATE_ACTIVE, code: 'MDC_PULS_OXIM_SAT_O2/MDC_EVT_LO', text: 'SpO2 < 90', value: 85, unit: '%',
    });
    const tech = alarmToWire('dev', alarm({ code: 'MDC_EVT_ECG_V_TACH', kind: 'technical', priority: 'low', state: 'cleared', value: -999 }) as AlarmMsg);
    expect(tech).toMatchObject({ code: 'MDC_EVT_ECG_V_TACH', kind: telemed.v1.AlarmKind.ALARM_KIND_TECHNICAL, state: telemed.v1.AlarmState.ALARM_STATE_CLEARED });
    expect(tech.value).toBeUndefined();
  });
});

describe('session state', () => {
  it('goes live on data only, gone on offline / silence / broker loss', () => {
    const walk = (events: SessionEvent['type'][], online = false): SessionState[] => {
      let s: SessionState = 'stopped';
      return events.map((type) => (s = nextSessionState(s, type === 'status' ? { type, online } : { type })));
    };
    expect(walk(['start', 'broker-up', 'data', 'status', 'data', 'silence', 'broker-up', 'data', 'broker-down', 'broker-up', 'data', 'stop']))
      .toEqual(['connecting', 'waiting', 'live', 'gone', 'live', 'gone', 'gone', 'live', 'gone', 'gone', 'live', 'stopped']);
    expect(walk(['start', 'silence'])).toEqual(['connecting', 'gone']);
    expect(walk(['data', 'broker-up'])).toEqual(['stopped', 'stopped']);
    expect(walk(['start', 'broker-up', 'status'], true)).toEqual(['connecting', 'waiting', 'waiting']);
    expect((['stopped', 'connecting', 'waiting', 'live', 'gone'] as const).map(deviceStateOf)).toEqual(['stopped', 'starting', 'starting', 'running', 'faulted']);
  });
});

describe('ClockOffset', () => {
  it('trusts the monitor clock, corrects one that is ahead at once and one that is behind after a window', () => {
    const c = new ClockOffset(1000, 100);
    expect(c.observe(1000, 100, 0)).toBe(0); // 900 ms "late": a held backlog, not yet proof
    expect(c.observe(1010, 1005, 10)).toBe(0); // live: 5 ms
    expect(c.observe(1500, 1000, 20)).toBe(0);
    const ahead = new ClockOffset(1000, 100);
    expect(ahead.observe(1000, 1500, 0)).toBe(-500);
    const behind = new ClockOffset(1000, 100);
    expect(behind.observe(1000, 0, 0)).toBe(0);
    expect(behind.observe(1600, 595, 600)).toBe(0);
    expect(behind.observe(2001, 1000, 1001)).toBe(1000); // a whole window at ≥ 1000 ms behind
    // The monitor's clock is stepped forward to ours: the minimum falls at once.
    expect(behind.observe(2500, 2499, 1500)).toBe(0);
    // Stepped back by 5 s: corrected once a whole window has seen it behind.
    expect(behind.observe(3100, -1900, 2100)).toBe(0);
    expect(behind.observe(4200, -800, 3200)).toBe(5000);
    behind.reset();
    expect(behind.observe(5000, 0, 3000)).toBe(0);
  });
});
