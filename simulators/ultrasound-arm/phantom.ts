import type { V3 } from '../../protocols/ultrasound-arm/index.js';

/** A patient phantom on the couch: an elliptic dome (the abdomen) on a flat couch plane. */
export interface PhantomOptions {
  /** Couch surface height in the arm's base frame, mm. Default 60. */
  readonly couchZ?: number;
  /** Half-length (x) and half-width (y) of the body, mm. Default 250 × 160. */
  readonly halfLengthMm?: number;
  readonly halfWidthMm?: number;
  /** Body height above the couch at its crest, mm. Default 110. */
  readonly heightMm?: number;
  /** Tissue stiffness, N/mm (soft abdominal tissue under a probe: ~0.3–1). Default 0.6. */
  readonly stiffnessNPerMm?: number;
  /** Damping, N·s/mm. Default 0.01. */
  readonly dampingNsPerMm?: number;
}

/**
 * Contact model: the probe tip is position-controlled (a stiff arm), the body is a spring-damper:
 * force = k·depth + c·(depth rate), depth = how far the tip is below the skin surface.
 */
export class Phantom {
  readonly couchZ: number;
  private readonly a: number;
  private readonly b: number;
  private readonly h: number;
  private readonly k: number;
  private readonly c: number;

  constructor(o: PhantomOptions = {}) {
    this.couchZ = o.couchZ ?? 60;
    this.a = o.halfLengthMm ?? 250;
    this.b = o.halfWidthMm ?? 160;
    this.h = o.heightMm ?? 110;
    this.k = o.stiffnessNPerMm ?? 0.6;
    this.c = o.dampingNsPerMm ?? 0.01;
  }

  /** Skin height under (x, y), mm. */
  surfaceZ(x: number, y: number): number {
    const r = 1 - (x / this.a) ** 2 - (y / this.b) ** 2;
    return this.couchZ + (r > 0 ? this.h * Math.sqrt(r) : 0);
  }

  /** Penetration depth of the tip below the skin, mm (0 when out of contact). */
  depth(p: V3): number {
    return Math.max(0, this.surfaceZ(p.x, p.y) - p.z);
  }

  /** Contact force, N, given the depth now and its rate (mm/s). Never negative: skin does not pull. */
  force(depthMm: number, depthRateMmS: number): number {
    if (depthMm <= 0) return 0;
    return Math.max(0, this.k * depthMm + this.c * depthRateMmS);
  }
}
