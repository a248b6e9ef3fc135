// Test and bench helper: a 10 s 18-lead record from the cart simulator's model, as the gateway
// would assemble it (simulators may be imported by tests and benches, never by product code).
import { RecordAssembler } from '../../../devices/ecg-cart/record-assembler.js';
import { CART_LEADS } from '../../../protocols/ecg-cart/index.js';
import type { EcgRecord } from '../../../protocols/ecg/record.js';
import { EcgModel, type EcgModelOptions } from '../../../simulators/ecg-cart/ecg-model.js';
import { cartRecordToEcgRecord } from '../../ecg/cart-record.js';

/** Renders `durationS` of the model (default 10 s) into an EcgRecord; `leadOff` is a CART_LEADS bitmap. */
export function simulatedRecord(o: EcgModelOptions & { durationS?: number; leadOff?: number }): EcgRecord {
  const model = new EcgModel(o);
  if (o.leadOff !== undefined) model.setLeadOff(o.leadOff);
  const n = Math.round((o.durationS ?? 10) * model.sampleRateHz);
  const a = new RecordAssembler(`sim-${o.rhythm ?? 'sinus'}-${o.seed}`, 'SIM-PATIENT', 0, {
    sampleRateHz: model.sampleRateHz, uvPerCount: model.uvPerCount, leads: CART_LEADS,
  });
  a.add(0, n, model.next(n));
  return cartRecordToEcgRecord(a.finish(n, false));
}
