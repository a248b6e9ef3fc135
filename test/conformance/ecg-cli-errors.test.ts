// `telemed ecg` argument handling and write failures (issue 13, defect 6), as a user runs it.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedDataPath } from '../helpers/shared-data.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
type Run = { code: number; stdout: string; stderr: string };
const run = (args: string[]): Promise<Run> =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', join(repo, 'bin', 'telemed.ts'), ...args], { cwd: repo, maxBuffer: 64 << 20 })
    .then((r) => ({ code: 0, ...r }), (e: unknown) => e as Run);

const tmp = mkdtempSync(join(tmpdir(), 'telemed-ecg-cli-err-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const rec100s = join(sharedDataPath('wfdb-c-checkpkg', 'data'), '100s');

describe('telemed ecg: coded one-line errors and options', () => {
  it.each([
    ['a missing folder', () => join(tmp, 'no-such-dir', 'x.dcm'), 'ENOENT'],
    ['a directory', () => tmp, 'EISDIR'],
  ])('export --out into %s fails with TM_ERR_ECG_WRITE on one line, no stack trace', async (_what, out, errno) => {
    const r = await run(['ecg', 'export', rec100s, '--format', 'dicom', '--out', out()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^telemed: TM_ERR_ECG_WRITE: cannot write .*${errno}.*\\n$`));
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it.each([['detect'], ['import'], ['export']])('ecg %s --help prints the help (exit 0), not "--help needs a value"', async (sub) => {
    const r = await run(['ecg', sub, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('usage: telemed ecg');
    expect(r.stdout).toContain('--frames FROM:TO');
  });

  it('--frames reads a frame range of the multi-segment 237s record, which is too long to load whole', async () => {
    const rec = join(sharedDataPath('wfdb-c-checkpkg', 'checkpkg', 'input'), '237s');
    const whole = await run(['ecg', 'import', rec, '--json']);
    expect(whole.stderr).toContain('TM_ERR_WFDB_DATA_LIMIT');
    // The last two segments (237s1, 237s2) after the 4 195 000-frame gap: 2 500 + 6 250 frames.
    const part = await run(['ecg', 'import', rec, '--json', '--frames', '4197500:4206250']);
    expect(part.stderr).toBe('');
    const s = JSON.parse(part.stdout) as { frames: number; sampleRateHz: number; leads: { samples: number; sampleRateHz: number }[] };
    expect(s.sampleRateHz).toBe(125);
    expect(s.frames).toBe(8750);
    // 237s holds its ECG at 4 samples per frame (500 Hz).
    expect(s.leads[0]).toMatchObject({ sampleRateHz: 500, samples: 35000 });
  });

  it('--frames cuts a single-segment record, and export writes only that range', async () => {
    const s = JSON.parse((await run(['ecg', 'import', rec100s, '--json', '--frames', '360:1080'])).stdout) as { frames: number; leads: { samples: number }[] };
    expect(s.frames).toBe(720);
    expect(s.leads.map((l) => l.samples)).toEqual([720, 720]);
    const out = join(tmp, 'cut.xml');
    expect((await run(['ecg', 'export', rec100s, '--format', 'aecg', '--out', out, '--frames', ':720'])).code).toBe(0);
    const back = JSON.parse((await run(['ecg', 'import', out, '--json'])).stdout) as { frames: number };
    expect(back.frames).toBe(720);
  });

  it('a malformed --frames is a usage error', async () => {
    const r = await run(['ecg', 'import', rec100s, '--frames', '10-20']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^telemed: TM_ERR_USAGE: --frames takes FROM:TO/);
  });
});
