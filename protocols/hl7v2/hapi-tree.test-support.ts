// Adapter between our HL7 v2 tree and the HAPI-shaped expected parses of node-hl7-complete's test
// data (../shared/data/node-hl7-complete-testdata). HAPI names every level after its datatype
// ("MSH.9" -> [{"MSG.1": ["ORU"]}], "PID.5" -> [{"XPN.1": [{"FN.1": ["Johnson"]}]}]) and nests
// segments in message-structure groups ("ORU_R01.PATIENT_RESULT"). Both trees are flattened to
// SEG#occurrence|field|repetition|component|sub-component -> text, which keeps every value and its
// position and drops only names (datatype and group names are not in the message bytes).
import type { Hl7Message } from './message.js';

export type FlatTree = Map<string, string>;

export function key(seg: string, occ: number, f: number, r: number, c: number, s: number): string {
  return `${seg}#${occ}|${f}|${r}|${c}|${s}`;
}

const SEGMENT = /^[A-Z][A-Z0-9]{2}$/;
const INDEXED = /\.(\d+)$/;

function indexOf(name: string): number {
  const m = INDEXED.exec(name);
  if (!m) throw new Error(`expected tree: key ${name} has no .N index`);
  return Number(m[1]);
}

/** Flattens a HAPI-style expected tree; segment occurrences are counted in document (depth-first) order. */
export function flattenExpected(node: unknown, out: FlatTree = new Map(), counts = new Map<string, number>()): FlatTree {
  if (Array.isArray(node)) {
    for (const x of node) flattenExpected(x, out, counts);
    return out;
  }
  if (node === null || typeof node !== 'object') throw new Error('expected tree: unexpected leaf outside a segment');
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (!SEGMENT.test(k)) {
      flattenExpected(v, out, counts); // message or group
      continue;
    }
    for (const occurrence of v as Record<string, unknown[]>[]) {
      const occ = counts.get(k) ?? 0;
      counts.set(k, occ + 1);
      for (const [fk, reps] of Object.entries(occurrence)) {
        const f = indexOf(fk);
        reps.forEach((rep, r) => {
          if (typeof rep === 'string') return void out.set(key(k, occ, f, r, 1, 1), rep);
          for (const [ck, cv] of Object.entries(rep as Record<string, unknown[]>)) {
            const c = indexOf(ck);
            const comp = cv[0];
            if (typeof comp === 'string') {
              out.set(key(k, occ, f, r, c, 1), comp);
              continue;
            }
            for (const [sk, sv] of Object.entries(comp as Record<string, string[]>)) out.set(key(k, occ, f, r, c, indexOf(sk)), sv[0]!);
          }
        });
      }
    }
  }
  return out;
}

/** Flattens our tree: every non-empty leaf. */
export function flattenOurs(msg: Hl7Message): FlatTree {
  const out: FlatTree = new Map();
  const counts = new Map<string, number>();
  for (const seg of msg.segments) {
    const occ = counts.get(seg.name) ?? 0;
    counts.set(seg.name, occ + 1);
    seg.fields.forEach((fld, f) => {
      if (f === 0) return;
      fld.forEach((rep, r) => rep.forEach((comp, c) => comp.forEach((sub, s) => {
        if (sub !== '') out.set(key(seg.name, occ, f, r, c + 1, s + 1), sub);
      })));
    });
  }
  return out;
}

/**
 * HAPI's expected values go through XML and back: a value of only white space comes back as ''
 * (node-hl7-complete's XML-to-JSON step drops white-space-only text).
 */
export function hapiText(v: string): string {
  return v.trim() === '' ? '' : v;
}

/**
 * HAPI keeps only the components and sub-components its datatype model of a field defines: a field
 * it types as primitive keeps component 1 only, a CE keeps 6 components, a CQ's unit (a CE) 6
 * sub-components, and so on. Our parser has no datatype tables and keeps everything that was sent.
 * An extra value of ours is "beyond HAPI's model" when it lies past the last component HAPI kept in
 * that repetition, or past the last sub-component HAPI kept in that component, or when HAPI kept
 * nothing at that level and ours has nothing at its first position either (HAPI cut the field or
 * component to its empty first part).
 */
export function beyondHapiModel(expected: FlatTree, ours: FlatTree, k: string): boolean {
  const [segOcc, f, r, c, s] = k.split('|');
  const prefix = `${segOcc}|${f}|${r}|`;
  const comps: number[] = [];
  const subsOfC: number[] = [];
  for (const ek of expected.keys()) {
    if (!ek.startsWith(prefix)) continue;
    const [, , , ec, es] = ek.split('|');
    comps.push(Number(ec));
    if (ec === c) subsOfC.push(Number(es));
  }
  if (comps.length === 0) return ![...ours.keys()].some((ok) => ok.startsWith(`${prefix}1|`));
  if (Number(c) > Math.max(...comps)) return true;
  if (subsOfC.length === 0) return !ours.has(`${prefix}${c}|1`);
  return Number(s) > Math.max(...subsOfC);
}
