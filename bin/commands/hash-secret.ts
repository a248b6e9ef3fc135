import { hashSecret } from '../../hospital/auth/password.js';

/** Reads one secret from stdin (so it stays out of shell history) and prints its scrypt hash. */
export async function hashSecretCommand(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write('usage: echo -n SECRET | telemed hash-secret\n\nPrints the scrypt hash to put in the hub config (gateways[].secretHash, users[].passwordHash).\n');
    return;
  }
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const secret = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (secret.length === 0) throw new Error('no secret on stdin');
  process.stdout.write((await hashSecret(secret)) + '\n');
}
