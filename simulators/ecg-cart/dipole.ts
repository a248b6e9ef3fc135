// Vectorcardiographic model: the heart as one dipole whose X (left), Y (inferior), Z (anterior)
// components are sums of Gaussians per wave; a lead's voltage is the dipole projected on the lead's
// direction (Einthoven's triangle in the frontal plane, precordial angles in the horizontal plane).

export type Vec3 = readonly [number, number, number];

/** One wave of a beat: centre relative to the R peak (s), width σ (s), amplitude vector (mV). */
export interface Wave {
  readonly at: number;
  readonly sigma: number;
  readonly v: Vec3;
}

const deg = Math.PI / 180;
const frontal = (a: number): Vec3 => [Math.cos(a * deg), Math.sin(a * deg), 0];
// Chest leads see more of the dipole (closer to the heart): gain 1.6.
const chest = (a: number): Vec3 => [1.6 * Math.cos(a * deg), 0.25, 1.6 * Math.sin(a * deg)];

/** Measured lead directions; III, aVR, aVL, aVF are derived from I and II by the cart. */
export const LEAD_DIRECTIONS: Readonly<Record<string, Vec3>> = {
  I: frontal(0),
  II: frontal(60),
  V1: chest(120), V2: chest(95), V3: chest(70), V4: chest(50), V5: chest(25), V6: chest(0),
  V7: chest(-30), V8: chest(-55), V9: chest(-80),
  // Right-sided leads mirror V3–V5 across the sagittal plane.
  V3R: chest(110), V4R: chest(130), V5R: chest(155),
};

/** A normal conducted beat; T timing scales with √RR (Bazett-like QT adaptation). */
export function sinusBeat(rrS: number, withP: boolean): Wave[] {
  const q = Math.sqrt(rrS);
  const waves: Wave[] = [
    { at: -0.028, sigma: 0.009, v: [-0.12, 0.02, 0.28] }, // septal depolarisation (q in V6, r in V1)
    { at: 0, sigma: 0.011, v: [1.0, 0.85, -0.45] }, // main left-ventricular vector
    { at: 0.03, sigma: 0.011, v: [-0.25, -0.3, -0.35] }, // late basal forces (S)
    { at: 0.3 * q, sigma: 0.055 * q, v: [0.28, 0.25, 0.1] }, // T
  ];
  if (withP) waves.push({ at: -0.16, sigma: 0.022, v: [0.08, 0.12, 0.03] });
  return waves;
}

/** Injury current of an inferior-posterior infarct: ST up in II/III/aVF and V7–V9, down in V1–V3. */
export function stemiWaves(rrS: number): Wave[] {
  const q = Math.sqrt(rrS);
  return [
    { at: 0.1 * q, sigma: 0.04, v: [-0.02, 0.2, -0.17] },
    { at: 0.2 * q, sigma: 0.06, v: [-0.02, 0.22, -0.18] },
  ];
}

/** A premature ventricular beat: no P, wide bizarre QRS, discordant T. */
export function pvcBeat(): Wave[] {
  return [
    { at: 0, sigma: 0.035, v: [-0.6, 1.1, 0.9] },
    { at: 0.06, sigma: 0.03, v: [0.4, -0.3, -0.4] },
    { at: 0.34, sigma: 0.07, v: [0.25, -0.45, -0.4] },
  ];
}
