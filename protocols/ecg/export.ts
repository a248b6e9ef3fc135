// The export entry point: one record, one of the file formats we write.
import { exportAecg } from './aecg/write.js';
import { exportDicomEcg } from './dicom/write.js';
import type { EcgRecord } from './record.js';

export { exportAecg } from './aecg/write.js';
export { exportDicomEcg, sopClassFor } from './dicom/write.js';

export type EcgExportFormat = 'aecg' | 'dicom';

/** Writes the record as HL7 aECG (UTF-8 XML bytes) or DICOM Part 10. Throws the writer's coded error when the record does not fit. */
export function exportEcg(record: EcgRecord, format: EcgExportFormat): Uint8Array {
  return format === 'aecg' ? new TextEncoder().encode(exportAecg(record)) : exportDicomEcg(record);
}

/** File extension conventionally used for a format. */
export function exportExtension(format: EcgExportFormat): string {
  return format === 'aecg' ? '.xml' : '.dcm';
}
