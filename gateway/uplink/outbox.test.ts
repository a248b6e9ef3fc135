import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { MemoryOutbox } from './outbox.js';
import { outboxConformance } from './outbox.conformance.js';
import { SqliteOutbox } from './sqlite-outbox.js';

outboxConformance('MemoryOutbox', { make: (maxBytes) => new MemoryOutbox(maxBytes) });

outboxConformance('SqliteOutbox in memory', { make: (maxBytes) => new SqliteOutbox({ dataDir: ':memory:', maxBytes }) });

const root = mkdtempSync(join(tmpdir(), 'telemed-outbox-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const dirOf = new WeakMap<object, string>();
outboxConformance('SqliteOutbox on disk', {
  make: (maxBytes) => {
    const dataDir = join(root, String(n++));
    const box = new SqliteOutbox({ dataDir, maxBytes });
    dirOf.set(box, dataDir);
    return box;
  },
  reopen: (box, maxBytes) => {
    const dataDir = dirOf.get(box);
    if (dataDir === undefined) throw new Error('reopen of an outbox this factory did not make');
    box.close();
    const again = new SqliteOutbox({ dataDir, maxBytes });
    dirOf.set(again, dataDir);
    return again;
  },
});
