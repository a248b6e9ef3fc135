import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeEcgDocument } from '../../protocols/ecg/document/index.js';
import { simulatedRecord } from '../analysis/findings/sim-record.js';
import { prepareEcgRecord } from './prepare.js';

describe('prepareEcgRecord', () => {
  it('carries the record and its analysis in the document, with its SHA-256', () => {
    const record = simulatedRecord({ seed: 11, rhythm: 'stemi' });
    const p = prepareEcgRecord(record);
    expect(p.contentType).toBe('application/x-telemed-ecg+protobuf');
    expect(p.recordId).toBe(record.id);
    expect(Buffer.from(p.sha256).toString('hex')).toBe(createHash('sha256').update(p.document).digest('hex'));
    const back = decodeEcgDocument(p.document);
    expect(back.record).toEqual(record);
    expect(back.analysis).toEqual(p.analysis);
    expect(p.critical).toBe(true);
    expect(p.analysis.priority).toBe(3);
    // 18 leads × 5000 samples × 2 bytes raw.
    expect(p.document.length).toBeLessThan(0.5 * 18 * 5000 * 2);
  });

  it('a normal record is not critical', () => {
    const p = prepareEcgRecord(simulatedRecord({ seed: 12 }));
    expect(p.critical).toBe(false);
    expect(p.analysis.priority).toBe(0);
  });
});
