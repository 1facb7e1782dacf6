/**
 * Structured JSON logs (pino) for controllers. Every line about an object carries its kind,
 * namespace, name and, once known, the revision, so one object's story is one query away.
 *
 * Secrets are kept out in three ways: fields with secret-looking names are censored wherever they
 * sit (up to three levels deep), Secret objects lose `data`/`stringData`, and errors are serialised
 * from a short allow-list of fields with their messages scrubbed (client-node's errors carry whole
 * responses, and pino's default serialiser would print every field and cause).
 */
import { type DestinationStream, type Logger, type LoggerOptions as PinoOptions, pino } from 'pino';
import { httpStatusOf, ReconcileError } from './errors.js';
import { REDACTED, redactText } from './redact.js';

export type { Logger } from 'pino';

/** Field names censored at any of the first three levels of a log line. */
export const SECRET_FIELD_NAMES = [
  'password',
  'token',
  'bearerToken',
  'secret',
  'privateKey',
  'authorization',
  'Authorization',
  'cookie',
] as const;

const REDACT_PATHS = SECRET_FIELD_NAMES.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]);

export interface CreateLoggerOptions {
  /** pino level: trace, debug, info, warn, error, fatal or silent. Default info. */
  level?: string;
  /** The controller; added to every line as `controller`. */
  controller?: string;
  /** Where lines go. Default stdout. */
  destination?: DestinationStream;
  /** More pino redact paths, e.g. `spec.credentials`. */
  redactPaths?: readonly string[];
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const pinoOptions: PinoOptions = {
    level: options.level ?? 'info',
    // Pod name and pid come from the log collector; a controller name is what tells streams apart.
    base: options.controller === undefined ? {} : { controller: options.controller },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => withoutSecretData(object, 0) as Record<string, unknown>,
    },
    serializers: { err: serializeError, error: serializeError },
    redact: { paths: [...REDACT_PATHS, ...(options.redactPaths ?? [])], censor: REDACTED },
  };
  return options.destination === undefined ? pino(pinoOptions) : pino(pinoOptions, options.destination);
}

/** The object a log line is about. */
export interface LoggedObject {
  kind: string;
  namespace?: string;
  name: string;
  /** The source revision being reconciled, e.g. `main@sha1:4f2a…`. */
  revision?: string;
}

/** A child logger whose every line names `object` (and its revision, if given). */
export function forObject(log: Logger, object: LoggedObject): Logger {
  return log.child({
    kind: object.kind,
    ...(object.namespace === undefined ? {} : { namespace: object.namespace }),
    name: object.name,
    ...(object.revision === undefined ? {} : { revision: object.revision }),
  });
}

const MAX_SECRET_SEARCH_DEPTH = 3;

/** Copies `value` with `data` and `stringData` of any Secret censored; unchanged parts are shared. */
function withoutSecretData(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null || depth > MAX_SECRET_SEARCH_DEPTH) return value;
  if (value instanceof Error) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, index) => {
      const cleaned = withoutSecretData(item, depth + 1);
      if (cleaned !== item) {
        copy ??= [...value];
        copy[index] = cleaned;
      }
    });
    return copy ?? value;
  }
  const record = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  if (record.kind === 'Secret') {
    copy = { ...record };
    if ('data' in copy) copy.data = REDACTED;
    if ('stringData' in copy) copy.stringData = REDACTED;
  }
  for (const [key, item] of Object.entries(record)) {
    if (copy !== undefined && (key === 'data' || key === 'stringData')) continue;
    const cleaned = withoutSecretData(item, depth + 1);
    if (cleaned !== item) {
      copy ??= { ...record };
      copy[key] = cleaned;
    }
  }
  return copy ?? value;
}

const MAX_CAUSE_DEPTH = 5;

interface SerializedError {
  type: string;
  message: string;
  stack?: string;
  reason?: string;
  stalling?: boolean;
  code?: number;
}

/** Serialises an error from an allow-list of fields, with causes folded into the message. */
export function serializeError(value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const messages: string[] = [];
  let current: unknown = value;
  for (let depth = 0; current instanceof Error && depth <= MAX_CAUSE_DEPTH; depth++) {
    if (current.message !== '') messages.push(current.message);
    current = current.cause;
  }
  const serialized: SerializedError = {
    type: value.name,
    message: redactText(messages.join(': ')),
  };
  if (value.stack !== undefined) serialized.stack = redactText(value.stack);
  if (value instanceof ReconcileError) {
    serialized.reason = value.reason;
    serialized.stalling = value.stalling;
  }
  const code = httpStatusOf(value);
  if (code !== undefined) serialized.code = code;
  return serialized;
}
