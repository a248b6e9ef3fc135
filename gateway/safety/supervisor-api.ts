import type { Logger } from 'pino';
import type { Clock } from '../../protocols/index.js';
import type { AuditSink } from './audit-log.js';
import type { SafetyState } from './state.js';
import type { ArmActuator } from './types.js';

/** Timeout timers, injected (fake time in tests). */
export interface SafetyTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface SafetyDeps {
  /** nowNs: gateway wall clock (command ages); monoMs: intervals. */
  readonly clock: Clock;
  readonly timers: SafetyTimers;
  /** Hub clock minus gateway clock, ms (protocols/clock-filter.ts `offsetMs`, via the uplink session); null = unknown. */
  readonly hubOffsetMs: () => number | null;
  readonly actuator: ArmActuator;
  readonly audit: AuditSink;
  readonly logger?: Logger;
}

/** Who pressed an e-stop. Only the first two are at the clinic and may clear one. */
export type EstopSource = 'clinic-page' | 'arm-input' | 'operator' | 'gateway';
export const LOCAL_ESTOP_SOURCES: readonly EstopSource[] = ['clinic-page', 'arm-input'];

export interface Decision {
  readonly decision: 'accepted' | 'clamped' | 'rejected';
  /** A RejectCode / SafetyCode, or null for a plain acceptance. */
  readonly reason: string | null;
  readonly state: SafetyState;
}


/** What the clinic page and the teleop page show. */
export interface SafetySnapshot {
  readonly state: SafetyState;
  readonly leaseId: string | null;
  readonly operatorId: string | null;
  readonly leaseExpiresAtNs: number | null;
  readonly forceN: number | null;
  readonly forceCapN: number;
  readonly estopSources: readonly EstopSource[];
  /**
   * Why the arm is in its state: the last trip, e-stop or clear, or null once an accepted operator
   * command (hold, stop, jog, move, home, release) put it where it is — a deadman trip long past
   * must not be shown beside a hold the operator chose. Heartbeats leave it as it is.
   */
  readonly lastReason: string | null;
}

export interface SafetyStats {
  accepted: number;
  clamped: number;
  rejected: Record<string, number>;
  trips: Record<string, number>;
}
