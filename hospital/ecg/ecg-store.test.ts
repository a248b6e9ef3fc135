import { afterEach, describe, expect, it } from 'vitest';
import { SqliteRecordsStore } from '../store/sqlite-store.js';
import { EcgErrorCode } from './errors.js';
import type { AssembledRecord } from './reassembler.js';

const rec = (corruptCode: EcgErrorCode | null, bytes: number): AssembledRecord => ({
  gatewayId: 'gw-a', recordId: 'R1', contentType: 'application/x-telemed-ecg-int16le;leads=2;rate=500', patientRef: 'P-1',
  blob: new Uint8Array(bytes).fill(1), corruptCode,
});

describe('EcgStore.put (issue 12 item 4)', () => {
  const store = new SqliteRecordsStore(':memory:');
  afterEach(() => store.ecg.db.exec('DELETE FROM ecg_records'));

  it('a verified complete copy replaces a corrupt row (same row id, claim kept); nothing replaces a verified row', () => {
    const evicted = store.ecg.put(rec(EcgErrorCode.EVICTED, 100), 1000);
    expect(evicted).toMatchObject({ corruptCode: EcgErrorCode.EVICTED, byteSize: 100 });
    expect(store.ecg.claim(evicted!.id, 'dr.li').ok).toBe(true);
    // A second corrupt copy changes nothing.
    expect(store.ecg.put(rec(EcgErrorCode.CHUNK_GAP, 50), 2000)).toBeUndefined();
    const full = store.ecg.put(rec(null, 400), 3000);
    expect(full).toMatchObject({ id: evicted!.id, corruptCode: null, byteSize: 400, status: 'in_reading', claimedBy: 'dr.li' });
    expect(store.ecg.blob(evicted!.id)?.blob.byteLength).toBe(400);
    // Once verified, neither a corrupt nor another verified copy overwrites it.
    expect(store.ecg.put(rec(EcgErrorCode.HASH_MISMATCH, 10), 4000)).toBeUndefined();
    expect(store.ecg.put(rec(null, 20), 5000)).toBeUndefined();
    expect(store.ecg.get(evicted!.id)).toMatchObject({ byteSize: 400, corruptCode: null });
  });
});
