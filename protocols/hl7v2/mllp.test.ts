import { describe, expect, it } from 'vitest';
import { MllpDeframer, type MllpEvent, mllpEncode } from './mllp.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const frame = (s: string) => mllpEncode(enc.encode(s));
const cat = (...parts: (Uint8Array | number[])[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const frames = (ev: MllpEvent[]) => ev.flatMap((e) => (e.kind === 'frame' ? [dec.decode(e.payload)] : []));
const errors = (ev: MllpEvent[]) => ev.flatMap((e) => (e.kind === 'error' ? [e.code] : []));

describe('MllpDeframer (HL7 v2.6 Appendix C)', () => {
  it('delivers frames split at every possible point', () => {
    const bytes = cat(frame('MSH|A'), frame('MSH|B'));
    for (let cut = 0; cut <= bytes.length; cut++) {
      const d = new MllpDeframer();
      const ev = [...d.push(bytes.subarray(0, cut)), ...d.push(bytes.subarray(cut))];
      expect(frames(ev)).toEqual(['MSH|A', 'MSH|B']);
      expect(errors(ev)).toEqual([]);
    }
  });

  it('counts garbage between frames and resynchronises on the next start byte', () => {
    const d = new MllpDeframer();
    const ev = d.push(cat([0x41, 0x0d, 0x0a], frame('MSH|A'), [0x1c, 0x0d, 0x00], frame('MSH|B')));
    expect(frames(ev)).toEqual(['MSH|A', 'MSH|B']);
    expect(errors(ev)).toEqual(['TM_ERR_MLLP_GARBAGE', 'TM_ERR_MLLP_GARBAGE']);
    expect(d.counters.droppedBytes).toBe(6);
  });

  it('drops a block whose end byte is not followed by CR, and one cut short by a new start byte', () => {
    const d = new MllpDeframer();
    const ev = d.push(cat([0x0b], enc.encode('bad'), [0x1c, 0x41], [0x0b], enc.encode('cut'), frame('MSH|ok')));
    expect(frames(ev)).toEqual(['MSH|ok']);
    expect(errors(ev)).toEqual(['TM_ERR_MLLP_BAD_END', 'TM_ERR_MLLP_GARBAGE', 'TM_ERR_MLLP_UNTERMINATED']);
  });

  it('caps a block, drops it whole and keeps the next one', () => {
    const d = new MllpDeframer(8);
    const big = frame('MSH|0123456789');
    // fed one byte at a time: the cap must hold across chunks, and the EB|CR split across them
    const ev = [...big, ...frame('MSH|ok')].flatMap((b) => d.push(Uint8Array.of(b)));
    expect(frames(ev)).toEqual(['MSH|ok']);
    expect(errors(ev)).toEqual(['TM_ERR_MLLP_OVERFLOW']);
    expect(d.pendingBytes).toBe(0);
    expect(frames(new MllpDeframer(8).push(frame('MSH|1234')))).toEqual(['MSH|1234']); // exactly the cap
  });

  it('copies payloads, so the caller may reuse its buffer', () => {
    const d = new MllpDeframer();
    const buf = frame('MSH|A');
    const ev = d.push(buf);
    buf.fill(0);
    expect(frames(ev)).toEqual(['MSH|A']);
  });
});
