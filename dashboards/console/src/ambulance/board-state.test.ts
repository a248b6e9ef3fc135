import { describe, expect, it } from 'vitest';
import { applyList, applyLive, applyRecent, bannerAlarms, boardOrder, EMPTY_BOARD, formatEta, parseBoardMessage, TREND_WINDOW_MS, type AlarmView } from './board-state.js';

const fix = (etaS: number | null) => ({ lat: 29.1, lon: 121, speedMps: 10, headingDeg: 90, at: '2026-12-06T08:00:00.000Z', etaS });
const alarm = (id: string, priority: string, at: string, state = 'active'): AlarmView =>
  ({ alarmId: id, deviceId: 'm', kind: 'physiological', priority, state, code: 'X', text: `${id} text`, value: 1, unit: '%', at, acks: [] });

describe('board state', () => {
  it('orders ambulances by ETA, unknown ETA last', () => {
    const s = applyList(EMPTY_BOARD, [
      { id: 'c', siteName: null, connected: true, fix: null },
      { id: 'a', siteName: null, connected: true, fix: fix(600) },
      { id: 'b', siteName: null, connected: false, fix: fix(120) },
    ]);
    expect(boardOrder(s).map((a) => a.id)).toEqual(['b', 'a', 'c']);
    expect(formatEta(125)).toBe('2 min');
    expect(formatEta(42)).toBe('42 s');
    expect(formatEta(null)).toBe('—');
  });

  it('merges stored trends with live points, trims the window, and keeps invalid values out of trends', () => {
    const now = Date.parse('2026-12-06T08:15:00.000Z');
    let s = applyList(EMPTY_BOARD, [{ id: 'a', siteName: null, connected: true, fix: null }]);
    s = applyRecent(s, 'a', { series: [{ code: 'HR', label: 'HR', unit: '/min', points: [[now - TREND_WINDOW_MS - 1, 50], [now - 2000, 70]] }], alarms: [] });
    expect(s.ambulances['a']?.numerics['HR']?.value).toBe(70);
    const live = (value: number, valid: boolean, t: number) => applyLive(s, {
      type: 'vitals', gatewayId: 'a', captureTime: new Date(t).toISOString(), numerics: [{ code: 'HR', label: 'HR', value, unit: '/min', valid }],
    }, t);
    s = live(72, true, now);
    expect(s.ambulances['a']?.trends['HR']).toEqual([[now - 2000, 70], [now, 72]]); // the point older than 15 min is gone
    s = live(0, false, now + 1000);
    expect(s.ambulances['a']?.trends['HR']).toHaveLength(2);
    expect(s.ambulances['a']?.numerics['HR']?.valid).toBe(false);
    // Messages for ambulances not on the board (another site's never arrive; unknown ones) change nothing.
    expect(applyLive(s, { type: 'vitals', gatewayId: 'zz', captureTime: null, numerics: [] }, now)).toBe(s);
  });

  it('fills the trend with a backlog after a tunnel without moving the tile back in time', () => {
    const now = Date.parse('2026-12-06T08:15:00.000Z');
    let s = applyList(EMPTY_BOARD, [{ id: 'a', siteName: null, connected: true, fix: null }]);
    const at = (t: number, value: number) => ({ type: 'vitals' as const, gatewayId: 'a', captureTime: new Date(t).toISOString(), numerics: [{ code: 'HR', label: 'HR', value, unit: '/min', valid: true }] });
    s = applyLive(s, at(now - 120_000, 60), now);
    s = applyLive(s, at(now, 90), now); // live again after the tunnel
    for (let i = 1; i <= 3; i++) s = applyLive(s, at(now - 120_000 + i * 30_000, 60 + i), now); // backlog, oldest first
    expect(s.ambulances['a']?.numerics['HR']?.value).toBe(90);
    expect(s.ambulances['a']?.trends['HR']?.map((p) => p[1])).toEqual([60, 61, 62, 63, 90]);
  });

  it('takes position and ETA from GPS frames', () => {
    let s = applyList(EMPTY_BOARD, [{ id: 'a', siteName: null, connected: true, fix: null }]);
    s = applyLive(s, { type: 'vitals', gatewayId: 'a', captureTime: '2026-12-06T08:00:01.000Z', numerics: [{ code: 'TM_ETA_S', label: 'ETA', value: 300, unit: 's', valid: true }], position: { lat: 29.2, lon: 121.1, speedMps: 12, headingDeg: 45 } }, 0);
    expect(s.ambulances['a']?.fix).toMatchObject({ lat: 29.2, lon: 121.1, etaS: 300 });
  });

  it('shows active unacknowledged alarms, highest priority first, and clears one when acknowledged', () => {
    let s = applyList(EMPTY_BOARD, [{ id: 'a', siteName: null, connected: true, fix: null }]);
    s = applyRecent(s, 'a', { series: [], alarms: [alarm('low-1', 'low', '2026-12-06T08:00:03Z'), alarm('hi-1', 'high', '2026-12-06T08:00:01Z'), alarm('old', 'high', '2026-12-06T07:00:00Z', 'cleared')] });
    expect(bannerAlarms(s.ambulances['a']!).map((x) => x.alarmId)).toEqual(['hi-1', 'low-1']);
    s = applyLive(s, { type: 'alarm', gatewayId: 'a', captureTime: '2026-12-06T08:00:05Z', alarmId: 'hi-1', deviceId: 'm', kind: 'physiological', priority: 'high', state: 'acknowledged', code: 'X', text: 'acknowledged by nurse.wu', value: 1, unit: '%' }, 0);
    expect(bannerAlarms(s.ambulances['a']!).map((x) => x.alarmId)).toEqual(['low-1']);
    expect(s.ambulances['a']?.alarms['hi-1']).toMatchObject({ text: 'hi-1 text', acks: [{ username: 'nurse.wu' }] });
  });

  it('parses /live messages defensively', () => {
    expect(parseBoardMessage('not json')).toBeNull();
    expect(parseBoardMessage(JSON.stringify({ type: 'vitals', gatewayId: 1 }))).toBeNull();
    expect(parseBoardMessage(JSON.stringify({ type: 'waveform', gatewayId: 'a', samples: [1], sampleRateHz: 0 }))).toBeNull();
    expect(parseBoardMessage(JSON.stringify({ type: 'waveform', gatewayId: 'a', channel: 'ECG_II', samples: [1, 2], sampleRateHz: 500, firstSampleIndex: 10, scale: 0.005, unit: 'mV' })))
      .toMatchObject({ type: 'waveform', sampleRateHz: 500, firstSampleIndex: 10, samples: [1, 2] });
    const v = parseBoardMessage(JSON.stringify({ type: 'vitals', gatewayId: 'a', captureTime: null, numerics: [{ code: 'HR', value: 'x' }, { code: 'SpO2', value: 97, valid: false }] }));
    expect(v).toMatchObject({ numerics: [{ code: 'SpO2', value: 97, valid: false }] });
  });
});

describe('waveform range', () => {
  it('widens in place to hold the values shown, never narrows', async () => {
    const { widen } = await import('./ambulance-board.js');
    const r: [number, number] = [0, 0];
    widen(r, [10, 12]);
    expect(r[0]).toBeLessThanOrEqual(10);
    expect(r[1]).toBeGreaterThanOrEqual(12);
    const before: [number, number] = [r[0], r[1]];
    widen(r, [11]);
    expect(r).toEqual(before);
    widen(r, [-5, Number.NaN]);
    expect(r[0]).toBeLessThan(-5);
  });
});
