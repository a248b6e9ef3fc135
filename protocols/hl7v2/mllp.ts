// MLLP deframer: HL7 v2.6 Appendix C (Minimal Lower Layer Protocol, release 2). A block is
//   <SB> message <EB><CR>   with SB = 0x0B, EB = 0x1C, CR = 0x0D  (Appendix C.4.2 / C.4.3).
// A pure, capped state machine in the style of a Transform stream: push() takes any slice of the
// TCP byte stream (split anywhere) and returns what it completed, in order: frames and coded
// errors. On any error it drops only the broken block and resynchronises on the next SB, so a good
// frame after garbage is always delivered.
import { Hl7ErrorCode } from './errors.js';

export const MLLP_START = 0x0b;
export const MLLP_END = 0x1c;
export const MLLP_CR = 0x0d;

export const DEFAULT_MLLP_MAX_FRAME_BYTES = 1_048_576;

export type MllpEvent =
  | { readonly kind: 'frame'; readonly payload: Uint8Array }
  | { readonly kind: 'error'; readonly code: Hl7ErrorCode; /** bytes dropped with it */ readonly bytes: number };

type State =
  | 'idle' // between blocks: anything but SB is garbage
  | 'body' // inside a block, collecting
  | 'end' // saw EB, expecting CR
  | 'skip'; // block over the cap: dropping up to EB CR or the next SB

export interface MllpCounters {
  frames: number;
  /** Errors by code (TM_ERR_MLLP_*). */
  errors: Record<string, number>;
  droppedBytes: number;
}

export class MllpDeframer {
  private state: State = 'idle';
  private parts: Uint8Array[] = [];
  private size = 0;
  private garbage = 0;
  private skipped = 0;
  private skipSawEnd = false;
  readonly counters: MllpCounters = { frames: 0, errors: {}, droppedBytes: 0 };

  constructor(private readonly maxFrameBytes = DEFAULT_MLLP_MAX_FRAME_BYTES) {}

  /** Feeds bytes; returns the frames and errors they completed. Never throws. */
  push(chunk: Uint8Array): MllpEvent[] {
    const out: MllpEvent[] = [];
    let i = 0;
    while (i < chunk.length) {
      switch (this.state) {
        case 'idle': {
          // Native scans (indexOf) rather than a JS loop per byte: a 1 MiB block costs microseconds.
          const sb = chunk.indexOf(MLLP_START, i);
          if (sb < 0) {
            this.garbage += chunk.length - i;
            i = chunk.length;
            break;
          }
          this.garbage += sb - i;
          this.flushGarbage(out);
          this.begin();
          i = sb + 1;
          break;
        }
        case 'body': {
          const eb = chunk.indexOf(MLLP_END, i);
          const sb = chunk.indexOf(MLLP_START, i);
          const stop = eb < 0 ? sb : sb < 0 ? eb : Math.min(eb, sb);
          if (stop < 0) {
            this.append(chunk, i, chunk.length, out);
            i = chunk.length;
            break;
          }
          this.append(chunk, i, stop, out);
          if (this.state !== 'body') {
            i = stop; // the append overflowed: 'skip' looks at the stop byte itself
            break;
          }
          if (stop === eb) {
            this.state = 'end';
          } else {
            // A new SB inside an open block: the sender gave up on it (Appendix C.4.3 has no
            // abort); drop what we had and start over with the new block.
            this.error(out, Hl7ErrorCode.MLLP_UNTERMINATED, this.size);
            this.begin();
          }
          i = stop + 1;
          break;
        }
        case 'end': {
          const b = chunk[i]!;
          if (b === MLLP_CR) {
            this.emit(out);
            i++;
          } else {
            // Not EB CR: the block is dropped; the byte is looked at again from 'idle' (an SB
            // starts the next block, anything else is garbage).
            this.error(out, Hl7ErrorCode.MLLP_BAD_END, this.size + 1);
            this.reset();
          }
          break;
        }
        case 'skip': {
          const b = chunk[i]!;
          if (b === MLLP_START) {
            this.counters.droppedBytes += this.skipped;
            this.skipped = 0;
            this.begin();
          } else if (b === MLLP_CR && this.skipSawEnd) {
            this.counters.droppedBytes += this.skipped + 1;
            this.skipped = 0;
            this.state = 'idle';
          } else {
            this.skipped++;
          }
          this.skipSawEnd = b === MLLP_END; // EB may end one chunk and CR start the next
          i++;
          break;
        }
      }
    }
    this.flushGarbage(out);
    return out;
  }

  /** Bytes held for the block in progress (for metrics; bounded by maxFrameBytes). */
  get pendingBytes(): number {
    return this.size;
  }

  private begin(): void {
    this.parts = [];
    this.size = 0;
    this.state = 'body';
  }

  private reset(): void {
    this.parts = [];
    this.size = 0;
    this.state = 'idle';
  }

  private append(chunk: Uint8Array, from: number, to: number, out: MllpEvent[]): void {
    if (to <= from) return;
    if (this.size + (to - from) > this.maxFrameBytes) {
      this.error(out, Hl7ErrorCode.MLLP_OVERFLOW, this.size + (to - from));
      this.parts = [];
      this.size = 0;
      this.state = 'skip';
      this.skipSawEnd = false;
      return;
    }
    this.parts.push(chunk.slice(from, to)); // a copy: the caller may reuse its buffer
    this.size += to - from;
  }

  private emit(out: MllpEvent[]): void {
    const payload = this.parts.length === 1 ? this.parts[0]! : concat(this.parts, this.size);
    out.push({ kind: 'frame', payload });
    this.counters.frames++;
    this.reset();
  }

  private flushGarbage(out: MllpEvent[]): void {
    if (this.garbage === 0) return;
    this.error(out, Hl7ErrorCode.MLLP_GARBAGE, this.garbage);
    this.garbage = 0;
  }

  private error(out: MllpEvent[], code: Hl7ErrorCode, bytes: number): void {
    out.push({ kind: 'error', code, bytes });
    this.counters.errors[code] = (this.counters.errors[code] ?? 0) + 1;
    this.counters.droppedBytes += bytes;
  }
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Wraps one message in an MLLP block (Appendix C.4.2). */
export function mllpEncode(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + 3);
  out[0] = MLLP_START;
  out.set(payload, 1);
  out[payload.length + 1] = MLLP_END;
  out[payload.length + 2] = MLLP_CR;
  return out;
}
