import { parseArgs } from 'node:util';
import { writeCa, writeGateway, writeHub, writeSigningKey, type Written } from '../../hospital/pki/files.js';

const USAGE = `usage:
  telemed pki ca --out DIR                                  CA key + certificate (ca.key, ca.pem); keep DIR offline
  telemed pki hub --ca DIR --host H [--host H2 ...] --out DIR   hub server certificate, a SAN per host (hub.pem, hub.key, ca.pem)
  telemed pki gateway --ca DIR --id GATEWAY_ID --out DIR     gateway client certificate (gateway.pem, gateway.key, ca.pem)
  telemed pki signing-key --out DIR                         hub Ed25519 diagnosis-signing key (hub-signing.key, hub-signing.pub)

Keys are ECDSA P-256 (signing-key: Ed25519), PKCS#8 PEM, mode 0600; nothing is overwritten.
Certificates: CA 10 years, hub and gateway 825 days. Enrolment: README.md "Running a hub and gateways for real".
`;

function need(v: string | undefined, flag: string): string {
  if (v === undefined || v === '') throw new Error(`telemed pki: ${flag} is required\n\n${USAGE}`);
  return v;
}

/** `telemed pki ca|hub|gateway|signing-key`: enrolment files (hospital/pki). */
export async function pkiCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  const { values } = parseArgs({
    args: rest, allowPositionals: false, strict: true,
    options: {
      out: { type: 'string' }, ca: { type: 'string' }, id: { type: 'string' },
      host: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (sub === undefined || sub === '--help' || sub === '-h' || values.help === true) {
    process.stdout.write(USAGE);
    return;
  }
  let written: Written;
  switch (sub) {
    case 'ca': written = await writeCa(need(values.out, '--out')); break;
    case 'hub': written = await writeHub(need(values.ca, '--ca'), values.host ?? [], need(values.out, '--out')); break;
    case 'gateway': written = await writeGateway(need(values.ca, '--ca'), need(values.id, '--id'), need(values.out, '--out')); break;
    case 'signing-key': written = await writeSigningKey(need(values.out, '--out')); break;
    default: throw new Error(`telemed pki: unknown subcommand "${sub}"\n\n${USAGE}`);
  }
  for (const path of Object.values(written)) process.stdout.write(`${path}\n`);
}
