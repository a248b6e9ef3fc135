import type { DecodedEnvelope } from '../../protocols/index.js';
import type { FramesReader } from './frames-reader.js';
import { nsToIso } from './time.js';

/** The numeric code of the ETA the gateway sends with each GPS position (seconds to the hospital). */
export const ETA_CODE = 'TM_ETA_S';

/** Where an ambulance is and when it arrives, as last reported. Times are gateway capture times, ISO. */
export interface AmbulanceFix {
  readonly lat: number;
  readonly lon: number;
  readonly speedMps: number;
  readonly headingDeg: number;
  readonly at: string;
  /** Seconds to the hospital at `at`; null when the gateway sent none (no route, no fix). */
  readonly etaS: number | null;
}

/** How far back a fix is looked for in records.db when none was seen since the hub started, ns. */
const SEED_WINDOW_NS = 15 * 60 * 1e9;

/**
 * The latest position and ETA per ambulance: kept from the frames the uplink fans out, and read
 * from records.db (last 15 min) the first time an ambulance is asked for after a hub restart. A
 * derived cache (one entry per enrolled gateway), never the record.
 */
export class AmbulanceTracker {
  private readonly fixes = new Map<string, AmbulanceFix | null>();

  constructor(private readonly reader: FramesReader | null, private readonly nowNs: () => number) {}

  /** Registry frame listener: takes the position of every vitals frame that has one. */
  onFrame(gatewayId: string, env: DecodedEnvelope): void {
    if (env.payload !== 'vitals') return;
    const fix = fixOf(env, Number(env.header.captureTimeNs));
    if (fix !== null) this.fixes.set(gatewayId, fix);
  }

  fix(gatewayId: string): AmbulanceFix | null {
    const known = this.fixes.get(gatewayId);
    if (known !== undefined) return known;
    let found: AmbulanceFix | null = null;
    for (const f of this.reader?.framesSince(gatewayId, 'vitals', this.nowNs() - SEED_WINDOW_NS, 20_000) ?? []) {
      found = fixOf(f.env, f.captureTimeNs) ?? found;
    }
    this.fixes.set(gatewayId, found);
    return found;
  }
}

/** The fix a vitals frame carries, or null (no position, or the 0/0 of "no fix"). */
export function fixOf(env: DecodedEnvelope, captureTimeNs: number): AmbulanceFix | null {
  const p = env.vitals?.position;
  if (p == null || (p.latitudeDeg === 0 && p.longitudeDeg === 0)) return null;
  const eta = (env.vitals?.numerics ?? []).find((n) => n.code === ETA_CODE && n.valid === true && Number.isFinite(n.value));
  return {
    lat: p.latitudeDeg ?? 0, lon: p.longitudeDeg ?? 0, speedMps: p.speedMps ?? 0, headingDeg: p.headingDeg ?? 0,
    at: nsToIso(captureTimeNs), etaS: eta === undefined ? null : eta.value ?? null,
  };
}
