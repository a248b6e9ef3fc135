// Runs Debian's protoc as an independent protobuf implementation to check our codec against.
// No shell: arguments go straight to execFile, bytes through stdin/stdout.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const PROTOCOLS_DIR = join(REPO_ROOT, 'protocols');

export const PROTOC_MISSING = 'protoc not found: run `apt-get install -y protobuf-compiler` (or `npm run test:setup` as root)';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function defaultCandidates(): string[] {
  return ['/usr/bin/protoc', ...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, 'protoc'))];
}

/** Path of protoc: /usr/bin/protoc (Debian's protobuf-compiler), else the first one on PATH. Throws PROTOC_MISSING. */
export function findProtoc(candidates: readonly string[] = defaultCandidates()): string {
  const found = candidates.find(executable);
  if (found === undefined) throw new Error(PROTOC_MISSING);
  return found;
}

/** Runs protoc with `args`, feeding `input` on stdin; resolves stdout as bytes. Rejects with stderr on a non-zero exit. */
export function runProtoc(protoc: string, args: readonly string[], input: Uint8Array | string, signal?: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(protoc, [...args], { encoding: 'buffer', cwd: REPO_ROOT, timeout: 10_000, ...(signal ? { signal } : {}) }, (err, stdout, stderr) => {
      if (err) reject(new Error(`protoc ${args.join(' ')} failed: ${stderr.toString('utf8')}`, { cause: err }));
      else resolve(stdout);
    });
    child.stdin?.end(input);
  });
}

const SCHEMA_ARGS = ['--proto_path=protocols', 'protocols/telemed.proto'] as const;

/** `protoc --decode=telemed.v1.Envelope`: our bytes to protoc's text format. */
export async function protocDecodeEnvelope(protoc: string, bytes: Uint8Array): Promise<string> {
  return (await runProtoc(protoc, ['--decode=telemed.v1.Envelope', ...SCHEMA_ARGS], bytes)).toString('utf8');
}

/** `protoc --encode=telemed.v1.Envelope`: text format to protoc's (canonical) bytes. */
export async function protocEncodeEnvelope(protoc: string, text: string): Promise<Uint8Array> {
  return new Uint8Array(await runProtoc(protoc, ['--encode=telemed.v1.Envelope', ...SCHEMA_ARGS], text));
}

/** Trimmed non-empty lines of protoc's text output, for "contains this line" checks. */
export function textLines(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
}
