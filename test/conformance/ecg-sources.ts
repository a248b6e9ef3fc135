// Every shared ECG record the conformance suite exports: WFDB (single- and multi-segment, every
// storage format), SCP-ECG (standard and version 0), HL7 aECG and DICOM files from other tools.
// Records longer than MAX_SECONDS are cut to their first BOUND_SECONDS (a frame range), so the
// whole suite stays well inside a CI minute; each case says which frames it used.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadWfdbRecord } from '../../gateway/ecg/wfdb-files.js';
import { sliceRecord } from '../../protocols/ecg/frame-range.js';
import { readEcgFile } from '../../protocols/ecg/import.js';
import type { EcgRecord } from '../../protocols/ecg/record.js';
import { sharedDataPath } from '../helpers/shared-data.js';

/** Records longer than this are cut (MIT-BIH records are 30 min: 1.3 M samples a lead). */
export const MAX_SECONDS = 60;
/** Length of the cut: the first 30 s, three 10 s resting ECGs' worth. */
export const BOUND_SECONDS = 30;

export interface EcgSource {
  /** Folder/file as in the shared data. */
  name: string;
  path: string;
  /** A frame range to join for a multi-segment record too long to load whole. */
  join?: { fromFrame: number; toFrame: number };
}

const py = (f: string): EcgSource => ({ name: `wfdb-python-sample-data/${f}`, path: join(sharedDataPath('wfdb-python-sample-data'), f) });
const at = (folder: string, f: string): EcgSource => ({ name: `${folder}/${f}`, path: join(sharedDataPath(folder), f) });

/** 1003 is left out: the shared copy has its header and annotations but no signal file. */
export function ecgSources(): EcgSource[] {
  return [
    py('03700181'), py('100'), py('3000003_0003'), py('binformats'), py('flacformats'), py('s0010_re'), py('test01_00s'), py('v102s'),
    at('wfdb-c-checkpkg', 'data/100s'), at('wfdb-c-checkpkg', 'checkpkg/input/237s1'), at('wfdb-c-checkpkg', 'checkpkg/input/237s2'),
    // 237s: 4 206 250 frames (9.3 h) with a 4 195 000-frame gap; 56 s from the end of the gap (1 500
    // frames with no lead: missing samples in every format) across its two recorded segments.
    { ...at('wfdb-c-checkpkg', 'checkpkg/input/237s'), join: { fromFrame: 4_196_000, toFrame: 4_203_000 } },
    at('wfdb-c-checkpkg', 'checkpkg/expected/test'), at('wfdb-c-checkpkg', 'checkpkg/input/test.scp'),
    ...['105', '106', '107', '108', '119', '200', '203', '232'].map((r) => at('mitdb-shashanksrivas', r)),
    at('ecg-kit-recordings', '208'), at('ecg-kit-recordings', '800'), at('ecg-kit-recordings', 'ecg_hl7.xml'),
    at('ecgtoolkit-examples', 'Example.scp'), at('ecgtoolkit-examples', 'Example.xml'), at('ecgtoolkit-examples', 'Example.dcm'),
    at('pydicom-waveform', 'waveform_ecg.dcm'),
  ];
}

/** Loads a source as the CLI does, cut to BOUND_SECONDS when longer than MAX_SECONDS. */
export async function loadSource(src: EcgSource): Promise<EcgRecord> {
  const record = await readEcgFile(src.path, {
    readFile,
    loadWfdb: async (p) => (await loadWfdbRecord(p, src.join === undefined ? {} : { join: src.join })).record,
  });
  if (record.frames / record.sampleRateHz <= MAX_SECONDS) return record;
  return sliceRecord(record, 0, Math.round(BOUND_SECONDS * record.sampleRateHz));
}
