#!/usr/bin/env node
// tsc emits only what it compiles; these runtime files ride along into dist/ unchanged.
import { cpSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const assets = [
  'protocols/generated/telemed.js',
  'protocols/generated/telemed.d.ts',
  'protocols/telemed.proto',
  'simulators/link/profiles.json',
];
for (const a of assets) cpSync(join(root, a), join(root, 'dist', a));
