import type { Q4, V3 } from '../../protocols/ultrasound-arm/index.js';
import { Phantom } from './phantom.js';

/**
 * Synthetic B-mode images of the phantom (issue 11 item 2): a linear-array image in the plane the
 * probe's pose defines, with tissue-fixed speckle, organ-like structures placed in the phantom's
 * (the arm base's) frame, depth attenuation and coupling that depends on contact. A pure function
 * of (pose, force, seed, time): the same inputs give the same bytes.
 */

/** The probe's state an image depends on. */
export interface BmodeInput {
  /** Probe tip in the arm's base frame, mm (z up), and its orientation (identity = pointing down, array along x). */
  readonly position: V3;
  readonly orientation: Q4;
  /** Contact force, N. At or below `minContactN` the image is dark (no coupling). */
  readonly forceN: number;
  /** Speckle seed (a different phantom "patient"). */
  readonly seed: number;
  /** Time, ms: breathing moves the organs, electronic noise changes per frame. */
  readonly timeMs: number;
}

export interface BmodeOptions {
  /** Pixels. Default 256 × 256. */
  readonly width?: number;
  readonly height?: number;
  /** Imaging depth below the probe face, mm. Default 90. */
  readonly depthMm?: number;
  /** Array length (lateral field of view), mm. Default 90: with the default depth, square pixels. */
  readonly apertureMm?: number;
  /** Net attenuation after time-gain compensation, dB per mm of depth (round trip). Default 0.12. */
  readonly attenuationDbPerMm?: number;
  /** Displayed dynamic range, dB. Default 48. */
  readonly dynamicRangeDb?: number;
  /** Force below which the probe is not coupled to the skin, N. Default 0.3. */
  readonly minContactN?: number;
  /** Force at which coupling is complete (gel fully wetted, full contrast), N. Default 4. */
  readonly fullContactN?: number;
}

export interface BmodeImage {
  readonly width: number;
  readonly height: number;
  /** Gray8, row-major, row 0 = the probe face. */
  readonly data: Uint8Array;
  readonly depthMm: number;
  /** Columns of the array touching skin (0 = dark image). */
  readonly coupledColumns: number;
}

/** An ellipsoid of tissue in the phantom's frame, mm; `echo` is its mean reflectivity (background 1). */
interface Blob { readonly c: V3; readonly r: V3; readonly echo: number }

/** Liver-like: large, homogeneous, a little brighter than the surroundings. */
const LIVER: Blob = { c: { x: -90, y: -35, z: 118 }, r: { x: 95, y: 70, z: 34 }, echo: 2.2 };
/** Kidney-like: a hypoechoic cortex around a bright sinus. */
const KIDNEY: Blob = { c: { x: 70, y: 55, z: 104 }, r: { x: 52, y: 28, z: 22 }, echo: 0.35 };
const KIDNEY_SINUS: Blob = { c: KIDNEY.c, r: { x: 26, y: 12, z: 9 }, echo: 2.6 };
/** An anechoic cyst. */
const CYST: Blob = { c: { x: 110, y: -55, z: 128 }, r: { x: 16, y: 16, z: 16 }, echo: 0.04 };
/** A vessel: a tube along y at (x, z), dark lumen inside a bright wall (a circle in the image plane). */
const VESSEL = { x: 20, z: 112, lumenMm: 8, wallMm: 1.6 } as const;
/** Breathing: organs slide craniocaudally (x) by this much, mm, with this period, ms. */
const BREATH_MM = 3;
const BREATH_PERIOD_MS = 4000;
/**
 * Speckle cell, mm: speckle is fixed to the tissue, so it moves with the organs under the probe.
 * Longer across (x, y) than along the beam (z), as a real point-spread function is.
 */
const INV_SPECKLE_XY = 1 / 0.8;
const INV_SPECKLE_Z = 1 / 0.35;
/** Electronic noise frame, ms: the noise field changes at this rate, independent of the caller's frame rate. */
const NOISE_FRAME_MS = 33;

const DEFAULT_PHANTOM = new Phantom();

/** Integer hash (murmur3 finaliser on a mix of the inputs): uniform in [0, 1). */
function hash4(a: number, b: number, c: number, d: number): number {
  let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca77) ^ Math.imul(c, 0xc2b2ae3d) ^ Math.imul(d, 0x27d4eb2f);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** Inside measure of an ellipsoid: < 1 inside. */
function ell(b: Blob, x: number, y: number, z: number): number {
  const dx = (x - b.c.x) / b.r.x;
  const dy = (y - b.c.y) / b.r.y;
  const dz = (z - b.c.z) / b.r.z;
  return dx * dx + dy * dy + dz * dz;
}

const dB = (r: number): number => 10 * Math.log10(r);
const ECHO_DB = {
  couch: dB(6), lumen: dB(0.03), wall: dB(3.5), cyst: dB(CYST.echo), capsule: dB(2.2),
  sinus: dB(KIDNEY_SINUS.echo), kidney: dB(KIDNEY.echo), liver: dB(LIVER.echo), background: 0,
} as const;
const LUMEN2 = VESSEL.lumenMm ** 2;
const WALL2 = (VESSEL.lumenMm + VESSEL.wallMm) ** 2;

/**
 * Mean reflectivity at a point of the phantom's frame (organs already shifted by breathing), dB
 * relative to the background tissue; -Infinity where nothing comes back.
 */
function echogenicityDb(x: number, y: number, z: number, couchZ: number): number {
  if (z < couchZ - 1.5) return -Infinity; // behind the couch: nothing comes back
  if (z < couchZ + 1.5) return ECHO_DB.couch; // the couch surface: a strong specular line
  const dv2 = (x - VESSEL.x) ** 2 + (z - VESSEL.z) ** 2;
  if (dv2 < LUMEN2) return ECHO_DB.lumen;
  if (dv2 < WALL2) return ECHO_DB.wall;
  if (ell(CYST, x, y, z) < 1) return ECHO_DB.cyst;
  const k = ell(KIDNEY, x, y, z);
  if (k < 1) {
    if (k > 0.85) return ECHO_DB.capsule;
    return ell(KIDNEY_SINUS, x, y, z) < 1 ? ECHO_DB.sinus : ECHO_DB.kidney;
  }
  if (ell(LIVER, x, y, z) < 1) return ECHO_DB.liver;
  return ECHO_DB.background;
}

/** Fully developed speckle: exponential intensity, in dB, for a uniform draw quantised to 4096 levels. */
const SPECKLE_LEVELS = 4096;
const SPECKLE_DB = Float32Array.from({ length: SPECKLE_LEVELS }, (_, k) => dB(-Math.log(1 - (k + 0.5) / SPECKLE_LEVELS) + 1e-6));

/** Rotates v by the unit quaternion q. */
function rotate(q: Q4, v: V3): V3 {
  // v' = v + 2w(u×v) + 2u×(u×v), u = (q.x, q.y, q.z)
  const tx = 2 * (q.y * v.z - q.z * v.y);
  const ty = 2 * (q.z * v.x - q.x * v.z);
  const tz = 2 * (q.x * v.y - q.y * v.x);
  return {
    x: v.x + q.w * tx + (q.y * tz - q.z * ty),
    y: v.y + q.w * ty + (q.z * tx - q.x * tz),
    z: v.z + q.w * tz + (q.x * ty - q.y * tx),
  };
}

/**
 * Renders one B-mode frame. The image plane holds the probe's lateral axis (its x, rotated by the
 * pose) and its beam axis (its −z); pixel (i, j) is the point `lateral_i` along the array and
 * `depth_j` along the beam from the probe face. A column images tissue only where its element
 * touches skin and the probe presses (force above `minContactN`); elsewhere it is dark, as a real
 * probe in air is.
 */
export function renderBmode(input: BmodeInput, opts: BmodeOptions = {}, phantom: Phantom = DEFAULT_PHANTOM): BmodeImage {
  const W = opts.width ?? 256;
  const H = opts.height ?? 256;
  const depthMm = opts.depthMm ?? 90;
  const aperture = opts.apertureMm ?? 90;
  const att = opts.attenuationDbPerMm ?? 0.12;
  const range = opts.dynamicRangeDb ?? 48;
  const minN = opts.minContactN ?? 0.3;
  const fullN = opts.fullContactN ?? 4;
  const data = new Uint8Array(W * H);
  if (!(input.forceN > minN)) return { width: W, height: H, data, depthMm, coupledColumns: 0 };

  const q = input.orientation;
  const lat = rotate(q, { x: 1, y: 0, z: 0 });
  const beam = rotate(q, { x: 0, y: 0, z: -1 });
  const p = input.position;
  const coupling = Math.min(1, (input.forceN - minN) / (fullN - minN));
  // Background tissue near the face sits at ~2/3 of the grey range when fully coupled; poor
  // coupling lowers the signal (fewer dB above the floor), not the noise.
  const signalDb = range * (0.35 + 0.3 * coupling);
  const breath = BREATH_MM * Math.sin((2 * Math.PI * input.timeMs) / BREATH_PERIOD_MS);
  const noiseFrame = Math.floor(input.timeMs / NOISE_FRAME_MS);
  const seed = input.seed | 0;
  const dz = depthMm / Math.max(1, H - 1);
  const attPerRow = att * dz;
  const scale = 255 / range;
  let coupledColumns = 0;

  for (let i = 0; i < W; i++) {
    const u = (i / Math.max(1, W - 1) - 0.5) * aperture;
    const fx = p.x + u * lat.x;
    const fy = p.y + u * lat.y;
    const fz = p.z + u * lat.z;
    // The element is coupled if the skin reaches its face (0.5 mm of gel bridges a small gap).
    const skin = phantom.surfaceZ(fx, fy);
    if (skin < fz - 0.5 || skin <= phantom.couchZ) continue;
    coupledColumns++;
    // Once the beam is below the skin it stays in the body down to the couch (the dome is convex
    // and the beam points down into it), so the surface is only looked up until then.
    let entered = false;
    for (let j = 0; j < H; j++) {
      const d = j * dz;
      const x = fx + d * beam.x;
      const y = fy + d * beam.y;
      const z = fz + d * beam.z;
      // Gel/skin region between the face and the skin: a thin dark band, no tissue.
      if (!entered) entered = z <= phantom.surfaceZ(x, y) || z < phantom.couchZ + 1.5;
      let v = 0;
      if (entered) {
        const tx = x - breath;
        const echoDb = echogenicityDb(tx, y, z, phantom.couchZ);
        if (echoDb > -Infinity) {
          // Speckle from a tissue-fixed hash: it moves with the tissue, not with the probe.
          const s = hash4(Math.floor(tx * INV_SPECKLE_XY), Math.floor(y * INV_SPECKLE_XY), Math.floor(z * INV_SPECKLE_Z), seed);
          const db = echoDb + (SPECKLE_DB[(s * SPECKLE_LEVELS) | 0] ?? 0) - attPerRow * j;
          v = (db + signalDb) * scale;
        }
      }
      // Electronic noise floor, new every noise frame.
      v += hash4(i, j, noiseFrame, seed ^ 0x5bd1e995) * 10;
      data[j * W + i] = v <= 0 ? 0 : v >= 255 ? 255 : v;
    }
  }
  return { width: W, height: H, data, depthMm, coupledColumns };
}
