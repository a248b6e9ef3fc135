// The independent validators of the ECG exports, run as the Debian packages install them: xmllint
// (libxml2-utils) with the HL7 aECG schema, dciodvfy (dicom3tools), and pydicom (python3-pydicom).
// A missing tool fails with the command that installs it; nothing is skipped.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { sharedDataPath } from '../helpers/shared-data.js';

const run = promisify(execFile);

const TOOLS: Readonly<Record<string, string>> = {
  '/usr/bin/xmllint': 'libxml2-utils',
  '/usr/bin/dciodvfy': 'dicom3tools',
  '/usr/bin/python3': 'python3-pydicom',
};

/** Throws, naming the Debian package and `npm run test:setup`, when a validator is not installed. */
export function requireTool(path: string): string {
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: install Debian ${TOOLS[path] ?? 'its package'} (npm run test:setup, or apt-get install -y ${TOOLS[path] ?? ''})`);
  }
  return path;
}

/** xmllint --schema with the shared PORT_MT020001.xsd; exit status 0 = valid (GROUND_TRUTH.txt: decide on it, not stderr). */
export async function xmllintSchema(file: string): Promise<{ valid: boolean; output: string }> {
  const xsd = sharedDataPath('hl7-aecg-schema', 'PORT_MT020001.xsd');
  try {
    const r = await run(requireTool('/usr/bin/xmllint'), ['--noout', '--nonet', '--schema', xsd, file], { maxBuffer: 16 << 20 });
    return { valid: true, output: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { valid: false, output: (e.stderr ?? '').split('\n').filter((l) => !l.includes('Schemas parser warning')).slice(0, 20).join('\n') };
  }
}

/**
 * dciodvfy's warnings we accept, each with why (the same list is in protocols/ecg/README.md).
 * Anything else it prints as "Warning" or "Error" fails the suite.
 */
export const ACCEPTED_DCIODVFY_WARNINGS: readonly { pattern: RegExp; reason: string }[] = [
  {
    pattern: /^Warning - Missing attribute or value that would be needed to build DICOMDIR - Study ID$/,
    reason: 'Study ID (0020,0010) is type 2 and written empty: it is the ordering department\'s identifier, which a cart record does not carry',
  },
  {
    pattern: /^Warning - Missing attribute or value that would be needed to build DICOMDIR - Patient ID$/,
    reason: 'Patient ID (0010,0020) is type 2 and written empty when the source has no patient id (WFDB records); inventing one would be worse',
  },
  {
    pattern: /^Warning - Unrecognized defined term <99TELEMED> for value 1 of attribute <Coding Scheme Designator>$/,
    reason: 'measurements are coded in our local scheme 99TELEMED, named by their meaning; PS3.3 §8.2 reserves the "99" prefix for such private schemes',
  },
  {
    pattern: /^Warning - Value dubious for this VR - \(0x0010,0x0010\) PN Patient's Name {2}PN \[1\] = <[^>]*> - Retired Person Name form$/,
    reason: 'the record holds the name as one text (SCP-ECG, aECG give it so); splitting it into family^given would be a guess',
  },
];

/** Runs dciodvfy; returns its errors and the warnings not on the accepted list. */
export async function dciodvfy(file: string): Promise<{ errors: string[]; unaccepted: string[]; iod: string }> {
  let out: string;
  try {
    const r = await run(requireTool('/usr/bin/dciodvfy'), [file], { maxBuffer: 16 << 20 });
    out = `${r.stdout}\n${r.stderr}`;
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    out = `${e.stdout ?? ''}\n${e.stderr ?? ''}`;
  }
  const lines = out.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return {
    errors: lines.filter((l) => l.startsWith('Error')),
    unaccepted: lines.filter((l) => l.startsWith('Warning') && !ACCEPTED_DCIODVFY_WARNINGS.some((w) => w.pattern.test(l))),
    iod: lines.find((l) => /^[A-Za-z0-9]+ECG$/.test(l)) ?? '',
  };
}

/** What pydicom made of one DICOM file (pydicom-physical.py). */
export interface PydicomRead {
  sopClass: string;
  channels: number;
  samples: number;
  samplingFrequency: number;
  units: string[];
  /** Physical values, channel after channel. */
  values: Float64Array;
}

/** Runs pydicom-physical.py over the files (one Python start for all). */
export async function pydicomRead(files: string[], scriptPath: string, outDir: string): Promise<PydicomRead[]> {
  const python = requireTool('/usr/bin/python3');
  let stdout: string;
  try {
    stdout = (await run(python, [scriptPath, outDir, ...files], { maxBuffer: 16 << 20 })).stdout;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    if (stderr.includes("No module named 'pydicom'") || stderr.includes("No module named 'numpy'")) {
      throw new Error('pydicom is missing: install Debian python3-pydicom (npm run test:setup, or apt-get install -y python3-pydicom)', { cause: err });
    }
    throw err;
  }
  const { readFile } = await import('node:fs/promises');
  const lines = stdout.trim().split('\n');
  return Promise.all(lines.map(async (line, i) => {
    const meta = JSON.parse(line) as Omit<PydicomRead, 'values'>;
    const buf = await readFile(`${outDir}/${i}.f64`);
    return { ...meta, values: new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8) };
  }));
}
