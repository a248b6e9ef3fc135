import { pino, type Logger, type LoggerOptions } from 'pino';

/**
 * Fields that must never reach a log line: gateway credentials, passwords, session tokens and
 * patient identifiers (DESIGN.md §7). Paths cover the field at top level and one or two levels
 * down, which is how our log calls nest them (`{ hello: { credential } }`).
 */
const SENSITIVE = ['credential', 'password', 'passwordHash', 'secret', 'secretHash', 'token', 'patientRef', 'patient_ref', 'patientId', 'patientName', 'authorization'];

export const REDACT_PATHS: readonly string[] = [
  ...SENSITIVE,
  ...SENSITIVE.map((f) => `*.${f}`),
  ...SENSITIVE.map((f) => `*.*.${f}`),
  'req.headers.authorization',
  'req.headers.cookie',
];

/** Strips the query string: `/live?token=...` would otherwise log a session token. */
function urlWithoutQuery(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const q = url.indexOf('?');
  return q < 0 ? url : `${url.slice(0, q)}?[Redacted]`;
}

interface ReqLike { method?: string; url?: string; id?: unknown; ip?: string }

export const SERIALIZERS = {
  req: (req: ReqLike) => ({ method: req.method, url: urlWithoutQuery(req.url), reqId: req.id, remoteAddress: req.ip }),
};

export const REDACT: NonNullable<LoggerOptions['redact']> = { paths: [...REDACT_PATHS], censor: '[Redacted]' };

/** A child of `parent` (or a fresh pino) that applies the hub's redaction and serializers. */
export function hospitalLogger(parent?: Logger): Logger {
  if (parent === undefined) return pino({ name: 'hospital', redact: REDACT, serializers: SERIALIZERS });
  return parent.child({}, { redact: REDACT, serializers: SERIALIZERS });
}
