// Line framer for an NMEA 0183 serial byte stream. NMEA 0183 §5.3: a sentence starts with '$'
// (or '!' for encapsulated data, e.g. AIS), ends with <CR><LF>, and is at most 82 characters. Real
// receivers and logs end lines with LF alone too, so a line ends at LF, CR or CRLF.
// A pure, capped state machine like the MLLP and ECG-cart framers: push() takes any slice of the
// stream and returns completed lines and coded errors; on overflow it drops up to the next line end
// or sentence start and goes on.
import { NmeaErrorCode } from './errors.js';

export const DEFAULT_NMEA_MAX_LINE = 256;

export type NmeaFramerEvent =
  | { readonly kind: 'line'; readonly text: string }
  | { readonly kind: 'error'; readonly code: NmeaErrorCode; readonly bytes: number };

const CR = 0x0d;
const LF = 0x0a;
const DOLLAR = 0x24;
const BANG = 0x21;

export class NmeaLineFramer {
  private buf: number[] = [];
  private dropping = false;
  private dropped = 0;
  readonly counters = { lines: 0, errors: {} as Record<string, number> };

  constructor(private readonly maxLine = DEFAULT_NMEA_MAX_LINE) {}

  push(chunk: Uint8Array): NmeaFramerEvent[] {
    const out: NmeaFramerEvent[] = [];
    for (const b of chunk) {
      if (b === CR || b === LF) {
        if (this.dropping) {
          this.dropping = false;
          this.error(out, NmeaErrorCode.LINE_TOO_LONG, this.dropped);
          this.dropped = 0;
        } else if (this.buf.length > 0) {
          // ASCII by definition (§5.1); anything else becomes U+FFFD and fails the checksum.
          out.push({ kind: 'line', text: String.fromCharCode(...this.buf.map((c) => (c < 0x80 ? c : 0xfffd))) });
          this.counters.lines++;
          this.buf = [];
        }
        continue;
      }
      if ((b === DOLLAR || b === BANG) && (this.dropping || this.buf[0] === DOLLAR || this.buf[0] === BANG)) {
        // A sentence start inside a sentence: the line end before it was lost. Drop the partial
        // (it cannot carry a valid checksum for what follows) and start over here. Inside a line
        // that is not a sentence (a gpsd '# …' comment quoting "$GPGSV") a '$' is just text.
        if (this.dropping) this.error(out, NmeaErrorCode.LINE_TOO_LONG, this.dropped);
        else this.error(out, NmeaErrorCode.TRUNCATED, this.buf.length);
        this.dropping = false;
        this.dropped = 0;
        this.buf = [b];
        continue;
      }
      if (this.dropping) {
        this.dropped++;
        continue;
      }
      this.buf.push(b);
      if (this.buf.length > this.maxLine) {
        this.dropping = true;
        this.dropped = this.buf.length;
        this.buf = [];
      }
    }
    return out;
  }

  private error(out: NmeaFramerEvent[], code: NmeaErrorCode, bytes: number): void {
    out.push({ kind: 'error', code, bytes });
    this.counters.errors[code] = (this.counters.errors[code] ?? 0) + 1;
  }
}
