#!/usr/bin/env node
// Runs groups of npm scripts at the same time; the scripts inside one group run in order.
//   node scripts/run-parallel.mjs lint typecheck,build
// runs `npm run lint` beside `npm run typecheck && npm run build`. Each group's output is printed
// whole when the group ends (no interleaved lines); the exit code is 1 if any script failed, and
// the failed scripts are named. Used by test:all: eslint's typed rules take ~45 s on one core, and
// the other core would otherwise sit idle during them.
import { spawn } from 'node:child_process';

const groups = process.argv.slice(2).map((g) => g.split(',').filter(Boolean));
if (groups.length === 0 || groups.some((g) => g.length === 0)) {
  console.error('usage: run-parallel.mjs SCRIPT[,SCRIPT...] [SCRIPT[,SCRIPT...] ...]');
  process.exit(2);
}

function runScript(name) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn('npm', ['run', '--silent', name], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => out.push(b));
    child.on('error', (err) => resolve({ name, code: 1, output: `${err.message}\n`, ms: Date.now() - started }));
    child.on('close', (code, signal) => resolve({ name, code: code ?? (signal ? 1 : 0), output: Buffer.concat(out).toString('utf8'), ms: Date.now() - started }));
  });
}

async function runGroup(names) {
  const results = [];
  for (const name of names) {
    const r = await runScript(name);
    results.push(r);
    process.stdout.write(`\n> npm run ${name} (${(r.ms / 1000).toFixed(1)} s, exit ${r.code})\n${r.output}`);
    if (r.code !== 0) break;
  }
  return results;
}

const all = (await Promise.all(groups.map(runGroup))).flat();
const failed = all.filter((r) => r.code !== 0).map((r) => r.name);
if (failed.length > 0) {
  console.error(`\nrun-parallel: failed: ${failed.join(', ')}`);
  process.exit(1);
}
