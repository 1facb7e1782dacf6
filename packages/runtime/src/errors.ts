/**
 * Reconcile errors, as fluxcd/pkg/runtime's serror: every failure carries the condition reason to
 * report and whether retrying can help.
 *
 * - Retryable: the world may change (a network error, a dependency not ready). Ready=False,
 *   Reconciling stays, and the key is retried with backoff.
 * - Stalling: nothing changes until the spec does (an invalid URL, a missing required field).
 *   Stalled=True and no retry; the next spec change enqueues the object again.
 *
 * Messages go into conditions, events and logs, so they are scrubbed of secrets when the error is
 * built (see redact.ts). `cause` keeps the original error for programs, not for display.
 */
import { Reason } from '@moor/api';
import { redactText } from './redact.js';

export interface ReconcileErrorOptions {
  /** The condition reason, CamelCase. Default `Failed`. */
  reason?: string;
  cause?: unknown;
  /** Secret values the message might contain; they are replaced with `***`. */
  secrets?: Iterable<string>;
}

export class ReconcileError extends Error {
  override name = 'ReconcileError';
  readonly reason: string;
  /** True when retrying cannot help until the spec changes. */
  readonly stalling: boolean;

  constructor(message: string, stalling: boolean, options: ReconcileErrorOptions = {}) {
    super(redactText(message, options.secrets), options.cause === undefined ? {} : { cause: options.cause });
    this.reason = options.reason ?? Reason.Failed;
    this.stalling = stalling;
  }
}

/** A failure that may go away by itself: the object is retried with backoff. */
export class RetryableError extends ReconcileError {
  override name = 'RetryableError';
  constructor(message: string, options: ReconcileErrorOptions = {}) {
    super(message, false, options);
  }
}

/** A failure only a change to the spec can fix: the object is marked Stalled and not retried. */
export class StallingError extends ReconcileError {
  override name = 'StallingError';
  constructor(message: string, options: ReconcileErrorOptions = {}) {
    super(message, true, options);
  }
}

/**
 * The HTTP status an error carries, if any: `code` on @kubernetes/client-node's ApiException and on
 * a watch ERROR event's Status object, `statusCode` on its watch errors.
 */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  for (const field of ['code', 'statusCode'] as const) {
    const value: unknown = Reflect.get(error, field);
    if (typeof value === 'number' && value >= 100 && value <= 599) return value;
  }
  return undefined;
}

export const isNotFound = (error: unknown): boolean => httpStatusOf(error) === 404;
export const isConflict = (error: unknown): boolean => httpStatusOf(error) === 409;
/** 410 Gone: a watch or list resourceVersion too old for the API server; relist. */
export const isGone = (error: unknown): boolean => httpStatusOf(error) === 410;

/**
 * A message for people from anything thrown, scrubbed of secrets. For Kubernetes API errors it uses
 * the Status message rather than client-node's own, which embeds the whole response.
 */
export function errorMessage(error: unknown, secrets: Iterable<string> = []): string {
  let message: string;
  const status = httpStatusOf(error);
  const body: unknown = typeof error === 'object' && error !== null ? Reflect.get(error, 'body') : undefined;
  const statusMessage = statusMessageOf(body);
  if (status !== undefined && statusMessage !== undefined) {
    message = `${statusMessage} (HTTP ${status})`;
  } else if (error instanceof Error) {
    message = error.message;
  } else if (typeof error === 'string') {
    message = error;
  } else {
    // An arbitrary thrown object may hold anything; don't print it.
    message = `non-error value thrown (${typeof error})`;
  }
  return redactText(message, secrets);
}

function statusMessageOf(body: unknown): string | undefined {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const message: unknown = Reflect.get(parsed, 'message');
  return typeof message === 'string' && message !== '' ? message : undefined;
}

/**
 * Turns anything thrown during a reconcile into a ReconcileError. ReconcileErrors pass through;
 * anything else is retryable with `fallbackReason`: when unsure, retrying is the safe default.
 */
export function toReconcileError(
  error: unknown,
  fallbackReason: string = Reason.Failed,
  secrets: Iterable<string> = [],
): ReconcileError {
  if (error instanceof ReconcileError) return error;
  return new RetryableError(errorMessage(error, secrets), { reason: fallbackReason, cause: error });
}
