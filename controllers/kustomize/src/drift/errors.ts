// Typed errors of the drift engine. Each carries what it is about, and the underlying failure
// as `cause`, so a caller can log or surface it without parsing messages.

/** Base class of every drift engine error. */
export class DriftError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A managedFields `fieldsV1` set, or a rendered field path, that cannot be parsed. */
export class InvalidFieldPathError extends DriftError {
  constructor(
    readonly input: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`invalid field path ${JSON.stringify(input)}: ${reason}`, options);
  }
}

/** An ignore rule whose path is not a JSON pointer (RFC 6901). */
export class InvalidIgnoreRuleError extends DriftError {
  constructor(
    readonly pointer: string,
    reason: string,
  ) {
    super(`invalid ignore rule path ${JSON.stringify(pointer)}: ${reason}`);
  }
}

/** The API server does not serve a kind the watcher was asked to watch. */
export class UnservedKindError extends DriftError {
  constructor(
    readonly apiVersion: string,
    readonly kind: string,
  ) {
    super(`the API server does not serve ${kind} in ${apiVersion}`);
  }
}

/** Listing or watching one group/version/kind failed; the watch is retried. */
export class DriftWatchError extends DriftError {
  constructor(
    readonly gvk: string,
    options: ErrorOptions,
  ) {
    super(`watch of ${gvk} failed`, options);
  }
}

/** The `onDrift` callback threw or rejected; the watcher carries on. */
export class DriftHandlerError extends DriftError {
  constructor(
    readonly object: string,
    options: ErrorOptions,
  ) {
    super(`drift handler failed for ${object}`, options);
  }
}
