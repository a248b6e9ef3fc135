import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../protocols/index.js';
import type { HospitalConfig, Role } from '../config.js';
import type { RecordsStore } from '../store/records-store.js';
import { scopeOf, type Accessor, type SiteScope } from './access.js';
import { verifySecret } from './password.js';

/** A logged-in person, as routes see them: always from the CURRENT user table. */
export interface AuthUser extends Accessor {
  readonly username: string;
  readonly role: Role;
  readonly scope: SiteScope;
}

export interface IssuedSession {
  /** Bearer token: 32 random bytes, base64url. Shown once; only its SHA-256 is stored. */
  readonly token: string;
  readonly user: AuthUser;
  readonly expiresAtMs: number;
}

/** A verified session: the person and when the session ends. */
export interface ValidSession {
  readonly user: AuthUser;
  readonly tokenHash: string;
  readonly expiresAtMs: number;
}

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

interface DirectoryEntry { readonly username: string; readonly role: Role; readonly passwordHash: string; readonly scope: SiteScope }

/**
 * The current user table (the config's `users`). Sessions are checked against it on every
 * request and every /live re-check, so a removed user or a changed role takes effect at once.
 * `replace` is how a reloaded config would change it.
 */
export class UserDirectory {
  private users = new Map<string, DirectoryEntry>();
  constructor(users: HospitalConfig['users']) { this.replace(users); }
  replace(users: HospitalConfig['users']): void {
    this.users = new Map(users.map((u) => [u.username, { username: u.username, role: u.role, passwordHash: u.passwordHash, scope: scopeOf(u.role, u.sites) }]));
  }
  get(username: string): DirectoryEntry | undefined { return this.users.get(username); }
}

/** Why a session ended: what /live close reasons and logs say. */
export type SessionEnd = 'logout' | 'expired' | 'revoked';

/**
 * Logins and bearer-token sessions. Unknown users still cost one scrypt verification so that the
 * answer time does not tell which usernames exist.
 */
export class SessionManager {
  private readonly endListeners = new Set<(tokenHash: string, why: SessionEnd) => void>();

  constructor(
    private readonly store: RecordsStore,
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly dummyHash: string,
    readonly directory: UserDirectory,
  ) {}

  private nowMs(): number {
    return Math.floor(this.clock.nowNs() / 1e6);
  }

  /** Checks a username/password against the current user table; a new session or undefined. */
  async login(username: string, password: string): Promise<IssuedSession | undefined> {
    const user = this.directory.get(username);
    const ok = await verifySecret(password, user?.passwordHash ?? this.dummyHash);
    if (!ok || user === undefined) return undefined;
    const token = randomBytes(32).toString('base64url');
    const expiresAtMs = this.nowMs() + this.ttlMs;
    await this.store.putSession({ tokenHash: hashToken(token), username: user.username, role: user.role, expiresAtMs });
    return { token, user: { username: user.username, role: user.role, scope: user.scope }, expiresAtMs };
  }

  /** The user behind a token, or undefined when unknown, expired or revoked. */
  async authenticate(token: string): Promise<AuthUser | undefined> {
    if (token.length === 0 || token.length > 128) return undefined;
    return (await this.check(hashToken(token)))?.user;
  }

  /**
   * A session by its token hash, re-validated against the current user table: a user no longer
   * in it, or whose role differs from the one the session was opened with, loses the session (it
   * is deleted: logging in again gives one with the new role). Expired ones are deleted too.
   */
  async check(tokenHash: string): Promise<ValidSession | undefined> {
    const s = await this.store.findSession(tokenHash);
    if (s === undefined) return undefined;
    const end = (why: SessionEnd): undefined => { void this.end(tokenHash, why); return undefined; };
    if (s.expiresAtMs <= this.nowMs()) return end('expired');
    const current = this.directory.get(s.username);
    if (current === undefined || current.role !== s.role) return end('revoked');
    return { user: { username: current.username, role: current.role, scope: current.scope }, tokenHash, expiresAtMs: s.expiresAtMs };
  }

  async logout(token: string): Promise<void> {
    await this.end(hashToken(token), 'logout');
  }

  /** Called with the token hash of every session that ends (the /live hub closes its sockets). */
  onEnd(listener: (tokenHash: string, why: SessionEnd) => void): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  private async end(tokenHash: string, why: SessionEnd): Promise<void> {
    await this.store.deleteSession(tokenHash);
    for (const l of this.endListeners) l(tokenHash, why);
  }

  purgeExpired(): Promise<number> {
    return this.store.purgeSessions(this.nowMs());
  }
}
