// `telemed ecg …`: ECG record tools. `detect RECORD [--json]` prints the detected beats of a
// record; `import FILE [--json]` prints the summary of the internal record read from any format we
// read; `export FILE --format aecg|dicom --out OUT` writes it as HL7 aECG or DICOM. `--frames FROM:TO`
// takes a frame range of any of them (a multi-segment WFDB record reads only the segments it needs).
import { readFile, writeFile } from 'node:fs/promises';
import { analyseRecordQrs } from '../../gateway/analysis/qrs/index.js';
import { loadWfdbRecord, recordBase } from '../../gateway/ecg/wfdb-files.js';
import { type EcgExportFormat, exportEcg } from '../../protocols/ecg/export.js';
import { parseFrameRange, sliceRecord } from '../../protocols/ecg/frame-range.js';
import { readEcgFile } from '../../protocols/ecg/import.js';
import type { EcgChannel, EcgRecord } from '../../protocols/ecg/record.js';
import { parseWfdbHeader } from '../../protocols/ecg/wfdb/index.js';
import { TelemedError } from '../../protocols/errors.js';

const HELP = `usage: telemed ecg <subcommand> [options]

subcommands:
  detect RECORD [--json]   QRS detection on a record (WFDB path without extension or .hea, or any
                           file import reads); --json prints { sampleRateHz, beats: [sample indices] }
  import FILE [--json]     read a record (SCP-ECG, HL7 aECG, DICOM, WFDB .hea or record path) and
                           print its summary (no patient identifiers)
  export FILE --format aecg|dicom --out OUT
                           read a record as import does and write it as HL7 aECG XML or DICOM

options:
  --frames FROM:TO         only frames FROM (inclusive) to TO (exclusive) at the record's base rate,
                           for records too long to load whole; either side may be left empty
  --json                   machine-readable output (detect, import)
  -h, --help               this help

errors: one line "telemed: TM_ERR_<CODE>: message" on stderr, exit status 1 (TM_ERR_ECG_WRITE: the
output file could not be written; TM_ERR_USAGE: bad arguments).`;

function channelSummary(c: EcgChannel): Record<string, unknown> {
  return { lead: c.lead, label: c.label, sampleRateHz: c.sampleRateHz, samples: c.samples.length, gain: c.gain, baseline: c.baseline, units: c.units };
}

/** Summary of a record for people and scripts; no patient identifiers. */
export function recordSummary(r: EcgRecord): Record<string, unknown> {
  return {
    id: r.id, source: r.source, sampleRateHz: r.sampleRateHz, frames: r.frames,
    durationS: r.frames / r.sampleRateHz, startTime: r.startTime,
    leads: r.leads.map(channelSummary), otherSignals: r.otherSignals.map(channelSummary),
    patient: { ageYears: r.patient.ageYears, sex: r.patient.sex }, device: r.device,
    measurements: r.measurements.length, statements: r.statements,
  };
}

type Frames = { from: number; to: number | null } | null;

async function loadRecord(path: string, frames: Frames): Promise<EcgRecord> {
  const join = frames === null ? undefined : { fromFrame: frames.from, ...(frames.to === null ? {} : { toFrame: frames.to }) };
  let joined = false;
  const record = await readEcgFile(path, {
    readFile,
    loadWfdb: async (p) => {
      // A multi-segment WFDB record joins only the segments in the range (the whole may not fit in
      // memory); the joined record is then the range already.
      const loaded = await loadWfdbRecord(p, join === undefined ? {} : { join });
      joined = join !== undefined && (await isMultiSegment(p));
      return loaded.record;
    },
  });
  return frames === null || joined ? record : sliceRecord(record, frames.from, frames.to);
}

async function isMultiSegment(recordPath: string): Promise<boolean> {
  return parseWfdbHeader((await readFile(`${recordBase(recordPath)}.hea`)).toString('latin1')).segments !== null;
}

/** Splits "--name value" options from positional arguments (--json is a flag). */
function parseArgs(args: string[]): { positional: string[]; options: Map<string, string>; flags: Set<string> } {
  const positional: string[] = [];
  const options = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--json' || a === '--help' || a === '-h') flags.add(a === '-h' ? '--help' : a);
    else if (a.startsWith('--')) {
      const v = args[i + 1];
      if (v === undefined) throw new TelemedError('TM_ERR_USAGE', `${a} needs a value\n${HELP}`);
      options.set(a.slice(2), v);
      i++;
    } else positional.push(a);
  }
  return { positional, options, flags };
}

class EcgWriteError extends TelemedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TM_ERR_ECG_WRITE', message, options);
    this.name = 'EcgWriteError';
  }
}

async function exportCommand(target: string | undefined, options: Map<string, string>, frames: Frames): Promise<void> {
  const format = options.get('format');
  const out = options.get('out');
  if (target === undefined || out === undefined || (format !== 'aecg' && format !== 'dicom')) {
    throw new TelemedError('TM_ERR_USAGE', `export needs FILE, --format aecg|dicom and --out OUT\n${HELP}`);
  }
  const bytes = exportEcg(await loadRecord(target, frames), format satisfies EcgExportFormat);
  try {
    await writeFile(out, bytes);
  } catch (err) {
    // A missing folder, a directory, no permission: one coded line like every other CLI failure.
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new EcgWriteError(`cannot write ${out}: ${code}${code === 'ENOENT' ? ' (no such folder)' : code === 'EISDIR' ? ' (is a directory)' : ''}`, { cause: err });
  }
  process.stdout.write(`wrote ${out} (${format}, ${bytes.length} bytes)\n`);
}

export async function ecgCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  const { positional, options, flags } = parseArgs(rest);
  const json = flags.has('--json');
  if (flags.has('--help')) {
    process.stdout.write(HELP + '\n');
    return;
  }
  const framesText = options.get('frames');
  const frames: Frames = framesText === undefined ? null : parseFrameRange(framesText);
  const target = positional[0];
  switch (sub) {
    case 'detect': {
      if (target === undefined) throw new TelemedError('TM_ERR_USAGE', `missing RECORD\n${HELP}`);
      const res = analyseRecordQrs(await loadRecord(target, frames));
      if (json) {
        process.stdout.write(JSON.stringify({ sampleRateHz: res.sampleRateHz, beats: res.beats }) + '\n');
      } else {
        const hr = res.rhythm.heartRateBpm;
        process.stdout.write(`${res.beats.length} beats at ${res.sampleRateHz} Hz on ${res.leadLabels.join(', ')}; `
          + `heart rate ${hr === null ? '-' : hr.toFixed(0)} bpm${res.rhythm.irregular ? ', irregular' : ''}, `
          + `${res.rhythm.pauses.length} pause(s)\n`);
      }
      return;
    }
    case 'import': {
      if (target === undefined) throw new TelemedError('TM_ERR_USAGE', `missing FILE\n${HELP}`);
      const summary = recordSummary(await loadRecord(target, frames));
      process.stdout.write((json ? JSON.stringify(summary) : JSON.stringify(summary, null, 2)) + '\n');
      return;
    }
    case 'export':
      await exportCommand(target, options, frames);
      return;
    case undefined:
    case '--help':
    case '-h':
      process.stdout.write(HELP + '\n');
      return;
    default:
      throw new TelemedError('TM_ERR_USAGE', `unknown ecg subcommand "${sub}"\n${HELP}`);
  }
}
