import type { Tone } from '../../../shared/components.js';
import type { DiagnosisView } from '../../../shared/types.js';

/** How the clinic page states a report's signature (issue 12 item 11): words first, tone second. */
export interface SignatureView {
  label: string;
  tone: Tone;
  /** Stable warning code for an UNVERIFIED report, else null. */
  code: string | null;
}

/**
 * Only a report whose Ed25519 signature the gateway verified against its enrolled hub key reads as
 * signed; anything else says why it cannot be trusted as the hospital's report.
 */
export function signatureView(d: DiagnosisView): SignatureView {
  switch (d.verification) {
    case 'verified':
      return { label: `signed by ${d.readerName}, verified`, tone: 'ok', code: null };
    case 'no-key':
      return { label: 'not verifiable (no hub key enrolled)', tone: 'warn', code: null };
    case 'legacy':
      return { label: `not verifiable (legacy ${d.signatureAlg || 'unsigned'} report)`, tone: 'warn', code: null };
    default:
      // 'unverified', or a gateway that did not say: never presented as the hospital's signature.
      return { label: 'UNVERIFIED: signature does not match the hospital\'s key; confirm with the hospital', tone: 'bad', code: 'TM_WARN_DIAGNOSIS_UNVERIFIED' };
  }
}
