// What the simulated cart streams: the synthetic model (ecg-model.ts) or a recorded ECG played
// back (record-replay.ts). Both produce 18-lead blocks in CART_LEADS order as the cart's counts.

export interface CartSource {
  /** Samples per second per lead (the cart's rate, announced in DeviceInfo). */
  readonly sampleRateHz: 500 | 1000;
  /** µV per count (announced in DeviceInfo). */
  readonly uvPerCount: number;
  /** Leads flagged "derived" in DeviceInfo; default the cart's own (III, aVR, aVL, aVF). */
  readonly derivedLeads?: ReadonlySet<string>;
  /** Bit i set: lead i (CART_LEADS order) is off. */
  readonly leadOffBitmap: number;
  setLeadOff(bitmap: number): void;
  /** Restarts sample numbering at 0 (a new stream). */
  rewindIndex(): void;
  /** The next n samples of every lead, lead-major. */
  next(n: number): Int16Array;
  /** Samples per lead still to come; absent means endless. */
  available?(): number;
}
