import { Type } from '@sinclair/typebox';

// The `vitals` section of the gateway config (docs/CONTRACTS.md "Gateway config: vitals"), kept
// here beside the engine that reads it; gateway/config.ts embeds it.

const Priority = Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')]);

const AlarmLimitSchema = Type.Object(
  {
    /** IEEE 11073-10101 reference id of the numeric, e.g. "MDC_PULS_OXIM_SAT_O2". */
    code: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_]+$' }),
    /** Label in the alarm text and on the page, e.g. "SpO2". */
    label: Type.String({ minLength: 1, maxLength: 32 }),
    /** UCUM unit of the limits; a numeric in another unit is not compared. */
    unit: Type.String({ maxLength: 32 }),
    low: Type.Union([Type.Number(), Type.Null()], { default: null }),
    high: Type.Union([Type.Number(), Type.Null()], { default: null }),
    lowPriority: Type.Optional(Priority),
    highPriority: Type.Optional(Priority),
    /** Clear only once back past the limit by this much (unit of the limit). */
    hysteresis: Type.Number({ minimum: 0, default: 0 }),
    /** Debounce of this parameter, ms; absent: `vitals.alarms.delayMs`. */
    delayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
  },
  { additionalProperties: false },
);

export const VitalsConfigSchema = Type.Object(
  {
    alarms: Type.Object(
      {
        /** Per-parameter limits; null: the adult defaults (gateway/vitals/alarm-limits.ts ADULT_LIMITS). A list replaces them all. */
        limits: Type.Union([Type.Array(AlarmLimitSchema, { maxItems: 64 }), Type.Null()], { default: null }),
        /** A limit violation must hold this long before it is raised, ms. */
        delayMs: Type.Integer({ minimum: 0, maximum: 600_000, default: 5000 }),
        /** An invalid value (probe off, "not available") must persist this long before the technical alarm, ms. */
        technicalDelayMs: Type.Integer({ minimum: 0, maximum: 600_000, default: 5000 }),
        /** A device that sent data and then nothing for this long raises TM_ALARM_NO_DATA, ms. */
        noDataMs: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 10_000 }),
        /**
         * Cleared episodes stay in `<dataDir>/alarms.db` (and on the page after a restart) this long, ms;
         * active ones stay until they clear. At most 10 000 cleared episodes are kept whatever the age.
         */
        retainClosedMs: Type.Integer({ minimum: 60_000, maximum: 30 * 86_400_000, default: 86_400_000 }),
      },
      { default: {}, additionalProperties: false },
    ),
    /**
     * Keep a recorded copy of every live waveform in the durable outbox, sent as BULK on
     * `<device>/rec/<stream>` (backfilled after an outage). null: on for `siteKind: ambulance`.
     */
    recordWaveforms: Type.Union([Type.Boolean(), Type.Null()], { default: null }),
    /** Length of one recorded waveform window, s (windows start at multiples of it in sample index). */
    recordWindowS: Type.Integer({ minimum: 1, maximum: 60, default: 10 }),
    /** Most samples in one recorded frame (a window is cut into frames of at most this many). */
    recordMaxSamples: Type.Integer({ minimum: 64, maximum: 65_536, default: 2500 }),
  },
  { default: {}, additionalProperties: false },
);

/** Problems the schema cannot state: a low limit at or above the high one, a code listed twice. */
export function vitalsConfigProblems(v: { alarms: { limits: readonly { code: string; low: number | null; high: number | null; hysteresis: number }[] | null } }): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const l of v.alarms.limits ?? []) {
    if (seen.has(l.code)) out.push(`/vitals/alarms/limits: "${l.code}" is listed twice`);
    seen.add(l.code);
    if (l.low !== null && l.high !== null && l.low + l.hysteresis >= l.high - l.hysteresis) {
      out.push(`/vitals/alarms/limits: "${l.code}" low ${l.low} and high ${l.high} overlap with hysteresis ${l.hysteresis}`);
    }
  }
  return out;
}
