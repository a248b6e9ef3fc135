import { Socket } from 'node:net';
import type { PeerCertificate } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { certGatewayId, checkPeer } from './peer-cert.js';

const cert = (cn: string | undefined, san?: string): PeerCertificate =>
  ({ subject: cn === undefined ? {} : { CN: cn }, ...(san !== undefined ? { subjectaltname: san } : {}) }) as unknown as PeerCertificate;

describe('certGatewayId (mutual TLS identity)', () => {
  it('takes the urn:telemed:gateway URI SAN, agreeing with the CN', () => {
    expect(certGatewayId(cert('clinic-a', 'URI:urn:telemed:gateway:clinic-a'))).toBe('clinic-a');
    expect(certGatewayId(cert(undefined, 'DNS:x.example, URI:urn:telemed:gateway:clinic-a'))).toBe('clinic-a');
    expect(certGatewayId(cert('clinic-a'))).toBe('clinic-a');
  });

  it('names no one when CN and URI disagree, or two gateway URIs are present', () => {
    expect(certGatewayId(cert('clinic-b', 'URI:urn:telemed:gateway:clinic-a'))).toBeNull();
    expect(certGatewayId(cert(undefined, 'URI:urn:telemed:gateway:a, URI:urn:telemed:gateway:b'))).toBeNull();
    expect(certGatewayId(cert(undefined, 'URI:https://evil.example'))).toBeNull();
    expect(certGatewayId(cert(undefined, 'URI:urn:telemed:gateway:bad id'))).toBeNull();
  });

  it('a plain (non-TLS) socket carries no identity and is not refused here', () => {
    expect(checkPeer(new Socket(), true)).toEqual({ ok: true, gatewayId: null });
  });
});
