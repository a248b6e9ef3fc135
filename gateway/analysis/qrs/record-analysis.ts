// QRS detection on an internal EcgRecord: picks the ECG leads that share the dominant rate.
import type { EcgRecord } from '../../../protocols/ecg/record.js';
import { type QrsDetection, type QrsDetectorOptions, detectQrs } from './detector.js';
import { type RhythmOptions, type RhythmSummary, analyseRhythm } from './rhythm.js';

export interface RecordQrsResult extends QrsDetection {
  /** Labels of the leads used, in the order of `leadsUsed`. */
  leadLabels: string[];
  rhythm: RhythmSummary;
}

/** Detects beats in every ECG lead of the record at its most common lead rate, and summarises the rhythm. */
export function analyseRecordQrs(
  record: EcgRecord, options: Partial<QrsDetectorOptions & RhythmOptions> = {}, signal?: AbortSignal,
): RecordQrsResult {
  const rates = new Map<number, number>();
  for (const l of record.leads) rates.set(l.sampleRateHz, (rates.get(l.sampleRateHz) ?? 0) + 1);
  let fs = record.sampleRateHz;
  let best = 0;
  for (const [rate, count] of rates) if (count > best) { best = count; fs = rate; }
  const leads = record.leads.filter((l) => l.sampleRateHz === fs);
  const det = detectQrs(leads.map((l) => l.samples), fs, options, signal);
  return {
    ...det,
    leadLabels: det.leadsUsed.map((i) => leads[i]?.label ?? ''),
    rhythm: analyseRhythm(det.beats, fs, options),
  };
}
