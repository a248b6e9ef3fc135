import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The shared test data folder: $TELEMED_SHARED_DATA or <repo>/../shared/data. */
export function sharedDataDir(): string {
  const dir = process.env.TELEMED_SHARED_DATA ?? join(REPO, '..', 'shared', 'data');
  if (!existsSync(dir)) {
    throw new Error(`shared test data not found at ${dir}: set TELEMED_SHARED_DATA to the folder holding README.txt and the data sets`);
  }
  return dir;
}

/** A path inside the shared data folder; throws naming TELEMED_SHARED_DATA if it is missing. */
export function sharedDataPath(...parts: string[]): string {
  const p = join(sharedDataDir(), ...parts);
  if (!existsSync(p)) throw new Error(`shared test data file ${p} not found (TELEMED_SHARED_DATA=${process.env.TELEMED_SHARED_DATA ?? 'unset'})`);
  return p;
}
