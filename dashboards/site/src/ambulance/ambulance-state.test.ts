import { describe, expect, it } from 'vitest';
import { EMPTY_AMBULANCE, ackText, applyVitals, formatEta, orderAlarms, parseVitalsMessage, tileTone, tiles, transport, type AlarmItem, type AlarmLimitView } from './ambulance-state.js';
import { WaveBuffer } from './wave-buffer.js';

const HR: AlarmLimitView = { code: 'MDC_ECG_HEART_RATE', label: 'HR', unit: '/min', low: 50, high: 120, lowPriority: 'high', highPriority: 'medium' };
const alarm = (id: string, priority: AlarmItem['priority'], state: AlarmItem['state'], ack: AlarmItem['acknowledged'] = null, raisedAtMs = 0): AlarmItem => ({
  alarmId: id, deviceId: 'mon', kind: 'physiological', priority, state, code: 'X', text: id, value: null, unit: '', raisedAtMs, clearedAtMs: null, acknowledged: ack,
});

describe('ambulance page state', () => {
  it('parses the gateway vitals messages and drops anything malformed', () => {
    expect(parseVitalsMessage('{')).toBeNull();
    expect(parseVitalsMessage(JSON.stringify({ type: 'status', status: {} }))).toBeNull();
    expect(parseVitalsMessage(JSON.stringify({ type: 'vitals', vitals: { deviceId: 1 } }))).toBeNull();
    expect(parseVitalsMessage(JSON.stringify({ type: 'waveform', deviceId: 'm', stream: 's', samples: [1], sampleRateHz: 0, firstSampleIndex: 0 }))).toBeNull();
    const snap = parseVitalsMessage(JSON.stringify({ type: 'vitals-snapshot', limits: [HR], devices: [{ deviceId: 'mon', atMs: 1, numerics: [], position: null }], alarms: [alarm('a', 'high', 'active'), { bad: 1 }] }));
    expect(snap?.type === 'vitals-snapshot' && snap.alarms.length).toBe(1);
    const s = applyVitals(EMPTY_AMBULANCE, snap!);
    expect(Object.keys(s.devices)).toEqual(['mon']);
  });

  it('colours a tile by the side of the limit it is past, in words too', () => {
    const n = (value: number | null, valid = true) => ({ code: HR.code, label: 'HR', value, unit: '/min', valid });
    expect(tileTone(n(80), HR)).toEqual({ tone: 'ok', words: 'in range' });
    expect(tileTone(n(130), HR)).toEqual({ tone: 'warn', words: 'above limit' });
    expect(tileTone(n(40), HR)).toEqual({ tone: 'bad', words: 'below limit' });
    expect(tileTone(n(null, false), HR)).toEqual({ tone: 'idle', words: 'no valid value' });
  });

  it('keeps the ETA out of the tiles and shows it with the position', () => {
    let s = applyVitals(EMPTY_AMBULANCE, { type: 'vitals', vitals: { deviceId: 'gps', atMs: 5, numerics: [{ code: 'TM_ETA_S', label: 'ETA (route)', value: 725, unit: 's', valid: true }, { code: 'TM_ETA_REMAINING_M', label: 'distance to hospital', value: 8200, unit: 'm', valid: true }], position: { latitudeDeg: 29.1, longitudeDeg: 121.0, speedMps: 14, headingDeg: 90, accuracyM: 4 } } });
    s = applyVitals(s, { type: 'vitals', vitals: { deviceId: 'mon', atMs: 5, numerics: [{ code: HR.code, label: 'HR', value: 80, unit: '/min', valid: true }], position: null } });
    expect(tiles(s).map((t) => t.numeric.code)).toEqual([HR.code]);
    expect(transport(s)).toMatchObject({ etaS: 725, remainingM: 8200, etaLabel: 'ETA (route)' });
    expect(formatEta(725)).toBe('12:05');
  });

  it('orders alarms: active, unacknowledged, then priority; names who acknowledged', () => {
    const acked = { by: 'dr.li', atMs: Date.UTC(2026, 11, 6, 9, 0, 0) };
    const order = orderAlarms([alarm('low', 'low', 'active'), alarm('old', 'high', 'cleared'), alarm('ack', 'high', 'active', acked), alarm('hi', 'high', 'active')]);
    expect(order.map((a) => a.alarmId)).toEqual(['hi', 'low', 'ack', 'old']);
    expect(ackText(order[2]!)).toMatch(/^acknowledged by dr\.li at the hospital, \d\d:\d\d:\d\d$/);
  });
});

describe('WaveBuffer (jitter buffer)', () => {
  it('plays `delayMs` behind the newest sample at the sample rate, through bursty arrival', () => {
    const b = new WaveBuffer(100, 10, 300);
    // 10-sample chunks every 100 ms, but delivered in bursts of 3 every 300 ms.
    for (let burst = 0; burst < 10; burst++) {
      const t = burst * 300;
      for (let k = 0; k < 3; k++) {
        const first = (burst * 3 + k) * 10;
        b.push(first, Array.from({ length: 10 }, (_, i) => first + i), t);
      }
    }
    expect(b.reanchors).toBe(0);
    // Between bursts the playhead moves 1 sample per 10 ms and never passes the newest sample.
    const p0 = b.playhead(2700);
    expect(b.playhead(2800) - p0).toBeCloseTo(10, 5);
    expect(b.playhead(2999)).toBeLessThan(300);
    expect(b.at(Math.floor(p0))).toBe(Math.floor(p0));
  });

  it('re-anchors after a stall, and a gap reads as NaN', () => {
    const b = new WaveBuffer(100, 10, 300);
    b.push(0, new Array<number>(50).fill(1), 0);
    b.push(50, new Array<number>(10).fill(1), 2000); // 2 s stall: the buffer ran dry
    expect(b.reanchors).toBe(1);
    expect(b.playhead(2000)).toBeCloseTo(30, 5);
    b.push(80, [5], 2000); // samples 60..79 lost
    expect(b.at(70)).toBeNaN();
    expect(b.at(80)).toBe(5);
  });
});
