import type { Tone } from '../../../shared/components.js';
import type { GatewayEcgView } from '../../../shared/types.js';

/** How a record's state reads at the clinic: words first, tone second, progress while sending. */
export interface StatusView {
  label: string;
  tone: Tone;
  detail: string;
  /** 0..1 while the record is on its way, else null. */
  progress: number | null;
}

function fraction(r: GatewayEcgView): number {
  const p = r.progress;
  if (!(p.totalBytes > 0)) return 0;
  return Math.max(0, Math.min(1, Math.max(p.sentBytes, p.ackedBytes) / p.totalBytes));
}

export function statusView(r: GatewayEcgView): StatusView {
  switch (r.state) {
    case 'preview':
      return { label: 'Not sent', tone: 'idle', detail: 'Review the tracing and its quality, then send it.', progress: null };
    case 'queued':
      return { label: 'Queued', tone: 'warn', detail: 'Waiting for the link. The record is kept on this gateway until the hospital has it.', progress: 0 };
    case 'sending': {
      const f = fraction(r);
      return { label: 'Sending', tone: 'warn', detail: `${Math.floor(f * 100)} % sent`, progress: f };
    }
    case 'delivered':
      return { label: 'Delivered', tone: 'ok', detail: 'The hospital has the record. Waiting for a reader.', progress: null };
    case 'in-reading':
      return { label: 'In reading', tone: 'ok', detail: `Being read by ${r.readerName ?? 'a specialist'}.`, progress: null };
    case 'reported':
      // A report whose signature did not verify is never presented as the hospital's (issue 12 item 11).
      if (r.diagnosis !== null && r.diagnosis.verification === 'unverified') {
        return { label: 'Reported: UNVERIFIED', tone: 'bad', detail: 'The report\'s signature does not match the hospital\'s key. Confirm it with the hospital before acting on it.', progress: null };
      }
      return r.diagnosis?.critical === true
        ? { label: 'Reported: CRITICAL', tone: 'bad', detail: 'Critical diagnosis received. Act on it now.', progress: null }
        : { label: 'Reported', tone: 'ok', detail: 'Diagnosis received.', progress: null };
    case 'discarded':
      return { label: 'Discarded', tone: 'idle', detail: 'Not sent; retaken or thrown away.', progress: null };
    case 'rejected':
      return { label: 'Rejected', tone: 'bad', detail: `The hospital could not use this record${r.error !== null ? ` (${r.error.code})` : ''}. Take it again.`, progress: null };
    default:
      return { label: String(r.state), tone: 'warn', detail: '', progress: null };
  }
}
