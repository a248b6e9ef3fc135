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
  // Synchronous stdout: the gateway logs events, not frames, so the cost is small, and a crash or
  // SIGKILL must not eat the last lines that explain it (an async write still in the thread pool is
  // lost with the process).
  return pino(options, destination ?? pino.destination({ dest: 1, sync: true }));
}
