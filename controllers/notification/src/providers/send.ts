// Delivery of one provider request: POST, a deadline per attempt, retries with exponential
// backoff on what may pass (network errors, timeouts, 408, 429, 5xx), honouring Retry-After,
// and a permanent error for what will not (other 4xx, redirects, Slack's ok:false).
//
// Time between attempts and the overall budget are read from an injectable Clock, so tests run
// instantly; the per-attempt deadline is a real timer, because it guards a real socket.

import { request as httpRequest, type IncomingHttpHeaders, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import { type Clock, exponentialDelay, redactText, systemClock } from '@moor/runtime';
import {
  DeliveryAbortedError,
  DeliveryAttemptError,
  DeliveryGaveUpError,
  DeliveryRejectedError,
  type ProviderType,
} from './errors.js';
import { redactUrl } from './redact.js';

/** What `deliver` needs of a request (a ProviderRequest from buildRequest fits). */
export interface DeliveryRequest {
  providerType: ProviderType;
  method?: 'POST';
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Values scrubbed from anything this module reports (token, header values, address). */
  secrets?: readonly string[];
  /** `slack-api`: a 200 answer is JSON whose `ok: false` means failure (chat.postMessage). */
  expect?: 'slack-api';
}

export interface RetryReport {
  /** The attempt that failed, 1-based. */
  attempt: number;
  /** The wait before the next attempt. */
  delayMs: number;
  /** Why it failed; its message is safe to log. */
  error: DeliveryAttemptError;
}

export interface DeliverOptions {
  /** Deadline of one attempt, from sending to the end of the answer (spec.timeout). */
  timeoutMs: number;
  /** No attempt starts, and no wait is begun, that would end past this budget. 0: one attempt. */
  maxElapsedMs: number;
  /** Aborts the delivery, e.g. on shutdown: DeliveryAbortedError. */
  signal?: AbortSignal;
  /** PEM certificate authorities trusted in addition to the system roots (certSecretRef ca.crt). */
  caCert?: string;
  /** Time for the budget and the waits between attempts. Default: the system clock. */
  clock?: Clock;
  /** First wait; doubled per attempt. Default 1 s. */
  baseDelayMs?: number;
  /** Cap of the exponential wait (not of Retry-After). Default 30 s. */
  maxDelayMs?: number;
  /** Called before each wait, e.g. to log the retry. */
  onRetry?: (report: RetryReport) => void;
}

export interface DeliveryResult {
  attempts: number;
  /** The 2xx status of the successful answer. */
  status: number;
  elapsedMs: number;
}

export const DEFAULT_RETRY_BASE_DELAY_MS = 1000;
export const DEFAULT_RETRY_MAX_DELAY_MS = 30_000;
/** How much of an answer is read for its error text. */
const MAX_BODY_BYTES = 64 * 1024;
const MAX_DETAIL = 300;

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

class AttemptTimeout extends Error {
  override name = 'AttemptTimeout';
}

/** Sends `request`, retrying what may pass, until success, a permanent error or the budget's end. */
export async function deliver(request: DeliveryRequest, options: DeliverOptions): Promise<DeliveryResult> {
  const clock = options.clock ?? systemClock;
  const type = request.providerType;
  const target = redactUrl(request.url);
  const secrets = [...(request.secrets ?? []), ...urlSecrets(request.url)];
  const base = options.baseDelayMs ?? DEFAULT_RETRY_BASE_DELAY_MS;
  const cap = options.maxDelayMs ?? DEFAULT_RETRY_MAX_DELAY_MS;
  const start = clock.now();
  let attempts = 0;

  const aborted = () =>
    new DeliveryAbortedError(
      type,
      target,
      attempts,
      `${type} provider: delivery to ${target} aborted after ${attempts} attempt(s)`,
      {
        cause: options.signal?.reason,
      },
    );

  for (;;) {
    if (options.signal?.aborted) throw aborted();
    attempts += 1;
    const remaining = options.maxElapsedMs - (clock.now() - start);
    const deadline = remaining > 0 ? Math.min(options.timeoutMs, remaining) : options.timeoutMs;

    let failure: DeliveryAttemptError;
    try {
      const answer = await send(request, deadline, options);
      const outcome = judge(request, answer, target, secrets, clock);
      if (outcome === 'ok') return { attempts, status: answer.status, elapsedMs: clock.now() - start };
      if (outcome.retry) failure = outcome.error;
      else {
        throw new DeliveryRejectedError(type, target, attempts, answer.status, outcome.error.detail, {
          cause: outcome.error,
        });
      }
    } catch (err) {
      if (err instanceof DeliveryRejectedError) throw err;
      if (options.signal?.aborted) throw aborted();
      failure =
        err instanceof DeliveryAttemptError
          ? err
          : err instanceof AttemptTimeout
            ? new DeliveryAttemptError(
                type,
                `${type} provider: no answer from ${target} within ${deadline} ms`,
                {
                  failure: 'timeout',
                  cause: err,
                },
              )
            : new DeliveryAttemptError(
                type,
                `${type} provider: could not reach ${target}: ${networkReason(err, secrets)}`,
                {
                  failure: 'network',
                  cause: err,
                },
              );
    }

    const delayMs = failure.retryAfterMs ?? exponentialDelay(attempts, base, Math.max(cap, base));
    const elapsed = clock.now() - start;
    if (elapsed + delayMs > options.maxElapsedMs)
      throw new DeliveryGaveUpError(type, target, attempts, elapsed, failure);
    options.onRetry?.({ attempt: attempts, delayMs, error: failure });
    try {
      await wait(clock, delayMs, options.signal);
    } catch {
      throw aborted();
    }
  }
}

/**
 * The parts of a URL an answer might echo: the path and query, where webhook URLs keep their
 * secret, and its longer path segments (a token echoed alone).
 */
function urlSecrets(url: string): string[] {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return [url];
  }
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const out = [url, u.pathname + u.search, u.pathname, u.search.slice(1), decode(u.password)];
  for (const segment of u.pathname.split('/')) if (segment.length >= 8) out.push(segment, decode(segment));
  return out.filter((s) => s.length > 1);
}

/** The code or message of a network error, never its URL (Node's messages hold host and port at most). */
function networkReason(err: unknown, secrets: readonly string[]): string {
  if (err instanceof Error) {
    const code = Reflect.get(err, 'code');
    const text =
      typeof code === 'string' && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
    return redactText(text, secrets);
  }
  return 'unknown error';
}

type Verdict = 'ok' | { retry: boolean; error: DeliveryAttemptError };

function judge(
  request: DeliveryRequest,
  answer: Answer,
  target: string,
  secrets: readonly string[],
  clock: Clock,
): Verdict {
  const type = request.providerType;
  const { status } = answer;
  const detail = detailOf(answer.body, secrets);
  const retryAfterMs = status === 429 || status === 503 ? retryAfterOf(answer, clock) : undefined;
  const error = (retry: boolean, d: string | undefined, failure: 'status' | 'rejected-body' = 'status') => ({
    retry,
    error: new DeliveryAttemptError(
      type,
      `${type} provider: ${target} answered HTTP ${status}${d ? `: ${d}` : ''}`,
      {
        failure,
        status,
        ...(d ? { detail: d } : {}),
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      },
    ),
  });
  if (status >= 200 && status < 300) {
    if (request.expect !== 'slack-api') return 'ok';
    const reply = parseJson(answer.body);
    if (reply && reply.ok === true) return 'ok';
    const slackError =
      reply && typeof reply.error === 'string' ? reply.error : 'the answer is not {"ok": true}';
    return error(
      slackError === 'ratelimited' || slackError === 'service_unavailable',
      redactText(slackError, secrets),
      'rejected-body',
    );
  }
  if (status === 408 || status === 429 || status >= 500) return error(true, detail);
  return error(false, detail);
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** What the service said: Slack's text ("invalid_payload"), or `message`/`error` of a JSON answer. */
function detailOf(body: string, secrets: readonly string[]): string | undefined {
  const json = parseJson(body);
  let text: string | undefined;
  if (json) {
    for (const key of ['message', 'error', 'error_description']) {
      const v = json[key];
      if (typeof v === 'string' && v.trim()) {
        text = v;
        break;
      }
    }
  }
  text ??= body;
  // HTML error pages say nothing a person needs here.
  if (/^\s*<(?:!doctype|html)/i.test(text)) return undefined;
  const line = text.replace(/\s+/g, ' ').trim();
  if (!line) return undefined;
  const scrubbed = redactText(line, secrets);
  return scrubbed.length > MAX_DETAIL ? `${scrubbed.slice(0, MAX_DETAIL - 1)}…` : scrubbed;
}

/** Retry-After in ms: delta-seconds or an HTTP date; Discord's JSON retry_after as a fallback. */
function retryAfterOf(answer: Answer, clock: Clock): number | undefined {
  const header = answer.headers['retry-after'];
  const value = Array.isArray(header) ? header[0] : header;
  if (value !== undefined) {
    const v = value.trim();
    if (/^\d+$/.test(v)) return Number(v) * 1000;
    const at = Date.parse(v);
    if (!Number.isNaN(at)) return Math.max(0, at - clock.now());
  }
  const json = parseJson(answer.body);
  if (json && typeof json.retry_after === 'number' && json.retry_after >= 0)
    return Math.ceil(json.retry_after * 1000);
  return undefined;
}

/** One POST; resolves with the answer, rejects on network errors and the deadline. */
function send(request: DeliveryRequest, deadlineMs: number, options: DeliverOptions): Promise<Answer> {
  const url = new URL(request.url);
  const body = Buffer.from(request.body, 'utf8');
  const requestOptions: RequestOptions & { ca?: string[] } = {
    method: request.method ?? 'POST',
    headers: { ...request.headers, 'content-length': String(body.length) },
  };
  if (url.protocol === 'https:' && options.caCert) requestOptions.ca = [...rootCertificates, options.caCert];
  const start = url.protocol === 'https:' ? httpsRequest : httpRequest;

  return new Promise<Answer>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const req = start(url, requestOptions, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < MAX_BODY_BYTES) chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', () =>
        finish(() =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8'),
          }),
        ),
      );
      res.on('error', (err) => finish(() => reject(err)));
    });
    const timer = setTimeout(() => {
      const err = new AttemptTimeout(`no answer within ${deadlineMs} ms`);
      req.destroy(err);
      finish(() => reject(err));
    }, deadlineMs);
    const onAbort = () => {
      const err = new Error('aborted');
      req.destroy(err);
      finish(() => reject(err));
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err) => finish(() => reject(err)));
    req.end(body);
  });
}

/** Waits `ms` on `clock`; rejects when `signal` aborts first. */
function wait(clock: Clock, ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      cancel();
      reject(signal?.reason);
    };
    const cancel = clock.setTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
