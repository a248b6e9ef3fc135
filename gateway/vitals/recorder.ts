import type { telemed } from '../../protocols/index.js';

/** One recorded frame: a contiguous run of samples of one live waveform stream. */
export interface RecordedFrame {
  /** The live stream it copies, `<device>/<stream>`. */
  readonly liveStreamId: string;
  /** Capture time of its first sample, Unix ns (gateway clock). */
  readonly captureTimeNs: number;
  readonly waveform: telemed.v1.IWaveformChunk;
}

interface Window {
  meta: telemed.v1.IWaveformChunk;
  rate: number;
  /** Samples of the window so far. */
  buf: Int32Array;
  n: number;
  /** Sample index of buf[0]. */
  first: number;
  /** Sample index at which this window ends (a multiple of the window length). */
  end: number;
  /** Capture time of buf[0], Unix ns. */
  firstNs: number;
}

/**
 * Collects live waveform chunks into fixed windows (`windowS` of samples, aligned on sample index
 * multiples of it, so a window's frames are the same whatever the chunking) and hands each full
 * window to `emit` as frames of at most `maxSamples`. A gap in the sample index, a changed rate or
 * scale, or flush() ends a window early: a recorded frame never spans a gap.
 *
 * Hot path: one Map lookup and a typed-array copy per chunk; allocation only when a window closes.
 */
export class WaveformRecorder {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly windowS: number,
    private readonly maxSamples: number,
    private readonly emit: (frame: RecordedFrame) => void,
  ) {}

  add(liveStreamId: string, captureTimeNs: number, wf: telemed.v1.IWaveformChunk): void {
    const samples = wf.samples;
    const rate = wf.sampleRateHz ?? 0;
    if (!samples || samples.length === 0 || !(rate > 0)) return;
    let index = Number(wf.firstSampleIndex ?? 0);
    let w = this.windows.get(liveStreamId);
    if (w && (index !== w.first + w.n || rate !== w.rate || wf.scale !== w.meta.scale || wf.channel !== w.meta.channel)) {
      this.close(liveStreamId, w);
      w = undefined;
    }
    let offset = 0;
    while (offset < samples.length) {
      const atNs = captureTimeNs + ((offset * 1e9) / rate);
      w ??= this.open(liveStreamId, wf, rate, index, atNs);
      const take = Math.min(samples.length - offset, w.end - (w.first + w.n));
      for (let i = 0; i < take; i++) w.buf[w.n + i] = samples[offset + i] ?? 0;
      w.n += take;
      offset += take;
      index += take;
      if (w.first + w.n >= w.end) {
        this.close(liveStreamId, w);
        w = undefined;
      }
    }
  }

  /** Emits every open window as it is (device stopped, gateway closing). */
  flushAll(): void {
    for (const [id, w] of this.windows) this.close(id, w);
  }

  /** Emits the open window of one stream, if any. */
  flush(liveStreamId: string): void {
    const w = this.windows.get(liveStreamId);
    if (w) this.close(liveStreamId, w);
  }

  private open(id: string, wf: telemed.v1.IWaveformChunk, rate: number, index: number, atNs: number): Window {
    const len = Math.max(1, Math.round(rate * this.windowS));
    const end = (Math.floor(index / len) + 1) * len;
    const w: Window = {
      meta: { deviceId: wf.deviceId ?? '', channel: wf.channel ?? '', code: wf.code ?? '', sampleRateHz: rate, scale: wf.scale ?? 1, unit: wf.unit ?? '', patientRef: wf.patientRef ?? '' },
      rate, buf: new Int32Array(end - index), n: 0, first: index, end, firstNs: atNs,
    };
    this.windows.set(id, w);
    return w;
  }

  private close(id: string, w: Window): void {
    this.windows.delete(id);
    for (let off = 0; off < w.n; off += this.maxSamples) {
      const n = Math.min(this.maxSamples, w.n - off);
      this.emit({
        liveStreamId: id,
        captureTimeNs: Math.round(w.firstNs + (off * 1e9) / w.rate),
        waveform: { ...w.meta, firstSampleIndex: w.first + off, samples: Array.from(w.buf.subarray(off, off + n)) },
      });
    }
  }
}
