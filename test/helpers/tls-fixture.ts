import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { PKI_FILES, writeCa, writeGateway, writeHub } from '../../hospital/pki/files.js';

/** PEM file paths as `hub.tls` (gateway) and `tls` (hub) take them. */
export interface TlsFiles { readonly ca: string; readonly cert: string; readonly key: string }

/**
 * A CA, a hub certificate for 127.0.0.1/localhost and gateway certificates on demand, made with
 * `telemed pki`'s own code in a test's temp folder: what an operator's enrolment produces.
 */
export class TlsFixture {
  private constructor(readonly dir: string, readonly caFile: string, readonly hub: TlsFiles) {}

  static async create(dir: string): Promise<TlsFixture> {
    const caDir = join(dir, 'pki-ca');
    await writeCa(caDir);
    const hubDir = join(dir, 'pki-hub');
    await writeHub(caDir, ['127.0.0.1', 'localhost'], hubDir);
    return new TlsFixture(dir, join(caDir, PKI_FILES.caCert), {
      ca: join(hubDir, PKI_FILES.caCert), cert: join(hubDir, PKI_FILES.hubCert), key: join(hubDir, PKI_FILES.hubKey),
    });
  }

  /** The CA certificate's PEM (what a client pins). */
  get ca(): Buffer { return readFileSync(this.caFile); }

  /** hub.tls of a gateway: its client certificate (made on first use) and the pinned CA. */
  async gateway(id: string): Promise<TlsFiles> {
    const out = join(this.dir, `pki-gw-${id}`);
    await writeGateway(join(this.dir, 'pki-ca'), id, out).catch((err: unknown) => {
      if ((err as { code?: string }).code !== 'TM_ERR_PKI_EXISTS') throw err;
    });
    return { ca: join(out, PKI_FILES.caCert), cert: join(out, PKI_FILES.gatewayCert), key: join(out, PKI_FILES.gatewayKey) };
  }

  /** hub.tls of a gateway as loaded PEM buffers (for `new WebSocket(url, { ca, cert, key })`). */
  async gatewayPems(id: string): Promise<{ ca: Buffer; cert: Buffer; key: Buffer }> {
    const f = await this.gateway(id);
    return { ca: readFileSync(f.ca), cert: readFileSync(f.cert), key: readFileSync(f.key) };
  }
}

/** GET over HTTPS trusting only `ca` (Node's fetch cannot take a CA per call): status, headers, body. */
export function httpsGet(url: string, ca: Buffer, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
