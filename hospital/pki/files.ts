import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadCa, makeCa, makeGatewayCert, makeHubCert, makeSigningKey, PkiError, PkiErrorCode, type LoadedCa } from './certs.js';

/**
 * File names of `telemed pki` (docs/CONTRACTS.md). Each output folder is what one machine needs:
 * the CA folder stays with the operator, a hub folder goes to the hub, a gateway folder to that gateway.
 */
export const PKI_FILES = {
  caCert: 'ca.pem', caKey: 'ca.key',
  hubCert: 'hub.pem', hubKey: 'hub.key',
  gatewayCert: 'gateway.pem', gatewayKey: 'gateway.key',
  signingKey: 'hub-signing.key', signingPub: 'hub-signing.pub',
} as const;

const PRIVATE = 0o600;
const PUBLIC = 0o644;

/** Writes without ever replacing a file (flag wx): an overwritten CA key would orphan every certificate it signed. */
async function put(dir: string, name: string, text: string, mode: number): Promise<string> {
  const path = join(dir, name);
  try {
    await writeFile(path, text, { mode, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new PkiError(PkiErrorCode.EXISTS, `${path} exists; not overwritten (move it away first)`, { cause: err });
    throw err;
  }
  return path;
}

/** The files written by one command, by role. */
export type Written = Readonly<Record<string, string>>;

export async function writeCa(out: string, opts: { now?: Date; days?: number } = {}): Promise<Written> {
  await mkdir(out, { recursive: true, mode: 0o700 });
  const ca = await makeCa(opts);
  return { key: await put(out, PKI_FILES.caKey, ca.key, PRIVATE), cert: await put(out, PKI_FILES.caCert, ca.cert, PUBLIC) };
}

export async function readCa(dir: string): Promise<LoadedCa> {
  let cert: string;
  let key: string;
  try {
    [cert, key] = await Promise.all([readFile(join(dir, PKI_FILES.caCert), 'utf8'), readFile(join(dir, PKI_FILES.caKey), 'utf8')]);
  } catch (err) {
    throw new PkiError(PkiErrorCode.BAD_CA, `no CA in ${dir} (${PKI_FILES.caCert} and ${PKI_FILES.caKey}; make one with \`telemed pki ca --out ${dir}\`): ${(err as Error).message}`, { cause: err });
  }
  return loadCa({ cert, key });
}

/** The hub's folder: hub.pem, hub.key and a copy of ca.pem (it verifies gateway certificates against it). */
export async function writeHub(caDir: string, hosts: readonly string[], out: string, opts: { now?: Date; days?: number } = {}): Promise<Written> {
  const ca = await readCa(caDir);
  const pair = await makeHubCert(ca, hosts, opts);
  await mkdir(out, { recursive: true, mode: 0o700 });
  return {
    key: await put(out, PKI_FILES.hubKey, pair.key, PRIVATE),
    cert: await put(out, PKI_FILES.hubCert, pair.cert, PUBLIC),
    ca: await putCaCopy(out, ca.certPem),
  };
}

/** A gateway's folder: gateway.pem, gateway.key and a copy of ca.pem (the one CA it trusts for the hub). */
export async function writeGateway(caDir: string, gatewayId: string, out: string, opts: { now?: Date; days?: number } = {}): Promise<Written> {
  const ca = await readCa(caDir);
  const pair = await makeGatewayCert(ca, gatewayId, opts);
  await mkdir(out, { recursive: true, mode: 0o700 });
  return {
    key: await put(out, PKI_FILES.gatewayKey, pair.key, PRIVATE),
    cert: await put(out, PKI_FILES.gatewayCert, pair.cert, PUBLIC),
    ca: await putCaCopy(out, ca.certPem),
  };
}

/** A ca.pem already in the folder is fine when it is the same CA (hub and gateway folders may be one). */
async function putCaCopy(out: string, pem: string): Promise<string> {
  const path = join(out, PKI_FILES.caCert);
  const existing = await readFile(path, 'utf8').catch(() => null);
  if (existing === null) return put(out, PKI_FILES.caCert, pem, PUBLIC);
  if (existing.trim() !== pem.trim()) throw new PkiError(PkiErrorCode.EXISTS, `${path} holds another CA; use an empty folder`);
  return path;
}

/** hub-signing.key (PKCS#8, 0600) and hub-signing.pub (SPKI): the hub's Ed25519 diagnosis-signing key. */
export async function writeSigningKey(out: string): Promise<Written> {
  await mkdir(out, { recursive: true, mode: 0o700 });
  const k = makeSigningKey();
  return { key: await put(out, PKI_FILES.signingKey, k.privateKey, PRIVATE), pub: await put(out, PKI_FILES.signingPub, k.publicKey, PUBLIC) };
}

/** Paths of a complete local enrolment: the CA, the hub's files and each gateway's. */
export interface LocalPki {
  readonly caCert: string;
  readonly hub: { readonly cert: string; readonly key: string; readonly ca: string };
  readonly gateways: ReadonlyMap<string, { readonly cert: string; readonly key: string; readonly ca: string }>;
}

async function exists(path: string): Promise<boolean> {
  return readFile(path).then(() => true, () => false);
}

/**
 * Everything one machine needs to run hub and gateways over TLS (the demo, tests): a CA in
 * `<dir>/ca`, the hub in `<dir>/hub`, each gateway in `<dir>/gateway-ID`. What already exists is
 * kept (a browser told to trust the demo CA keeps trusting it); what is missing is made.
 */
export async function ensurePki(dir: string, hosts: readonly string[], gatewayIds: readonly string[]): Promise<LocalPki> {
  const caDir = join(dir, 'ca');
  if (!(await exists(join(caDir, PKI_FILES.caCert)))) await writeCa(caDir);
  const hubDir = join(dir, 'hub');
  if (!(await exists(join(hubDir, PKI_FILES.hubCert)))) await writeHub(caDir, hosts, hubDir);
  const gateways = new Map<string, { cert: string; key: string; ca: string }>();
  for (const id of gatewayIds) {
    const gwDir = join(dir, `gateway-${id}`);
    if (!(await exists(join(gwDir, PKI_FILES.gatewayCert)))) await writeGateway(caDir, id, gwDir);
    gateways.set(id, { cert: join(gwDir, PKI_FILES.gatewayCert), key: join(gwDir, PKI_FILES.gatewayKey), ca: join(gwDir, PKI_FILES.caCert) });
  }
  return {
    caCert: join(caDir, PKI_FILES.caCert),
    hub: { cert: join(hubDir, PKI_FILES.hubCert), key: join(hubDir, PKI_FILES.hubKey), ca: join(hubDir, PKI_FILES.caCert) },
    gateways,
  };
}
