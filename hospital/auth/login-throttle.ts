/** Settings of the login throttle (config `auth.throttle`). */
export interface ThrottleSettings {
  readonly freeFailures: number;
  readonly baseLockMs: number;
  readonly maxLockMs: number;
  readonly forgetAfterMs: number;
}

interface Entry { failures: number; lockedUntilMs: number; lastMs: number }

/** Keys remembered at most; past it the stalest are forgotten (a flood of usernames cannot grow memory). */
const MAX_KEYS = 10_000;

/**
 * Exponential backoff on wrong passwords, per username and per client address (issue 12, item 8;
 * OWASP ASVS 4.0 §2.2.1 "anti-automation"). The first `freeFailures` cost nothing; each one after
 * holds that key for baseLockMs·2^(n−free), capped at maxLockMs. While a key is held, logins for
 * it are refused without checking the password: the right password does not get in either, and
 * the flood costs no scrypt. An attempt counts as failed from the moment it starts (`begin`), so
 * a burst sent at once cannot all pass before the first verdict; a success takes its own count
 * back and clears the username's failures (not the address's: one good account must not launder a
 * guessing address).
 */
export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly s: ThrottleSettings, private readonly nowMs: () => number) {}

  private static keys(username: string, address: string): string[] {
    return [`u\u0000${username}`, `a\u0000${address}`];
  }

  /** ms until a login for `username` from `address` is considered again; 0 when it may go ahead. */
  retryAfterMs(username: string, address: string): number {
    const now = this.nowMs();
    let wait = 0;
    for (const k of LoginThrottle.keys(username, address)) {
      const e = this.entries.get(k);
      if (e !== undefined) wait = Math.max(wait, e.lockedUntilMs - now);
    }
    return wait;
  }

  /**
   * Starts a login attempt: 0 when it may go ahead (and it is counted as failed until `succeeded`),
   * else the ms to wait (nothing counted).
   */
  begin(username: string, address: string): number {
    const wait = this.retryAfterMs(username, address);
    if (wait <= 0) this.failed(username, address);
    return wait;
  }

  private failed(username: string, address: string): void {
    const now = this.nowMs();
    for (const k of LoginThrottle.keys(username, address)) {
      let e = this.entries.get(k);
      if (e === undefined || now - e.lastMs > this.s.forgetAfterMs) e = { failures: 0, lockedUntilMs: 0, lastMs: now };
      e.failures += 1;
      e.lastMs = now;
      const over = e.failures - this.s.freeFailures;
      if (over > 0) e.lockedUntilMs = now + Math.min(this.s.maxLockMs, this.s.baseLockMs * 2 ** Math.min(over - 1, 40));
      this.entries.delete(k); // re-insert: Map order is then least recently failed first
      this.entries.set(k, e);
    }
    while (this.entries.size > MAX_KEYS) this.entries.delete(this.entries.keys().next().value as string);
  }

  /** The attempt begun for `username` from `address` was right. */
  succeeded(username: string, address: string): void {
    this.entries.delete(`u\u0000${username}`);
    const a = this.entries.get(`a\u0000${address}`);
    if (a === undefined) return;
    a.failures = Math.max(0, a.failures - 1);
    if (a.failures <= this.s.freeFailures) a.lockedUntilMs = 0;
  }
}
