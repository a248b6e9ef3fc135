// Lossless ECG compression on real records: the EcgDocument's DIFF_RICE lead codec against gzip -9
// of the raw int16 samples (what a user would otherwise pick). Ratios are compressed bytes ÷ raw
// 16-bit bytes (2 bytes per sample of every channel). Target ≤ 0.5.
// Usage: npm run bench:ecg-compression -- [--json] [--data DIR]   (DIR default ../shared/data or $TELEMED_SHARED_DATA)
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadWfdbRecord } from '../gateway/ecg/wfdb-files.js';
import { decodeEcgDocument, encodeEcgDocument } from '../protocols/ecg/document/index.js';
import { type EcgRecord, INVALID_SAMPLE } from '../protocols/ecg/record.js';

const FOLDERS = ['mitdb-shashanksrivas', 'wfdb-python-sample-data', 'ecg-kit-recordings', 'wfdb-c-checkpkg/data'];

function rawInt16(r: EcgRecord): Buffer {
  const chans = [...r.leads, ...r.otherSignals];
  const total = chans.reduce((s, c) => s + c.samples.length, 0);
  const buf = Buffer.alloc(total * 2);
  let o = 0;
  for (const c of chans) {
    for (const v of c.samples) {
      // Wider formats are clamped for the baseline only; the codec itself keeps every bit.
      buf.writeInt16LE(v === INVALID_SAMPLE ? -32768 : Math.max(-32768, Math.min(32767, v)), o);
      o += 2;
    }
  }
  return buf;
}

const round = (x: number, d = 4): number => Number(x.toFixed(d));

async function main(argv: string[]): Promise<void> {
  const dataArg = argv.indexOf('--data');
  const dir = resolve(dataArg >= 0 ? (argv[dataArg + 1] ?? '') : (process.env.TELEMED_SHARED_DATA ?? join(import.meta.dirname, '..', '..', 'shared', 'data')));
  const rows: Record<string, unknown>[] = [];
  let raw = 0, ours = 0, gz = 0, samples = 0, encMs = 0, decMs = 0;
  for (const folder of FOLDERS) {
    let names: string[];
    try { names = readdirSync(join(dir, folder)).filter((f) => f.endsWith('.hea')).sort(); } catch { continue; }
    for (const hea of names) {
      const name = `${folder}/${hea.slice(0, -4)}`;
      let record: EcgRecord;
      try {
        record = (await loadWfdbRecord(join(dir, folder, hea))).record;
      } catch (err) {
        rows.push({ record: name, skipped: (err as { code?: string }).code ?? 'error' });
        continue;
      }
      const rawBuf = rawInt16(record);
      if (rawBuf.length === 0) continue;
      let t0 = performance.now();
      const doc = encodeEcgDocument(record, null);
      encMs += performance.now() - t0;
      t0 = performance.now();
      const back = decodeEcgDocument(doc).record;
      decMs += performance.now() - t0;
      const exact = [...record.leads, ...record.otherSignals].every((c, i) => {
        const d = [...back.leads, ...back.otherSignals][i]?.samples;
        return d !== undefined && Buffer.from(d.buffer, d.byteOffset, d.byteLength).equals(Buffer.from(c.samples.buffer, c.samples.byteOffset, c.samples.byteLength));
      });
      const g = gzipSync(rawBuf, { level: 9 }).length;
      raw += rawBuf.length; ours += doc.length; gz += g; samples += rawBuf.length / 2;
      rows.push({
        record: name, channels: record.leads.length + record.otherSignals.length, rateHz: record.sampleRateHz,
        rawBytes: rawBuf.length, documentBytes: doc.length, gzipBytes: g, ratio: round(doc.length / rawBuf.length), gzipRatio: round(g / rawBuf.length), exact,
      });
    }
  }
  const total = {
    records: rows.filter((r) => r.ratio !== undefined).length, rawBytes: raw, documentBytes: ours, gzipBytes: gz,
    ratio: round(ours / raw), gzipRatio: round(gz / raw), targetRatio: 0.5, pass: ours / raw <= 0.5 && rows.every((r) => r.exact !== false),
    encodeMsamplesPerS: round(samples / encMs / 1000, 2), decodeMsamplesPerS: round(samples / decMs / 1000, 2),
  };
  if (argv.includes('--json')) {
    process.stdout.write(JSON.stringify({ bench: 'ecg-compression', dataDir: dir, records: rows, total }) + '\n');
  } else {
    for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
    process.stdout.write(`total: ${JSON.stringify(total)}\n`);
  }
}

await main(process.argv.slice(2));
