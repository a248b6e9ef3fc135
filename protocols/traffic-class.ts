import { telemed } from './wire/proto.js';

/** The traffic-class enum of the wire protocol (DESIGN.md §3). */
export const TrafficClass = telemed.v1.TrafficClass;
export type TrafficClass = telemed.v1.TrafficClass;

/** The six real classes, highest priority first. */
export const TRAFFIC_CLASSES = [
  TrafficClass.TRAFFIC_CLASS_CONTROL,
  TrafficClass.TRAFFIC_CLASS_ALARM,
  TrafficClass.TRAFFIC_CLASS_VITALS,
  TrafficClass.TRAFFIC_CLASS_WAVEFORM,
  TrafficClass.TRAFFIC_CLASS_VIDEO,
  TrafficClass.TRAFFIC_CLASS_BULK,
] as const;

export type ClassName = 'control' | 'alarm' | 'vitals' | 'waveform' | 'video' | 'bulk';

const NAMES: Record<number, ClassName> = {
  [TrafficClass.TRAFFIC_CLASS_CONTROL]: 'control',
  [TrafficClass.TRAFFIC_CLASS_ALARM]: 'alarm',
  [TrafficClass.TRAFFIC_CLASS_VITALS]: 'vitals',
  [TrafficClass.TRAFFIC_CLASS_WAVEFORM]: 'waveform',
  [TrafficClass.TRAFFIC_CLASS_VIDEO]: 'video',
  [TrafficClass.TRAFFIC_CLASS_BULK]: 'bulk',
};

const BY_NAME: Record<ClassName, TrafficClass> = {
  control: TrafficClass.TRAFFIC_CLASS_CONTROL,
  alarm: TrafficClass.TRAFFIC_CLASS_ALARM,
  vitals: TrafficClass.TRAFFIC_CLASS_VITALS,
  waveform: TrafficClass.TRAFFIC_CLASS_WAVEFORM,
  video: TrafficClass.TRAFFIC_CLASS_VIDEO,
  bulk: TrafficClass.TRAFFIC_CLASS_BULK,
};

export const CLASS_NAMES: readonly ClassName[] = ['control', 'alarm', 'vitals', 'waveform', 'video', 'bulk'];

/** Lower-case name of a class, as used in metrics labels and config ("control", "bulk", ...). */
export function className(c: TrafficClass | number): ClassName | 'unspecified' {
  return NAMES[c] ?? 'unspecified';
}

export function classFromName(name: ClassName): TrafficClass {
  return BY_NAME[name];
}

export type Delivery = 'realtime' | 'durable';

export interface ClassPolicy {
  /** Default latency budget in milliseconds. */
  readonly budgetMs: number;
  /** realtime: dropped when late; durable: kept until acknowledged, delivered late. */
  readonly delivery: Delivery;
}

/** Defaults of DESIGN.md §3. WAVEFORM's live copy is realtime; its recorded copy goes as BULK. */
export const CLASS_DEFAULTS: Readonly<Record<ClassName, ClassPolicy>> = Object.freeze({
  control: { budgetMs: 50, delivery: 'realtime' },
  alarm: { budgetMs: 500, delivery: 'durable' },
  vitals: { budgetMs: 1000, delivery: 'durable' },
  waveform: { budgetMs: 500, delivery: 'realtime' },
  video: { budgetMs: 150, delivery: 'realtime' },
  bulk: { budgetMs: 120_000, delivery: 'durable' },
});
