import 'reflect-metadata'; // @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';
import { TelemedError } from '../../protocols/errors.js';

/** Stable codes of certificate and key making (`telemed pki`). */
export const PkiErrorCode = {
  /** A file the command would write already exists (never overwritten: a new CA key orphans every certificate). */
  EXISTS: 'TM_ERR_PKI_EXISTS',
  /** The CA folder has no readable ca.pem / ca.key, or they do not belong together. */
  BAD_CA: 'TM_ERR_PKI_BAD_CA',
  /** A bad argument: a gateway id the config would refuse, a host that is neither IP nor DNS name. */
  BAD_ARGUMENT: 'TM_ERR_PKI_BAD_ARGUMENT',
} as const;
export type PkiErrorCode = (typeof PkiErrorCode)[keyof typeof PkiErrorCode];

export class PkiError extends TelemedError {
  constructor(code: PkiErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'PkiError';
  }
}

// Node 20's webcrypto has ECDSA and SHA-256, which is all @peculiar/x509 needs to sign.
x509.cryptoProvider.set(webcrypto);

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
/** CA lifetime: ten years (re-enrolling every site is the cost of a shorter one). */
export const CA_DAYS = 3650;
/** Leaf lifetime: 825 days, the longest the CA/Browser Forum allowed before 2020 (BR §6.3.2). */
export const LEAF_DAYS = 825;
/** notBefore is set this far back so a peer whose clock is a little behind accepts a fresh certificate. */
const BACKDATE_MS = 5 * 60_000;

/** The URI SAN naming a gateway: the hub maps a client certificate to this gateway id. */
export function gatewayUri(id: string): string {
  return `urn:telemed:gateway:${id}`;
}

/** Gateway ids as gateway/config.ts accepts them. */
export const GATEWAY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const DNS_NAME = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export interface PemPair {
  /** PEM certificate (CERTIFICATE). */
  readonly cert: string;
  /** PEM PKCS#8 private key (PRIVATE KEY). */
  readonly key: string;
}

interface Validity { readonly now?: Date; readonly days?: number }

/** RFC 5280 §4.1.2.2: positive, at most 20 octets; 16 random bytes with the top bit clear. */
function serial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] ?? 0) & 0x7f | 0x01;
  return b.toString('hex');
}

function window(v: Validity, defaultDays: number): { notBefore: Date; notAfter: Date } {
  const now = (v.now ?? new Date()).getTime();
  return { notBefore: new Date(now - BACKDATE_MS), notAfter: new Date(now + (v.days ?? defaultDays) * DAY_MS) };
}

async function newKeys(): Promise<CryptoKeyPair> {
  return await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
}

async function pkcs8Pem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** A CA as loaded from its folder: what leaf certificates are signed with. */
export interface LoadedCa {
  readonly cert: x509.X509Certificate;
  readonly key: CryptoKey;
  readonly certPem: string;
}

/** Makes a self-signed CA: basicConstraints CA:TRUE pathlen 0, keyCertSign + cRLSign (RFC 5280 §4.2.1.9, §4.2.1.3). */
export async function makeCa(opts: Validity & { readonly name?: string } = {}): Promise<PemPair> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(), name: `CN=${opts.name ?? 'telemed enrolment CA'}, O=telemed`, ...window(opts, CA_DAYS), signingAlgorithm: SIGN, keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem') + '\n', key: await pkcs8Pem(keys.privateKey) };
}

/** Parses a CA's PEM pair and checks the key is the certificate's. */
export async function loadCa(pair: PemPair): Promise<LoadedCa> {
  let cert: x509.X509Certificate;
  let key: CryptoKey;
  try {
    cert = new x509.X509Certificate(pair.cert);
    const der = createPrivateKey(pair.key).export({ type: 'pkcs8', format: 'der' });
    key = await webcrypto.subtle.importKey('pkcs8', der, EC, false, ['sign']);
  } catch (err) {
    throw new PkiError(PkiErrorCode.BAD_CA, `CA certificate or key unreadable: ${(err as Error).message}`, { cause: err });
  }
  const fromKey = createPublicKey(createPrivateKey(pair.key)).export({ type: 'spki', format: 'der' });
  if (!Buffer.from(cert.publicKey.rawData).equals(fromKey)) throw new PkiError(PkiErrorCode.BAD_CA, 'ca.key is not the key of ca.pem');
  if (cert.getExtension(x509.BasicConstraintsExtension)?.ca !== true) throw new PkiError(PkiErrorCode.BAD_CA, 'ca.pem is not a CA certificate (basicConstraints CA:FALSE)');
  return { cert, key, certPem: pair.cert };
}

async function leaf(ca: LoadedCa, subject: string, usage: x509.ExtendedKeyUsage, names: x509.JsonGeneralNames, v: Validity): Promise<PemPair> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(), subject, issuer: ca.cert.subject, ...window(v, LEAF_DAYS), signingAlgorithm: SIGN,
    publicKey: keys.publicKey, signingKey: ca.key,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      // ECDHE-ECDSA: the key only signs the handshake (RFC 5480 §3).
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([usage], false),
      new x509.SubjectAlternativeNameExtension(names, false),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert.publicKey),
    ],
  });
  return { cert: cert.toString('pem') + '\n', key: await pkcs8Pem(keys.privateKey) };
}

/** The hub's server certificate: serverAuth, a SAN per host (iPAddress for IPs, dNSName otherwise; RFC 6125 §6.4). */
export async function makeHubCert(ca: LoadedCa, hosts: readonly string[], v: Validity = {}): Promise<PemPair> {
  if (hosts.length === 0) throw new PkiError(PkiErrorCode.BAD_ARGUMENT, 'the hub certificate needs at least one --host (the name or IP gateways dial)');
  const names: x509.JsonGeneralNames = hosts.map((h) => {
    if (isIP(h) !== 0) return { type: 'ip', value: h };
    if (DNS_NAME.test(h)) return { type: 'dns', value: h.toLowerCase() };
    throw new PkiError(PkiErrorCode.BAD_ARGUMENT, `--host "${h}" is neither an IP address nor a DNS name`);
  });
  return leaf(ca, `CN=${hosts[0] ?? ''}, O=telemed hub`, x509.ExtendedKeyUsage.serverAuth, names, v);
}

/** A gateway's client certificate: clientAuth, CN = gateway id and URI SAN urn:telemed:gateway:ID. */
export async function makeGatewayCert(ca: LoadedCa, gatewayId: string, v: Validity = {}): Promise<PemPair> {
  if (!GATEWAY_ID.test(gatewayId)) throw new PkiError(PkiErrorCode.BAD_ARGUMENT, `gateway id "${gatewayId}" must be 1-64 of A-Z a-z 0-9 . _ - (as gateway/config.ts)`);
  return leaf(ca, `CN=${gatewayId}, O=telemed gateway`, x509.ExtendedKeyUsage.clientAuth, [{ type: 'url', value: gatewayUri(gatewayId) }], v);
}

/** The hub's Ed25519 diagnosis-signing key pair: PKCS#8 private and SPKI public PEM (RFC 8410). */
export function makeSigningKey(): { readonly privateKey: string; readonly publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
