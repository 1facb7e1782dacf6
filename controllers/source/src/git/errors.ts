// Typed errors of the Git layer. Every message is safe to surface in a status condition or a
// log line: URLs are redacted (no userinfo) before they are put in a message, and no
// credential is ever interpolated. The low-level error is kept as `cause`.
import { redactUrl } from './redact.js';

/** Base class of every error thrown by the Git layer. `reason` is a stable, CamelCase code. */
export abstract class GitError extends Error {
  abstract readonly reason: string;
}

/** The URL cannot be used: not http(s), SSH (unsupported by isomorphic-git), or malformed. */
export class InvalidUrlError extends GitError {
  readonly reason = 'InvalidUrl';
  override readonly name = 'InvalidUrlError';
}

/** The remote could not be reached: DNS failure, connection refused/reset, TLS failure, timeout. */
export class GitUnreachableError extends GitError {
  readonly reason = 'GitUnreachable';
  override readonly name = 'GitUnreachableError';
  constructor(
    readonly url: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`cannot reach ${redactUrl(url)}: ${detail}`, options);
  }
}

/** The server refused the credentials, or asked for some and none were given (HTTP 401/403). */
export class GitAuthError extends GitError {
  readonly reason = 'GitAuthFailed';
  override readonly name = 'GitAuthError';
  constructor(
    readonly url: string,
    readonly statusCode: number,
    options?: ErrorOptions,
  ) {
    super(`authentication failed for ${redactUrl(url)} (HTTP ${statusCode})`, options);
  }
}

/** The server answered 404 for the repository itself. */
export class GitRepositoryNotFoundError extends GitError {
  readonly reason = 'GitRepositoryNotFound';
  override readonly name = 'GitRepositoryNotFoundError';
  constructor(
    readonly url: string,
    options?: ErrorOptions,
  ) {
    super(`repository ${redactUrl(url)} not found`, options);
  }
}

/** Any other non-success answer of the remote (5xx, protocol error). */
export class GitRemoteError extends GitError {
  readonly reason = 'GitOperationFailed';
  override readonly name = 'GitRemoteError';
  constructor(
    readonly url: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`git operation on ${redactUrl(url)} failed: ${detail}`, options);
  }
}

/** The ref of the spec is malformed (e.g. an invalid semver range, a commit that is not a SHA-1). */
export class InvalidRefError extends GitError {
  readonly reason = 'InvalidRef';
  override readonly name = 'InvalidRefError';
}

/** The branch, tag, semver range, name or commit of the spec does not exist on the remote. */
export class GitRefNotFoundError extends GitError {
  readonly reason = 'GitRefNotFound';
  override readonly name = 'GitRefNotFoundError';
  constructor(
    readonly url: string,
    /** What was looked for, e.g. `branch "main"`, `semver range "^1.2"`. */
    readonly what: string,
    options?: ErrorOptions,
  ) {
    super(`${what} not found in ${redactUrl(url)}`, options);
  }
}

/** More bytes than the configured limit were received from the remote; the transfer was aborted. */
export class RepositoryTooLargeError extends GitError {
  readonly reason = 'RepositoryTooLarge';
  override readonly name = 'RepositoryTooLargeError';
  constructor(
    readonly url: string,
    readonly limitBytes: number,
    options?: ErrorOptions,
  ) {
    super(`repository ${redactUrl(url)} exceeds the size limit of ${limitBytes} bytes`, options);
  }
}
