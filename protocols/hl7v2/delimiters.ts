// Delimiters of one HL7 v2 message, read from MSH-1 and MSH-2 (HL7 v2.6 §2.5.4, §2.14.9.1-2).
import { Hl7Error, Hl7ErrorCode } from './errors.js';

export interface Hl7Delimiters {
  /** MSH-1, usually '|'. */
  readonly field: string;
  /** MSH-2 character 1, usually '^'. */
  readonly component: string;
  /** MSH-2 character 2, usually '~'. */
  readonly repetition: string;
  /** MSH-2 character 3, usually '\'; '' when MSH-2 has fewer characters (no escaping). */
  readonly escape: string;
  /** MSH-2 character 4, usually '&'; '' when absent. */
  readonly subcomponent: string;
  /** MSH-2 character 5, the v2.7 truncation character '#'; '' when absent. Recorded, not interpreted. */
  readonly truncation: string;
}

export const DEFAULT_DELIMITERS: Hl7Delimiters = Object.freeze({
  field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&', truncation: '',
});

function bad(message: string): Hl7Error {
  return new Hl7Error(Hl7ErrorCode.BAD_DELIMITERS, message);
}

/** Reads the delimiters from the first segment, which the caller has checked starts with "MSH". */
export function readDelimiters(msh: string): Hl7Delimiters {
  const field = msh.charAt(3);
  if (field === '') throw bad('MSH has no field separator (MSH-1)');
  const endOfMsh2 = msh.indexOf(field, 4);
  const enc = endOfMsh2 < 0 ? msh.slice(4) : msh.slice(4, endOfMsh2);
  // MSH-2 holds 4 characters in v2.6 (§2.14.9.2), 5 from v2.7 (truncation); component and
  // repetition separators are the least a message needs to be split at all.
  if (enc.length < 2 || enc.length > 5) throw bad(`MSH-2 has ${enc.length} encoding characters (expected 2 to 5)`);
  const all = [field, ...enc];
  for (const ch of all) {
    if (/[A-Za-z0-9\r\n]/.test(ch)) throw bad('a delimiter is alphanumeric, CR or LF');
  }
  if (new Set(all).size !== all.length) throw bad('two delimiters are the same character');
  return {
    field,
    component: enc.charAt(0),
    repetition: enc.charAt(1),
    escape: enc.charAt(2),
    subcomponent: enc.charAt(3),
    truncation: enc.charAt(4),
  };
}
