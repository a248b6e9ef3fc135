// PCD-04 Report Alert (ORU^R40): IHE PCD TF-2 Rev 9.0 §3.4 and Appendix on alert reporting. One
// OBR per alert; its OBX rows give the event (the alert condition, in OBX-3 or as the coded OBX-5
// of an MDC_EVT_ALARM row) and its attributes by MDC attribute code:
//   source MDC_ATTR_ALERT_SOURCE, phase MDC_ATTR_EVENT_PHASE, state MDC_ATTR_ALARM_STATE,
//   inactivation MDC_ATTR_ALARM_INACTIVATION_STATE, priority MDC_ATTR_ALARM_PRIORITY,
//   type MDC_ATTR_ALERT_TYPE.
// The IHE TF examples and Draeger use 68480-68485 for those; the 2015 harmonized Rosetta lists
// 68164-68169 for the same REFIDs (see ../../vitals/README.md). Both are accepted. Priority
// (PH/PM/PL/PN) and type (SP physiological / ST technical / SA advisory) may also come in OBX-8.
import type { PcdGroup } from './extract.js';
import type { Hl7Time } from './hl7-time.js';
import type { PcdObservation } from './observation.js';

const ATTR: Record<number, keyof AlarmAttributes> = {
  68480: 'source', 68164: 'source',
  68481: 'phase', 68165: 'phase',
  68482: 'state', 68166: 'state',
  68483: 'inactivationState', 68167: 'inactivationState',
  68484: 'priority', 68168: 'priority',
  68485: 'type', 68169: 'type',
};
const MDC_EVT_ALARM = 196616;
const PRIORITIES = new Set(['PH', 'PM', 'PL', 'PN']);
const TYPES = new Set(['SP', 'ST', 'SA']);

interface AlarmAttributes {
  source?: string;
  phase?: string;
  state?: string;
  inactivationState?: string;
  priority?: string;
  type?: string;
}

export interface PcdAlarm extends Readonly<AlarmAttributes> {
  /** MDC code of the alert condition (e.g. 196940 MDC_EVT_FLUID_LINE_OCCL), when coded in MDC. */
  readonly eventCode?: number;
  readonly eventRefid?: string;
  /** Human text of the condition when the sender gave one (OBX-5 of an ST event row, or CWE text). */
  readonly eventText?: string;
  readonly containment: string;
  readonly observedAt?: Hl7Time;
  readonly eui64?: string;
}

function text(o: PcdObservation): string {
  const v = o.value;
  if (v.kind === 'coded') return v.coded.text || v.coded.code;
  if (v.kind === 'text') return v.text;
  if (v.kind === 'number') return String(v.value);
  return o.rawValue;
}

/** The alarm of one OBR group of an ORU^R40, or undefined when the group names no event. */
export function readAlarm(g: PcdGroup): PcdAlarm | undefined {
  const attrs: AlarmAttributes = {};
  let event: PcdObservation | undefined;
  for (const o of g.observations) {
    const attr = o.mdcCode !== undefined ? ATTR[o.mdcCode] : undefined;
    if (attr) {
      attrs[attr] ??= text(o);
      continue;
    }
    for (const flag of o.abnormalFlags) {
      if (PRIORITIES.has(flag)) attrs.priority ??= flag;
      if (TYPES.has(flag)) attrs.type ??= flag;
    }
    // The event row: an MDC_EVT_ALARM row whose OBX-5 codes the condition, or a row with a value
    // (device rows, MDS/VMD/CHAN, carry none).
    if (!event && o.value.kind !== 'empty' && o.value.kind !== 'unavailable') event = o;
  }
  if (!event) return undefined;
  let eventCode = event.mdcCode;
  let eventRefid = event.refid;
  let eventText: string | undefined = event.value.kind === 'text' ? event.value.text : undefined;
  if (event.mdcCode === MDC_EVT_ALARM && event.value.kind === 'coded' && event.value.coded.system === 'MDC' && /^\d+$/.test(event.value.coded.code)) {
    eventCode = Number(event.value.coded.code);
    eventRefid = event.value.coded.text;
    eventText = undefined;
  }
  const observedAt = event.observedAt ?? g.observedAt;
  return {
    ...attrs,
    ...(eventCode !== undefined ? { eventCode } : {}),
    ...(eventRefid !== undefined ? { eventRefid } : {}),
    ...(eventText !== undefined ? { eventText } : {}),
    containment: event.containment.raw,
    ...(observedAt ? { observedAt } : {}),
    ...(event.eui64 ? { eui64: event.eui64 } : {}),
  };
}
