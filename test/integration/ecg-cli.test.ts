// `telemed ecg detect|import|export` as a child process, the way a user or a script runs it.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedDataPath } from '../helpers/shared-data.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = (args: string[]): Promise<{ stdout: string; stderr: string }> =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', join(repo, 'bin', 'telemed.ts'), ...args], { cwd: repo });
const failure = (args: string[]): Promise<{ code: number; stderr: string }> =>
  run(args).then(() => ({ code: 0, stderr: '' }), (e: unknown) => e as { code: number; stderr: string });

interface Summary { source: string; sampleRateHz: number; frames: number; startTime: string | null; leads: { lead: string; samples: number; gain: number; units: string }[]; patient: Record<string, unknown> }
const tmp = mkdtempSync(join(tmpdir(), 'telemed-ecg-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

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
    const err = await failure(['ecg', 'detect', join(repo, 'no-such-record')]);
    expect(err).toMatchObject({ code: 1 });
    expect(err.stderr).toContain('TM_ERR_WFDB_MISSING_FILE');
  });

  it.each([
    ['ecgtoolkit-examples', 'Example.xml', 'hl7-aecg', 500, 5000],
    ['ecg-kit-recordings', 'ecg_hl7.xml', 'hl7-aecg', 500, 5000],
    ['ecgtoolkit-examples', 'Example.dcm', 'dicom', 500, 5000],
    ['ecgtoolkit-examples', 'Example.scp', 'scp-ecg', 500, 5000],
    ['pydicom-waveform', 'waveform_ecg.dcm', 'dicom', 1000, 10000],
  ])('import --json %s/%s: %s, %d Hz, %d frames, no patient identifiers', async (folder, name, source, fs, frames) => {
    const { stdout } = await run(['ecg', 'import', join(sharedDataPath(folder), name), '--json']);
    const out = JSON.parse(stdout) as Summary;
    expect(out).toMatchObject({ source, sampleRateHz: fs, frames });
    expect(out.leads).toHaveLength(12);
    expect(stdout).not.toMatch(/SBJ-123|Clark|642341/);
  });

  it('import of an unknown file fails with TM_ERR_ECG_FORMAT', async () => {
    const err = await failure(['ecg', 'import', join(sharedDataPath('ecgtoolkit-examples'), 'GROUND_TRUTH.txt')]);
    expect(err.code).toBe(1);
    expect(err.stderr).toContain('TM_ERR_ECG_FORMAT');
  });

  it.each(['aecg', 'dicom'])('export --format %s writes a file that imports back to the same record', async (format) => {
    const src = join(sharedDataPath('pydicom-waveform'), 'waveform_ecg.dcm');
    const out = join(tmp, `w.${format}`);
    await run(['ecg', 'export', src, '--format', format, '--out', out]);
    expect(readFileSync(out).length).toBeGreaterThan(1000);
    const a = JSON.parse((await run(['ecg', 'import', src, '--json'])).stdout) as Summary;
    const b = JSON.parse((await run(['ecg', 'import', out, '--json'])).stdout) as Summary;
    expect(b.source).toBe(format === 'aecg' ? 'hl7-aecg' : 'dicom');
    expect({ ...b, id: undefined, source: undefined }).toEqual({ ...a, id: undefined, source: undefined });
  });

  it('export without --format/--out is a usage error', async () => {
    const err = await failure(['ecg', 'export', join(sharedDataPath('pydicom-waveform'), 'waveform_ecg.dcm'), '--format', 'pdf', '--out', join(tmp, 'x')]);
    expect(err.stderr).toContain('TM_ERR_USAGE');
  });
});
