// HL7 v2 DTM (HL7 v2.6 §2A.22): YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ].
// The IHE PCD TF-2 (Appendix on time) asks devices to send the offset; a value without one is
// read as UTC and flagged so a caller can tell.

export interface Hl7Time {
  /** Unix milliseconds. */
  readonly ms: number;
  /** False when the DTM had no +/-ZZZZ offset (read as UTC). */
  readonly hasOffset: boolean;
}

const DTM = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.(\d{1,4}))?(?:([+-])(\d{2})(\d{2}))?$/;

/** Parses a DTM; undefined when it is empty or malformed (never throws). */
export function parseHl7Time(text: string): Hl7Time | undefined {
  const m = DTM.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', frac, sign, oh, om] = m;
  const n = (v: string): number => Number(v);
  if (n(mo) < 1 || n(mo) > 12 || n(d) < 1 || n(d) > 31 || n(h) > 23 || n(mi) > 59 || n(s) > 60) return undefined;
  let ms = Date.UTC(n(y!), n(mo) - 1, n(d), n(h), n(mi), n(s), frac ? Math.round(Number(`0.${frac}`) * 1000) : 0);
  if (sign !== undefined) {
    const offset = (n(oh!) * 60 + n(om!)) * 60_000;
    ms += sign === '+' ? -offset : offset;
  }
  return { ms, hasOffset: sign !== undefined };
}
