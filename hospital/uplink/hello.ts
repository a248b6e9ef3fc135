import { PROTOCOL_VERSION, telemed, type DecodedEnvelope } from '../../protocols/index.js';
import type { HospitalConfig } from '../config.js';
import { CloseCode, HospitalErrorCode } from '../errors.js';
import { verifySecret } from '../auth/password.js';
import { UplinkErrorCode } from './errors.js';
import type { HelloGate } from './hello-gate.js';
import type { SiteKind } from './registry.js';

export type HelloVerdict =
  | { readonly ok: true; readonly gatewayId: string; readonly site: { siteKind: SiteKind | null; siteName: string | null } }
  | { readonly ok: false; readonly gatewayId: string; readonly closeCode: number; readonly reasonCode: string; readonly reason: string };

const SITE_KINDS: Partial<Record<number, SiteKind>> = {
  [telemed.v1.SiteKind.SITE_KIND_CLINIC]: 'clinic',
  [telemed.v1.SiteKind.SITE_KIND_AMBULANCE]: 'ambulance',
};

/**
 * Decides on a gateway's first frame (SESSION.md step 1). The credential is only ever passed to
 * scrypt, never returned or logged. Unknown gateway ids cost one scrypt like known ones so that the
 * answer time does not reveal which ids are enrolled.
 */
export async function checkHello(env: DecodedEnvelope, config: HospitalConfig, dummyHash: string, gate?: HelloGate, certGatewayId: string | null = null): Promise<HelloVerdict> {
  const hello = env.hello;
  const headerId = env.header.gatewayId;
  if (env.payload !== 'hello' || hello == null) {
    return { ok: false, gatewayId: headerId, closeCode: CloseCode.PROTOCOL, reasonCode: HospitalErrorCode.HELLO_REQUIRED, reason: 'the first frame must be a Hello' };
  }
  const gatewayId = hello.gatewayId || headerId;
  const helloId = hello.gatewayId ?? '';
  if (hello.protocolVersion !== PROTOCOL_VERSION) {
    return { ok: false, gatewayId, closeCode: CloseCode.PROTOCOL, reasonCode: HospitalErrorCode.PROTOCOL_VERSION, reason: `hub speaks protocol version ${PROTOCOL_VERSION}, gateway sent ${hello.protocolVersion}` };
  }
  if (headerId !== '' && helloId !== '' && headerId !== helloId) {
    return { ok: false, gatewayId, closeCode: CloseCode.PROTOCOL, reasonCode: HospitalErrorCode.PROTOCOL, reason: 'header and Hello name different gateways' };
  }
  // Mutual TLS: the certificate names the gateway; a Hello for another one is refused before any
  // scrypt, and the credential is still checked when they agree (defence in depth).
  if (certGatewayId !== null && certGatewayId !== gatewayId) {
    return { ok: false, gatewayId, closeCode: CloseCode.AUTH, reasonCode: UplinkErrorCode.CLIENT_CERT_MISMATCH, reason: 'the client certificate is for another gateway' };
  }
  const enrolled = config.gateways.find((g) => g.id === gatewayId);
  const verify = (): Promise<boolean> => verifySecret(hello.credential ?? '', enrolled?.secretHash ?? dummyHash);
  const matches = gate === undefined ? await verify() : await gate.run(verify);
  if (matches === undefined) {
    return { ok: false, gatewayId, closeCode: CloseCode.TRY_AGAIN_LATER, reasonCode: HospitalErrorCode.BUSY, reason: 'too many gateway logins at once; try again later' };
  }
  if (enrolled === undefined || !matches || gatewayId === '') {
    return { ok: false, gatewayId, closeCode: CloseCode.AUTH, reasonCode: HospitalErrorCode.AUTH_FAILED, reason: 'unknown gateway or wrong credential' };
  }
  return { ok: true, gatewayId, site: { siteKind: SITE_KINDS[hello.siteKind ?? 0] ?? null, siteName: hello.siteName || null } };
}
