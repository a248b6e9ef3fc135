// One PCD message -> its observations (PCD-01, ORU^R01) or alarms (PCD-04, ORU^R40).
// IHE PCD TF-2 Rev 9.0: §3.1 (PCD-01 Communicate PCD Data), §3.4 (PCD-04 Report Alert); message
// structure MSH PID [PV1] { OBR { [NTE] OBX ... } } (TF-2 Appendix B).
import { Hl7Error, Hl7ErrorCode } from '../errors.js';
import { type Hl7Message, msh, value } from '../message.js';
import { type Hl7Time, parseHl7Time } from './hl7-time.js';
import { type BadObx, isBadObx, type ObservationOptions, type PcdObservation, readObservation } from './observation.js';

export interface PcdGroup {
  /** OBR-4 universal service identifier (code^text^system). */
  readonly service: { readonly code: string; readonly text: string; readonly system: string };
  /** OBR-7 observation date/time: the time of every OBX in the group that has no OBX-14. */
  readonly observedAt?: Hl7Time;
  readonly observations: readonly PcdObservation[];
}

export interface PcdMessage {
  /** 'R01' (PCD-01 observations) or 'R40' (PCD-04 alerts). */
  readonly trigger: 'R01' | 'R40';
  readonly controlId: string;
  readonly sendingApplication: string;
  readonly sentAt?: Hl7Time;
  readonly groups: readonly PcdGroup[];
  /** OBX rows skipped, with their code; everything else in the message is kept. */
  readonly rejected: readonly BadObx[];
}

/** Time of an observation: OBX-14, else its group's OBR-7, else MSH-7 (TF-2 §B.8: OBX-14 wins). */
export function observationTime(o: PcdObservation, g: PcdGroup, m: PcdMessage): Hl7Time | undefined {
  return o.observedAt ?? g.observedAt ?? m.sentAt;
}

/** Extracts a PCD-01 or PCD-04 message. Throws Hl7Error PCD_UNSUPPORTED for any other type. */
export function extractPcd(msg: Hl7Message, o: ObservationOptions = {}): PcdMessage {
  const h = msh(msg);
  const type = value(h, 9, 1);
  const trigger = value(h, 9, 2);
  if (type !== 'ORU' || (trigger !== 'R01' && trigger !== 'R40')) {
    throw new Hl7Error(Hl7ErrorCode.PCD_UNSUPPORTED, `message type ${type}^${trigger} is not ORU^R01 (PCD-01) or ORU^R40 (PCD-04)`);
  }
  const groups: { service: PcdGroup['service']; observedAt?: Hl7Time; observations: PcdObservation[] }[] = [];
  const rejected: BadObx[] = [];
  for (const seg of msg.segments) {
    if (seg.name === 'OBR') {
      const observedAt = parseHl7Time(value(seg, 7));
      groups.push({
        service: { code: value(seg, 4, 1), text: value(seg, 4, 2), system: value(seg, 4, 3) },
        ...(observedAt ? { observedAt } : {}),
        observations: [],
      });
    } else if (seg.name === 'OBX') {
      const obs = readObservation(seg, o);
      if (isBadObx(obs)) rejected.push(obs);
      else if (groups.length === 0) rejected.push({ code: Hl7ErrorCode.PCD_BAD_OBX, setId: obs.setId, reason: 'OBX before any OBR' });
      else groups[groups.length - 1]!.observations.push(obs);
    }
  }
  const sentAt = parseHl7Time(value(h, 7));
  return {
    trigger,
    controlId: value(h, 10),
    sendingApplication: (h.fields[3]?.[0] ?? []).map((c) => c[0] ?? '').join('^'),
    ...(sentAt ? { sentAt } : {}),
    groups,
    rejected,
  };
}
