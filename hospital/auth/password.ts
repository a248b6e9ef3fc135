import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { HospitalError, HospitalErrorCode } from '../errors.js';

/** scrypt cost parameters (RFC 7914). N=2^14, r=8, p=1: ~16 MiB and tens of ms per hash. */
export interface ScryptParams {
  /** CPU/memory cost, a power of two. Default 16384. */
  readonly N: number;
  /** Block size. Default 8. */
  readonly r: number;
  /** Parallelism. Default 1. */
  readonly p: number;
  /** Salt length, bytes. Default 16. */
  readonly saltBytes: number;
  /** Derived key length, bytes. Default 32. */
  readonly keyBytes: number;
}

export const SCRYPT_DEFAULTS: ScryptParams = Object.freeze({ N: 16384, r: 8, p: 1, saltBytes: 16, keyBytes: 32 });

/** Upper bounds on parameters read from a stored hash, so a hostile hash cannot exhaust memory. */
const MAX_N = 1 << 20;
const MAX_R = 32;
const MAX_P = 16;

function scryptAsync(secret: string, salt: Buffer, keyLen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, keyLen, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

const maxmem = (N: number, r: number, p: number): number => 128 * N * r + 128 * r * p + 1024 * 1024;

/** Hashes a password or gateway credential as `scrypt$N$r$p$saltB64$hashB64`. */
export async function hashSecret(secret: string, params: Partial<ScryptParams> = {}): Promise<string> {
  const { N, r, p, saltBytes, keyBytes } = { ...SCRYPT_DEFAULTS, ...params };
  const salt = randomBytes(saltBytes);
  const key = await scryptAsync(secret, salt, keyBytes, { N, r, p, maxmem: maxmem(N, r, p) });
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

interface ParsedHash { N: number; r: number; p: number; salt: Buffer; key: Buffer }

function parseHash(hash: string): ParsedHash {
  const parts = hash.split('$');
  const [tag, n, r, p, salt, key] = parts;
  const N = Number(n);
  const R = Number(r);
  const P = Number(p);
  const ok = parts.length === 6 && tag === 'scrypt' && Number.isInteger(N) && N > 1 && (N & (N - 1)) === 0 && N <= MAX_N &&
    Number.isInteger(R) && R >= 1 && R <= MAX_R && Number.isInteger(P) && P >= 1 && P <= MAX_P;
  if (!ok || salt === undefined || key === undefined) throw new HospitalError(HospitalErrorCode.BAD_HASH, 'not a scrypt$N$r$p$salt$hash string');
  const saltBuf = Buffer.from(salt, 'base64');
  const keyBuf = Buffer.from(key, 'base64');
  if (saltBuf.length === 0 || keyBuf.length < 16) throw new HospitalError(HospitalErrorCode.BAD_HASH, 'scrypt hash has an empty salt or a short key');
  return { N, r: R, p: P, salt: saltBuf, key: keyBuf };
}

/**
 * True when `secret` matches `hash`. Comparison is constant-time. A malformed hash is our
 * configuration's fault, not the caller's: it throws TM_ERR_BAD_HASH.
 */
export async function verifySecret(secret: string, hash: string): Promise<boolean> {
  const h = parseHash(hash);
  const key = await scryptAsync(secret, h.salt, h.key.length, { N: h.N, r: h.r, p: h.p, maxmem: maxmem(h.N, h.r, h.p) });
  return timingSafeEqual(key, h.key);
}
