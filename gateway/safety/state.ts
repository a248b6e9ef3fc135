/**
 * States of the safety supervisor (README.md has the diagram).
 * - idle: no lease; the arm is still.
 * - leased: an operator holds the lease; the arm is still; any valid command may move it.
 * - active: the arm moves under a valid command.
 * - holding: held after a trip (deadman, force, telemetry back, e-stop cleared): only a command
 *   issued after the hold resumes.
 * - retracting: moving away from the patient after a force trip; operator motion is refused.
 * - estopped: hard-stopped; cleared only locally.
 * - faulted: the arm or its link failed; the arm is held or stopped.
 */
export type SafetyState = 'idle' | 'leased' | 'active' | 'holding' | 'retracting' | 'estopped' | 'faulted';

const NEXT: Readonly<Record<SafetyState, readonly SafetyState[]>> = {
  idle: ['leased', 'estopped', 'faulted'],
  leased: ['active', 'holding', 'idle', 'retracting', 'estopped', 'faulted'],
  active: ['leased', 'holding', 'idle', 'retracting', 'estopped', 'faulted'],
  holding: ['active', 'leased', 'idle', 'retracting', 'estopped', 'faulted'],
  retracting: ['holding', 'idle', 'estopped', 'faulted'],
  estopped: ['holding', 'idle'],
  faulted: ['holding', 'idle', 'estopped'],
};

export function canTransition(from: SafetyState, to: SafetyState): boolean {
  return NEXT[from].includes(to);
}

/** States in which the arm may be moving on an operator's behalf. */
export function operatorMotionAllowed(s: SafetyState): boolean {
  return s === 'leased' || s === 'active' || s === 'holding';
}
