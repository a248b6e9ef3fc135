/** A 10 s (or other length) record assembled from live SampleBlocks. Counts, lead-major. */
export interface CartRecord {
  readonly recordId: string;
  /** Patient identifier keyed on the cart: never log it. */
  readonly patientId: string;
  readonly sampleRateHz: number;
  /** µV per count. */
  readonly uvPerCount: number;
  readonly leads: readonly string[];
  readonly startSampleIndex: number;
  /** Samples per lead. */
  readonly length: number;
  /** One array of counts per lead, in `leads` order. */
  readonly samples: readonly Int16Array[];
  /** False when blocks were lost or the record was aborted; `missingSamples` says how many. */
  readonly complete: boolean;
  readonly missingSamples: number;
  readonly aborted: boolean;
}

/**
 * Collects the samples of one record. Memory is bounded by `maxSamples` per lead (default 60 s at
 * the rate): samples beyond it are ignored and the record is reported incomplete.
 */
export class RecordAssembler {
  private readonly data: Int16Array[];
  private readonly have: Uint8Array;

  constructor(
    readonly recordId: string,
    private readonly patientId: string,
    readonly startSampleIndex: number,
    private readonly meta: { sampleRateHz: number; uvPerCount: number; leads: readonly string[] },
    private readonly maxSamples = meta.sampleRateHz * 60,
  ) {
    this.data = meta.leads.map(() => new Int16Array(maxSamples));
    this.have = new Uint8Array(maxSamples);
  }

  /** Copies the part of a lead-major block that falls inside the record. */
  add(firstSampleIndex: number, samplesPerLead: number, samples: Int16Array): void {
    // u32 sample indices: compare as wrapped differences.
    const offset = (firstSampleIndex - this.startSampleIndex) | 0;
    for (let i = 0; i < samplesPerLead; i++) {
      const at = offset + i;
      if (at < 0 || at >= this.maxSamples) continue;
      for (let l = 0; l < this.data.length; l++) this.data[l]![at] = samples[l * samplesPerLead + i]!;
      this.have[at] = 1;
    }
  }

  finish(stopSampleIndex: number, aborted: boolean): CartRecord {
    const length = Math.max(0, Math.min(this.maxSamples, ((stopSampleIndex - this.startSampleIndex) >>> 0)));
    let missing = 0;
    for (let i = 0; i < length; i++) if (!this.have[i]) missing++;
    return {
      recordId: this.recordId,
      patientId: this.patientId,
      sampleRateHz: this.meta.sampleRateHz,
      uvPerCount: this.meta.uvPerCount,
      leads: this.meta.leads,
      startSampleIndex: this.startSampleIndex,
      length,
      samples: this.data.map((d) => d.slice(0, length)),
      complete: missing === 0 && !aborted,
      missingSamples: missing,
      aborted,
    };
  }
}

/** Bytes of a record as int16 LE µV, lead-major, and its media type. */
export function recordToMicrovolts(r: CartRecord): { data: Uint8Array; contentType: string } {
  const buf = Buffer.alloc(r.leads.length * r.length * 2);
  r.samples.forEach((lead, l) => {
    for (let i = 0; i < r.length; i++) {
      const uv = Math.round(lead[i]! * r.uvPerCount);
      buf.writeInt16LE(Math.max(-32768, Math.min(32767, uv)), (l * r.length + i) * 2);
    }
  });
  return {
    data: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength),
    contentType: `application/x-telemed-ecg-int16le;leads=${r.leads.length};rate=${r.sampleRateHz}`,
  };
}
