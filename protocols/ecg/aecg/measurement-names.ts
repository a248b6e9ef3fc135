// One name per global ECG measurement across formats: aECG writes MDC terms (ISO/IEEE 11073-10102
// annotated ECG), DICOM writers put free text in the concept's meaning ("PR Interval"), SCP-ECG
// has fixed fields. Readers map all of them to the names the SCP reader uses; the aECG writer maps
// back to the MDC term. Unknown names pass through unchanged.

interface Known { mdc: string; name: string; unit: string }

const TABLE: readonly Known[] = [
  { mdc: 'MDC_ECG_TIME_PD_P', name: 'P duration', unit: 'ms' },
  { mdc: 'MDC_ECG_TIME_PD_PR', name: 'PR interval', unit: 'ms' },
  { mdc: 'MDC_ECG_TIME_PD_QRS', name: 'QRS duration', unit: 'ms' },
  { mdc: 'MDC_ECG_TIME_PD_QT', name: 'QT interval', unit: 'ms' },
  { mdc: 'MDC_ECG_TIME_PD_QTc', name: 'QTc interval', unit: 'ms' },
  { mdc: 'MDC_ECG_TIME_PD_RR', name: 'RR interval', unit: 'ms' },
  { mdc: 'MDC_ECG_TIME_PD_PP', name: 'PP interval', unit: 'ms' },
  { mdc: 'MDC_ECG_ANGLE_P_FRONT', name: 'P axis', unit: 'deg' },
  { mdc: 'MDC_ECG_ANGLE_QRS_FRONT', name: 'QRS axis', unit: 'deg' },
  { mdc: 'MDC_ECG_ANGLE_T_FRONT', name: 'T axis', unit: 'deg' },
  { mdc: 'MDC_ECG_HEART_RATE', name: 'ventricular rate', unit: 'bpm' },
];

const BY_KEY = new Map<string, Known>();
for (const k of TABLE) {
  BY_KEY.set(k.mdc.toUpperCase(), k);
  BY_KEY.set(k.name.toUpperCase(), k);
}
// Spellings seen in DICOM annotations and cart exports.
for (const [alias, mdc] of [['QRS INTERVAL', 'MDC_ECG_TIME_PD_QRS'], ['QTC', 'MDC_ECG_TIME_PD_QTc'], ['HEART RATE', 'MDC_ECG_HEART_RATE'], ['VENT RATE', 'MDC_ECG_HEART_RATE']] as const) {
  const k = BY_KEY.get(mdc.toUpperCase());
  if (k !== undefined) BY_KEY.set(alias, k);
}

/**
 * The common name and unit of a measurement given a source's name or MDC code and unit. An axis
 * labelled in a time unit is in degrees (ECGToolkit's DICOM writer labels axes "ms").
 */
export function normaliseMeasurement(nameOrCode: string, unit: string): { name: string; unit: string } {
  const k = BY_KEY.get(nameOrCode.trim().replace(/\s+/g, ' ').toUpperCase());
  if (k === undefined) return { name: nameOrCode, unit };
  const u = k.unit === 'deg' && /^(ms|s)$/i.test(unit) ? 'deg' : unit === '' ? k.unit : unit;
  return { name: k.name, unit: u };
}

/** The MDC term for a measurement name, or null when it has none in our table. */
export function mdcOfMeasurement(name: string): string | null {
  return BY_KEY.get(name.trim().toUpperCase())?.mdc ?? null;
}
