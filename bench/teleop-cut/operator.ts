import type { TeleopBrowser } from '../../hospital/teleop/test-support.js';

/** The console's command period (dashboards/console/src/teleop/teleop-state.ts CONTROL_PERIOD_MS). */
export const CONSOLE_PERIOD_MS = 40;

export interface TwistMsg { readonly vx: number; readonly vy: number; readonly vz: number }
export type OperatorMode = { readonly kind: 'jog'; readonly twist: TwistMsg } | { readonly kind: 'heartbeat' };

/**
 * The specialist's console as the bench plays it: every CONSOLE_PERIOD_MS one command on /teleop,
 * a jog while a key is held, a heartbeat otherwise (the console's control loop). `set` changes what
 * the next tick sends, as the console picks up a key event on its next tick.
 */
export class Operator {
  private mode: OperatorMode = { kind: 'heartbeat' };
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  sent = 0;

  constructor(private readonly browser: TeleopBrowser, private readonly leaseId: string) {}

  start(): void {
    this.timer ??= setInterval(() => this.tick(), CONSOLE_PERIOD_MS);
  }

  set(mode: OperatorMode): void {
    this.mode = mode;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    const m = this.mode;
    this.seq += 1;
    this.sent += 1;
    if (m.kind === 'jog') this.browser.send({ type: 'jog', leaseId: this.leaseId, seq: this.seq, sentAtMs: Date.now(), twist: m.twist });
    else this.browser.send({ type: 'heartbeat', leaseId: this.leaseId, seq: this.seq, sentAtMs: Date.now() });
  }
}
