import { describe, expect, it } from 'vitest';
import {
  errorMessage,
  httpStatusOf,
  isConflict,
  isGone,
  isNotFound,
  ReconcileError,
  RetryableError,
  StallingError,
  toReconcileError,
} from './errors.js';

/** The shape of @kubernetes/client-node's ApiException, whose message embeds the whole response. */
class FakeApiException extends Error {
  constructor(
    readonly code: number,
    readonly body: unknown,
  ) {
    super(`HTTP-Code: ${code}\nMessage: Unknown API Status Code!\nBody: ${JSON.stringify(body)}`);
  }
}

describe('ReconcileError', () => {
  it('carries reason, polarity and cause, and is an Error', () => {
    const cause = new Error('dial tcp: timeout');
    const retryable = new RetryableError('fetch failed', { reason: 'FetchFailed', cause });
    expect(retryable).toBeInstanceOf(ReconcileError);
    expect(retryable).toBeInstanceOf(Error);
    expect(retryable.stalling).toBe(false);
    expect(retryable.reason).toBe('FetchFailed');
    expect(retryable.cause).toBe(cause);
    expect(retryable.name).toBe('RetryableError');

    const stalling = new StallingError('spec.url is not a URL', { reason: 'InvalidSpec' });
    expect(stalling.stalling).toBe(true);
    expect(stalling.reason).toBe('InvalidSpec');
    expect('cause' in stalling).toBe(false);
  });

  it('defaults the reason to Failed', () => {
    expect(new RetryableError('x').reason).toBe('Failed');
  });

  it('scrubs secrets from its message', () => {
    const error = new RetryableError('auth to https://u:hunter22@git.example.com failed with hunter22', {
      secrets: ['hunter22'],
    });
    expect(error.message).toBe('auth to https://***@git.example.com failed with ***');
  });
});

describe('httpStatusOf', () => {
  it('reads ApiException.code, watch statusCode, and Status objects', () => {
    expect(httpStatusOf(new FakeApiException(404, {}))).toBe(404);
    expect(httpStatusOf(Object.assign(new Error('Gone'), { statusCode: 410 }))).toBe(410);
    expect(httpStatusOf({ kind: 'Status', code: 409 })).toBe(409);
    expect(httpStatusOf(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBeUndefined();
    expect(httpStatusOf('404')).toBeUndefined();
  });

  it('backs the isNotFound/isConflict/isGone predicates', () => {
    expect(isNotFound({ code: 404 })).toBe(true);
    expect(isConflict({ code: 409 })).toBe(true);
    expect(isGone({ statusCode: 410 })).toBe(true);
    expect(isGone({ code: 404 })).toBe(false);
  });
});

describe('errorMessage', () => {
  it('uses the Status message of Kubernetes API errors, not the raw response', () => {
    const error = new FakeApiException(403, {
      kind: 'Status',
      message: 'secrets "git-auth" is forbidden',
      code: 403,
    });
    expect(errorMessage(error)).toBe('secrets "git-auth" is forbidden (HTTP 403)');
  });

  it('parses a Status body given as a JSON string', () => {
    expect(errorMessage(new FakeApiException(404, '{"message":"not found"}'))).toBe('not found (HTTP 404)');
  });

  it('falls back to Error.message and strings, and never prints arbitrary thrown objects', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('plain')).toBe('plain');
    expect(errorMessage({ password: 'hunter22' })).toBe('non-error value thrown (object)');
  });

  it('scrubs URL credentials and given secrets', () => {
    expect(errorMessage(new Error('GET https://a:b@h/x with tok123'), ['tok123'])).toBe(
      'GET https://***@h/x with ***',
    );
  });
});

describe('toReconcileError', () => {
  it('passes ReconcileErrors through', () => {
    const error = new StallingError('bad');
    expect(toReconcileError(error)).toBe(error);
  });

  it('wraps anything else as retryable with the fallback reason and the original as cause', () => {
    const original = new Error('socket hang up https://x:y@h');
    const error = toReconcileError(original, 'FetchFailed');
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.reason).toBe('FetchFailed');
    expect(error.message).toBe('socket hang up https://***@h');
    expect(error.cause).toBe(original);
  });
});
