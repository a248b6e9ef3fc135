import { describe, expect, it } from 'vitest';
import type { DiagnosisView } from '../../../shared/types.js';
import { asDiagnosis } from '../../../shared/ecg/views.js';
import { signatureView } from './signature-status.js';

const dx = (extra: Partial<DiagnosisView>): DiagnosisView => ({
  diagnosisId: 'd', readerName: 'dr.li', statements: [], text: '', signedAt: '', critical: false, revision: 1, signatureAlg: 'ed25519', signature: 'ab', ...extra,
});

describe('signatureView', () => {
  it('reads as signed only when verified; unverified, no key and legacy say so', () => {
    expect(signatureView(dx({ verification: 'verified' }))).toEqual({ label: 'signed by dr.li, verified', tone: 'ok', code: null });
    expect(signatureView(dx({ verification: 'unverified' }))).toMatchObject({ tone: 'bad', code: 'TM_WARN_DIAGNOSIS_UNVERIFIED', label: expect.stringMatching(/^UNVERIFIED/) as unknown });
    expect(signatureView(dx({ verification: 'no-key' })).label).toBe('not verifiable (no hub key enrolled)');
    expect(signatureView(dx({ verification: 'legacy', signatureAlg: 'hmac-sha256' })).label).toBe('not verifiable (legacy hmac-sha256 report)');
  });

  it('a report without a check (or with a value the page does not know) is never shown as signed', () => {
    expect(signatureView(dx({})).tone).toBe('bad');
    const parsed = asDiagnosis({ ...dx({}), verification: 'trusted-because-i-say-so' });
    expect(parsed?.verification).toBeUndefined();
    expect(signatureView(parsed ?? dx({})).label).toMatch(/^UNVERIFIED/);
    expect(asDiagnosis({ ...dx({}), verification: 'verified' })?.verification).toBe('verified');
  });
});
