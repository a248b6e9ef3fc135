import { describe, expect, it } from 'vitest';
import { CLASS_DEFAULTS, TrafficClass, className, type ClassName } from '../../protocols/index.js';
import { PriorityScheduler, type DropReason } from './scheduler.js';
import { StreamSequencer, type OutFrame } from './streams.js';

const seqr = new StreamSequencer('g', (c: ClassName) => CLASS_DEFAULTS[c].budgetMs);
function frame(cls: TrafficClass, nowMs: number, stream: string = className(cls), durable = false): OutFrame {
  return seqr.build({ streamId: stream, trafficClass: cls, durable, captureTimeNs: 0, payload: { goodbye: { reason: 'x' } } }, nowMs);
}

describe('PriorityScheduler', () => {
  it('releases strictly by class priority, FIFO within a class', () => {
    const s = new PriorityScheduler({ maxQueuedFrames: () => 100 });
    const order = [
      TrafficClass.TRAFFIC_CLASS_BULK, TrafficClass.TRAFFIC_CLASS_VIDEO, TrafficClass.TRAFFIC_CLASS_WAVEFORM,
      TrafficClass.TRAFFIC_CLASS_VITALS, TrafficClass.TRAFFIC_CLASS_ALARM, TrafficClass.TRAFFIC_CLASS_CONTROL,
    ];
    const frames = order.map((c) => frame(c, 0, `s-${c}`, c !== TrafficClass.TRAFFIC_CLASS_CONTROL && c !== TrafficClass.TRAFFIC_CLASS_VIDEO));
    const v2 = frame(TrafficClass.TRAFFIC_CLASS_VITALS, 0, 's-3', true);
    for (const f of [...frames, v2]) s.enqueue(f);
    const out: string[] = [];
    for (let f = s.next(1); f; f = s.next(1)) out.push(`${f.className}:${f.seq}`);
    expect(out[0]).toBe('control:1');
    expect(out.map((x) => x.split(':')[0])).toEqual(['control', 'alarm', 'vitals', 'vitals', 'waveform', 'video', 'bulk']);
    expect(out.filter((x) => x.startsWith('vitals'))).toEqual(['vitals:1', 'vitals:2']);
    expect(s.queuedFrames).toBe(0);
  });

  it('drops realtime frames past their budget and counts them per class and reason; sends late durable ones', () => {
    const drops: [ClassName, DropReason][] = [];
    const s = new PriorityScheduler({ maxQueuedFrames: () => 100, onDrop: (f, r) => drops.push([f.className, r]) });
    s.enqueue(frame(TrafficClass.TRAFFIC_CLASS_VIDEO, 0)); // budget 150 ms
    s.enqueue(frame(TrafficClass.TRAFFIC_CLASS_CONTROL, 0)); // budget 50 ms
    s.enqueue(frame(TrafficClass.TRAFFIC_CLASS_ALARM, 0, 'alarm', true)); // durable, 500 ms
    s.enqueue(frame(TrafficClass.TRAFFIC_CLASS_WAVEFORM, 0)); // budget 500 ms
    // At 200 ms: control (50) and video (150) are stale, waveform (500) is not.
    const out: string[] = [];
    for (let f = s.next(200); f; f = s.next(200)) out.push(f.className);
    expect(out).toEqual(['alarm', 'waveform']);
    expect(drops).toEqual([['control', 'late'], ['video', 'late']]);
    expect(s.stats().control.dropped.late).toBe(1);
    expect(s.stats().video.dropped.late).toBe(1);
    // A durable frame past its budget is sent and counted late, never dropped.
    s.enqueue(frame(TrafficClass.TRAFFIC_CLASS_VITALS, 0, 'vitals', true));
    expect(s.next(5000)?.className).toBe('vitals');
    expect(s.stats().vitals.late).toBe(1);
    expect(s.stats().vitals.dropped.late).toBe(0);
  });

  it('keeps a realtime frame released exactly at its deadline', () => {
    const s = new PriorityScheduler({ maxQueuedFrames: () => 100 });
    s.enqueue(frame(TrafficClass.TRAFFIC_CLASS_CONTROL, 1000));
    expect(s.next(1050)?.className).toBe('control');
  });

  it('bounds realtime queues by dropping the oldest, and CONTROL is latest-wins per stream', () => {
    const s = new PriorityScheduler({ maxQueuedFrames: () => 2 });
    for (let i = 0; i < 4; i++) s.enqueue(frame(TrafficClass.TRAFFIC_CLASS_VIDEO, 0, 'us'));
    expect(s.stats().video).toMatchObject({ queued: 2, dropped: { queue_full: 2 } });
    s.enqueue(frame(TrafficClass.TRAFFIC_CLASS_CONTROL, 0, 'arm'));
    const latest = frame(TrafficClass.TRAFFIC_CLASS_CONTROL, 0, 'arm');
    s.enqueue(latest);
    expect(s.stats().control).toMatchObject({ queued: 1, dropped: { superseded: 1 } });
    expect(s.next(0)).toBe(latest);
  });

  it('clear() counts realtime frames as dropped but not durable ones (they live in the outbox)', () => {
    const s = new PriorityScheduler({ maxQueuedFrames: () => 10 });
    s.enqueue(frame(TrafficClass.TRAFFIC_CLASS_WAVEFORM, 0));
    s.enqueue(frame(TrafficClass.TRAFFIC_CLASS_VITALS, 0, 'v', true));
    s.clear('link_down');
    expect(s.queuedFrames).toBe(0);
    expect(s.stats().waveform.dropped.link_down).toBe(1);
    expect(s.stats().vitals.dropped.link_down).toBe(0);
    expect(s.next(0)).toBeUndefined();
  });

  it('asks the pacer before each release', () => {
    let allow = false;
    const s = new PriorityScheduler({ maxQueuedFrames: () => 10, pacer: { admit: () => allow } });
    s.enqueue(frame(TrafficClass.TRAFFIC_CLASS_BULK, 0, 'b', true));
    expect(s.next(0)).toBeUndefined();
    allow = true;
    expect(s.next(0)?.className).toBe('bulk');
  });
});
