// `telemed ecg detect|import` as a child process, the way a user or a script runs it.
import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { sharedDataPath } from '../helpers/shared-data.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = (args: string[]): Promise<{ stdout: string; stderr: string }> =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', join(repo, 'bin', 'telemed.ts'), ...args], { cwd: repo });

describe('telemed ecg', () => {
  it('detect --json prints the sample rate and the beat sample indices of a WFDB record', async () => {
    const rec = join(sharedDataPath('wfdb-c-checkpkg', 'data'), '100s');
    const out = JSON.parse((await run(['ecg', 'detect', rec, '--json'])).stdout) as { sampleRateHz: number; beats: number[] };
    expect(Object.keys(out)).toEqual(['sampleRateHz', 'beats']);
    expect(out.sampleRateHz).toBe(360);
    // 100s holds 74 annotated beats; the first is at sample 77.
    expect(out.beats).toHaveLength(74);
    expect(Math.abs((out.beats[0] ?? 0) - 77)).toBeLessThan(54);
  });

  it('import --json prints the internal record summary; a missing record fails with its code', async () => {
    const hea = join(sharedDataPath('wfdb-python-sample-data'), 's0010_re.hea');
    const out = JSON.parse((await run(['ecg', 'import', hea, '--json'])).stdout) as { leads: { lead: string }[]; sampleRateHz: number };
    expect(out.sampleRateHz).toBe(1000);
    expect(out.leads.map((l) => l.lead).slice(0, 3)).toEqual(['I', 'II', 'III']);
    const err = await run(['ecg', 'detect', join(repo, 'no-such-record')]).catch((e: unknown) => e as { code: number; stderr: string });
    expect(err).toMatchObject({ code: 1 });
    expect((err as { stderr: string }).stderr).toContain('TM_ERR_WFDB_MISSING_FILE');
  });
});
