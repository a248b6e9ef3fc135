import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../protocols/index.js';
import type { Role } from '../config.js';
import type { RecordsStore } from '../store/records-store.js';
import { verifySecret } from './password.js';

/** A logged-in person, as routes see them. */
export interface AuthUser {
  readonly username: string;
  readonly role: Role;
}

export interface IssuedSession {
  /** Bearer token: 32 random bytes, base64url. Shown once; only its SHA-256 is stored. */
  readonly token: string;
  readonly user: AuthUser;
  readonly expiresAtMs: number;
}

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * Logins and bearer-token sessions. Unknown users still cost one scrypt verification so that the
 * answer time does not tell which usernames exist.
 */
export class SessionManager {
  constructor(
    private readonly store: RecordsStore,
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly dummyHash: string,
  ) {}

  private nowMs(): number {
    return Math.floor(this.clock.nowNs() / 1e6);
  }

  /** Checks a username/password; returns a new session or undefined when they do not match. */
  async login(username: string, password: string): Promise<IssuedSession | undefined> {
    const user = await this.store.findUser(username);
    const ok = await verifySecret(password, user?.passwordHash ?? this.dummyHash);
    if (!ok || user === undefined) return undefined;
    const token = randomBytes(32).toString('base64url');
    const expiresAtMs = this.nowMs() + this.ttlMs;
    await this.store.putSession({ tokenHash: hashToken(token), username: user.username, role: user.role, expiresAtMs });
    return { token, user: { username: user.username, role: user.role }, expiresAtMs };
  }

  /** The user behind a token, or undefined when unknown or expired (expired ones are deleted). */
  async authenticate(token: string): Promise<AuthUser | undefined> {
    if (token.length === 0 || token.length > 128) return undefined;
    const h = hashToken(token);
    const s = await this.store.findSession(h);
    if (s === undefined) return undefined;
    if (s.expiresAtMs <= this.nowMs()) {
      await this.store.deleteSession(h);
      return undefined;
    }
    return { username: s.username, role: s.role };
  }

  async logout(token: string): Promise<void> {
    await this.store.deleteSession(hashToken(token));
  }

  purgeExpired(): Promise<number> {
    return this.store.purgeSessions(this.nowMs());
  }
}
