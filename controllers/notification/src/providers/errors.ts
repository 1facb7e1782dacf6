// Typed errors of the provider layer. Messages are written for people (conditions, events,
// logs) and never carry a secret: webhook URLs appear only as scheme://host/…, tokens and
// header values not at all. `cause` keeps the underlying error for programs.

import type { ProviderSpec } from '@moor/api';

export type ProviderType = ProviderSpec['type'];

/** Base class of every error this layer throws. */
export class ProviderError extends Error {
  override name = 'ProviderError';
  readonly providerType: ProviderType;

  constructor(providerType: ProviderType, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.providerType = providerType;
  }
}

/**
 * The Provider or its Secret cannot make a request: a missing address or token, a malformed
 * `headers` map, an address that is not a URL. Retrying will not help until the spec or the
 * Secret changes.
 */
export class ProviderConfigError extends ProviderError {
  override name = 'ProviderConfigError';
  /** What to fix, e.g. `spec.address or Secret key "address"`, `Secret key "token"`. */
  readonly field: string;

  constructor(providerType: ProviderType, field: string, problem: string, options: { cause?: unknown } = {}) {
    super(providerType, `${providerType} provider: ${field}: ${problem}`, options);
    this.field = field;
  }
}

/**
 * The provider has nothing to do with this event: a github provider given an event whose
 * revision carries no commit SHA. Not a failure; the caller skips the delivery.
 */
export class UnsupportedEventError extends ProviderError {
  override name = 'UnsupportedEventError';
}

/** Base class of the errors `deliver` throws. */
export class DeliveryError extends ProviderError {
  override name = 'DeliveryError';
  /** The target as scheme://host/…, safe to show. */
  readonly target: string;
  /** Requests made, including the last. */
  readonly attempts: number;

  constructor(
    providerType: ProviderType,
    target: string,
    attempts: number,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(providerType, message, options);
    this.target = target;
    this.attempts = attempts;
  }
}

/** Why one attempt failed: the network, the per-attempt timeout, or an HTTP status. */
export type AttemptFailure = 'network' | 'timeout' | 'status' | 'rejected-body';

/** One failed attempt. The `cause` of DeliveryGaveUpError and of the `onRetry` report. */
export class DeliveryAttemptError extends ProviderError {
  override name = 'DeliveryAttemptError';
  readonly failure: AttemptFailure;
  /** The HTTP status, when the service answered. */
  readonly status: number | undefined;
  /** What the service said, trimmed and scrubbed of secrets (e.g. Slack's "invalid_payload"). */
  readonly detail: string | undefined;
  /** The wait the service asked for with Retry-After, in ms. */
  readonly retryAfterMs: number | undefined;

  constructor(
    providerType: ProviderType,
    message: string,
    fields: {
      failure: AttemptFailure;
      status?: number;
      detail?: string;
      retryAfterMs?: number;
      cause?: unknown;
    },
  ) {
    super(providerType, message, fields.cause === undefined ? {} : { cause: fields.cause });
    this.failure = fields.failure;
    this.status = fields.status;
    this.detail = fields.detail;
    this.retryAfterMs = fields.retryAfterMs;
  }
}

/**
 * The service refused the notification in a way retrying cannot fix: a 4xx other than 408 and
 * 429, a redirect, or Slack's chat.postMessage answering `ok: false`.
 */
export class DeliveryRejectedError extends DeliveryError {
  override name = 'DeliveryRejectedError';
  readonly status: number;
  readonly detail: string | undefined;

  constructor(
    providerType: ProviderType,
    target: string,
    attempts: number,
    status: number,
    detail: string | undefined,
    options: { cause?: unknown } = {},
  ) {
    super(
      providerType,
      target,
      attempts,
      `${providerType} provider: ${target} rejected the notification with HTTP ${status}${detail ? `: ${detail}` : ''}`,
      options,
    );
    this.status = status;
    this.detail = detail;
  }
}

/** Every attempt failed with a retryable error until the time budget ran out. */
export class DeliveryGaveUpError extends DeliveryError {
  override name = 'DeliveryGaveUpError';
  /** The status of the last answer, if the last attempt got one. */
  readonly lastStatus: number | undefined;
  readonly elapsedMs: number;

  constructor(
    providerType: ProviderType,
    target: string,
    attempts: number,
    elapsedMs: number,
    last: DeliveryAttemptError,
  ) {
    super(
      providerType,
      target,
      attempts,
      `${providerType} provider: gave up on ${target} after ${attempts} attempt${attempts === 1 ? '' : 's'} in ${Math.round(elapsedMs)} ms: ${last.message}`,
      { cause: last },
    );
    this.lastStatus = last.status;
    this.elapsedMs = elapsedMs;
  }
}

/** The caller's signal aborted the delivery (the controller is shutting down). */
export class DeliveryAbortedError extends DeliveryError {
  override name = 'DeliveryAbortedError';
}
