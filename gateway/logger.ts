import { pino, type Logger, type LoggerOptions } from 'pino';

/**
 * Paths pino censors in every gateway log line. Credentials and patient references must never
 * reach a log (DESIGN.md §7); listing both the bare and nested forms covers `log.info({ hello })`
 * as well as `log.info({ credential })`.
 */
export const REDACT_PATHS: readonly string[] = [
  'credential', '*.credential', '*.*.credential',
  'patientRef', '*.patientRef', '*.*.patientRef',
  'patient_ref', '*.patient_ref', '*.*.patient_ref',
  'patientName', '*.patientName', '*.*.patientName',
  'secret', '*.secret', 'token', '*.token',
];

/** Builds the gateway's root logger. `destination` lets tests capture output. */
export function createGatewayLogger(opts: LoggerOptions = {}, destination?: pino.DestinationStream): Logger {
  const options: LoggerOptions = {
    name: 'telemed-gateway',
    level: 'info',
    ...opts,
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
