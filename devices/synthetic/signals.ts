// P, Q, R, S, T waves as Gaussians: [centre s after beat start, width s, amplitude µV]. Rough lead II
// morphology; good enough to look like an ECG on the demo page, not a physiological model.
const WAVES: readonly (readonly [number, number, number])[] = [
  [0.1, 0.025, 150],
  [0.17, 0.008, -120],
  [0.19, 0.01, 1100],
  [0.21, 0.01, -250],
  [0.42, 0.04, 300],
];

/** Synthetic ECG sample, µV, at `tS` seconds for heart rate `hrBpm`; `gain` shapes other leads. */
export function ecgMicrovolts(tS: number, hrBpm: number, gain = 1): number {
  const rr = 60 / hrBpm;
  const inBeat = tS % rr;
  let v = 0;
  for (const [c, w, a] of WAVES) v += a * Math.exp(-(((inBeat - c) / w) ** 2) / 2);
  return v * gain;
}

/** Vital signs of the synthetic patient at `tS`: slow drift plus an SpO2 dip every 45 s. */
export function vitalsAt(tS: number, rnd: () => number): { hr: number; spo2: number; sys: number; dia: number; rr: number; temp: number } {
  const dipPhase = tS % 45;
  // 10 s dip to the high 80s so the demo shows an alarm coming and going.
  const dip = dipPhase >= 30 && dipPhase < 40 ? 8 * Math.sin(((dipPhase - 30) / 10) * Math.PI) : 0;
  return {
    hr: Math.round(72 + 6 * Math.sin(tS / 20) + (rnd() - 0.5) * 2),
    spo2: Math.round(97 - dip + (rnd() - 0.5)),
    sys: Math.round(122 + 5 * Math.sin(tS / 60)),
    dia: Math.round(78 + 3 * Math.sin(tS / 60)),
    rr: Math.round(16 + 2 * Math.sin(tS / 30)),
    temp: Math.round((36.8 + 0.2 * Math.sin(tS / 300)) * 10) / 10,
  };
}
