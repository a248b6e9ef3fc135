import { readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LinkError, LinkErrorCode } from './errors.js';
import type { MahimahiTrace } from './service.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The shared data folder that profiles name traces in: $TELEMED_SHARED_DATA, else <repo>/../shared/data
 * (the same rule as the tests' test/helpers/shared-data.ts).
 */
export function sharedDataDir(): string {
  return process.env.TELEMED_SHARED_DATA ?? join(REPO, '..', 'shared', 'data');
}

/** A profile's trace path: absolute as given, otherwise relative to the shared data folder. */
export function resolveTracePath(p: string): string {
  return isAbsolute(p) ? p : join(sharedDataDir(), p);
}

/**
 * Parses a Mahimahi trace: one non-negative integer (ms) per line, non-decreasing, at least one
 * line, last timestamp > 0 (it is the loop period). Blank lines are ignored. Throws
 * TM_ERR_LINK_TRACE_INVALID naming the first bad line.
 */
export function parseTrace(text: string, name: string): MahimahiTrace {
  const lines = text.split('\n');
  const times = new Uint32Array(lines.length);
  let n = 0;
  let prev = 0;
  for (let i = 0; i < lines.length; i++) {
    const l = (lines[i] ?? '').trim();
    if (l === '') continue;
    if (!/^\d{1,10}$/.test(l)) throw new LinkError(LinkErrorCode.TRACE_INVALID, `trace ${name} line ${i + 1}: want a whole number of ms, got ${JSON.stringify(l.slice(0, 40))}`);
    const t = Number(l);
    if (t > 0xffffffff) throw new LinkError(LinkErrorCode.TRACE_INVALID, `trace ${name} line ${i + 1}: ${t} ms is beyond 2^32`);
    if (t < prev) throw new LinkError(LinkErrorCode.TRACE_INVALID, `trace ${name} line ${i + 1}: ${t} ms goes back in time (previous ${prev})`);
    times[n++] = t;
    prev = t;
  }
  if (n === 0) throw new LinkError(LinkErrorCode.TRACE_INVALID, `trace ${name}: no delivery opportunity (empty file)`);
  if (prev === 0) throw new LinkError(LinkErrorCode.TRACE_INVALID, `trace ${name}: the last timestamp is 0, so the loop period would be 0`);
  return { name, times: times.slice(0, n), periodMs: prev };
}

const cache = new Map<string, MahimahiTrace>();

/** Reads and parses a trace file (cached by absolute path: profiles and tests reuse them). */
export function loadTrace(path: string): MahimahiTrace {
  const abs = resolveTracePath(path);
  const hit = cache.get(abs);
  if (hit) return hit;
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    const hint = isAbsolute(path) ? '' : ` (relative to the shared data folder ${sharedDataDir()}; set TELEMED_SHARED_DATA to move it)`;
    throw new LinkError(LinkErrorCode.TRACE_INVALID, `trace file ${abs} cannot be read${hint}: ${(err as Error).message}`, { cause: err });
  }
  const t = parseTrace(text, basename(abs));
  cache.set(abs, t);
  return t;
}
