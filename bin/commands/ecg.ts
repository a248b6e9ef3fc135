// `telemed ecg …`: ECG record tools. `detect RECORD [--json]` prints the detected beats of a WFDB
// record; `import FILE [--json]` prints the summary of the internal record read from a file.
import { analyseRecordQrs } from '../../gateway/analysis/qrs/index.js';
import { loadWfdbRecord } from '../../gateway/ecg/wfdb-files.js';
import type { EcgChannel, EcgRecord } from '../../protocols/ecg/record.js';
import { TelemedError } from '../../protocols/errors.js';

const HELP = `usage: telemed ecg <subcommand> [options]

subcommands:
  detect RECORD [--json]   QRS detection on a WFDB record (path without extension, or its .hea);
                           --json prints { sampleRateHz, beats: [sample indices] }
  import FILE [--json]     read a record (WFDB .hea or record path) and print its summary`;

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

async function loadRecord(path: string): Promise<EcgRecord> {
  // Other formats join here as their importers land; WFDB is recognised by its header.
  return (await loadWfdbRecord(path)).record;
}

export async function ecgCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  const json = rest.includes('--json');
  const target = rest.find((a) => !a.startsWith('--'));
  switch (sub) {
    case 'detect': {
      if (target === undefined) throw new TelemedError('TM_ERR_USAGE', `missing RECORD\n${HELP}`);
      const res = analyseRecordQrs(await loadRecord(target));
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
      const summary = recordSummary(await loadRecord(target));
      process.stdout.write((json ? JSON.stringify(summary) : JSON.stringify(summary, null, 2)) + '\n');
      return;
    }
    case undefined:
    case '--help':
    case '-h':
      process.stdout.write(HELP + '\n');
      return;
    default:
      throw new TelemedError('TM_ERR_USAGE', `unknown ecg subcommand "${sub}"\n${HELP}`);
  }
}
