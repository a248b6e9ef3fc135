import { insideBox, validPose, type MotionLimits } from './limits.js';
import { SafetyError, SafetyErrorCode } from './reasons.js';
import { IDENTITY_QUAT, type Box, type Pose } from './types.js';

/** Settings of the safety supervisor; units in the names. Defaults in DEFAULT_SAFETY. */
export interface SafetyConfig {
  readonly armId: string;
  /** Deadman: no valid command or heartbeat for this long → hold. 3GPP TR 22.826 survival time. */
  readonly survivalMs: number;
  /** Budget of a command whose header says 0: the CONTROL class default (DESIGN.md §3). */
  readonly defaultBudgetMs: number;
  /** A header may not ask for more than this. */
  readonly maxBudgetMs: number;
  /** How far in the future (hub clock, offset applied) an issue time may lie: the sync's error. */
  readonly futureToleranceMs: number;
  readonly limits: MotionLimits;
  /** Nominal operator command period; caps the dt of the jog acceleration slew. */
  readonly controlPeriodMs: number;
  readonly workspace: Box;
  /** Telemetry further outside the box than this is a breach (tracking error allowance). */
  readonly workspaceToleranceMm: number;
  readonly home: Pose;
  /** No exam may set a cap above this, N. */
  readonly hardMaxForceN: number;
  /** Below this the probe counts as out of contact, N. */
  readonly contactFreeN: number;
  /** Retract: straight up (+z, away from the couch) by this much, clamped to the box top. */
  readonly retractMm: number;
  readonly retractSpeedMmS: number;
  /** Still in contact this long after a force trip → stop and fault. */
  readonly retractTimeoutMs: number;
  /** Expected telemetry period (100 Hz default). */
  readonly telemetryPeriodMs: number;
  /** No telemetry for this long → faulted (TELEMETRY_LOST). */
  readonly telemetryTimeoutMs: number;
  /** Longest lease the hub may grant in one message. */
  readonly maxLeaseMs: number;
}

/** A couch-sized box: 600 × 400 mm footprint, 50–350 mm above the couch surface. */
export const DEFAULT_SAFETY: SafetyConfig = {
  armId: 'arm-1',
  survivalMs: 100,
  defaultBudgetMs: 50,
  maxBudgetMs: 100,
  futureToleranceMs: 20,
  limits: { maxSpeedMmS: 50, maxAngularDegS: 30, maxAccelMmS2: 250, maxAngularAccelDegS2: 150, brakingMmS2: 500 },
  controlPeriodMs: 20,
  workspace: { min: { x: -300, y: -200, z: 50 }, max: { x: 300, y: 200, z: 350 } },
  workspaceToleranceMm: 5,
  home: { position: { x: 0, y: 0, z: 300 }, orientation: IDENTITY_QUAT },
  hardMaxForceN: 40,
  contactFreeN: 0.5,
  retractMm: 30,
  retractSpeedMmS: 50,
  retractTimeoutMs: 1500,
  telemetryPeriodMs: 10,
  telemetryTimeoutMs: 50,
  maxLeaseMs: 15 * 60_000,
};

/** Checks the relations between settings; throws TM_ERR_SAFETY_CONFIG listing every problem. */
export function checkSafetyConfig(c: SafetyConfig): SafetyConfig {
  const p: string[] = [];
  const pos = (name: string, v: number): void => { if (!(v > 0 && Number.isFinite(v))) p.push(`${name} must be > 0`); };
  pos('survivalMs', c.survivalMs); pos('defaultBudgetMs', c.defaultBudgetMs); pos('controlPeriodMs', c.controlPeriodMs);
  pos('hardMaxForceN', c.hardMaxForceN); pos('retractSpeedMmS', c.retractSpeedMmS); pos('telemetryPeriodMs', c.telemetryPeriodMs);
  for (const [k, v] of Object.entries(c.limits) as [string, number][]) pos(`limits.${k}`, v);
  if (c.maxBudgetMs < c.defaultBudgetMs) p.push('maxBudgetMs must be ≥ defaultBudgetMs');
  if (c.telemetryTimeoutMs < c.telemetryPeriodMs * 2) p.push('telemetryTimeoutMs must be ≥ 2 telemetry periods');
  if (c.contactFreeN < 0 || c.contactFreeN >= c.hardMaxForceN) p.push('contactFreeN must be in [0, hardMaxForceN)');
  const b = c.workspace;
  if (!(b.min.x < b.max.x && b.min.y < b.max.y && b.min.z < b.max.z)) p.push('workspace.min must be below workspace.max on every axis');
  if (!validPose(c.home) || !insideBox(c.home.position, b)) p.push('home must be a valid pose inside the workspace');
  if (p.length > 0) throw new SafetyError(SafetyErrorCode.CONFIG, `invalid safety config:\n  ${p.join('\n  ')}`);
  return c;
}
