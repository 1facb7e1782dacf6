// Typed errors of the apply stage. Every error about one object names it (Kind/namespace/name)
// and, when known, the file it came from, in the same `file: Kind/ns/name: detail` form as the
// build stage, so a message can go straight into a condition or an event.

import { formatLocation } from '@moor/kustomize-build';
import { errorMessage } from '@moor/runtime';
import type { ChangeSetEntry, WaitResult } from './changeset.js';
import type { ObjectRef } from './objects.js';
import { formatRef } from './objects.js';

/** Base class of every error about one object. */
export class ObjectError extends Error {
  readonly ref: ObjectRef;
  /** The file the object came from, relative to the artifact root. */
  readonly file: string | undefined;
  /** The message without the object/file prefix. */
  readonly detail: string;

  constructor(ref: ObjectRef, detail: string, options: ErrorOptions & { file?: string | undefined } = {}) {
    super(
      formatLocation(
        {
          ...(options.file !== undefined && { file: options.file }),
          object: { kind: ref.kind, name: ref.name, ...(ref.namespace && { namespace: ref.namespace }) },
        },
        detail,
      ),
      options.cause === undefined ? {} : { cause: options.cause },
    );
    this.name = new.target.name;
    this.ref = ref;
    this.file = options.file;
    this.detail = detail;
  }
}

/** The API server does not serve the object's apiVersion/kind (a CRD not installed...). */
export class UnknownKindError extends ObjectError {}

/** A namespaced object without a namespace, and no default namespace was given. */
export class MissingNamespaceError extends ObjectError {}

/** The API server rejected a request about the object (validation, schema, admission...). */
export class ObjectRequestError extends ObjectError {
  /** The HTTP status, when the API server answered. */
  readonly status: number | undefined;

  constructor(
    ref: ObjectRef,
    action: string,
    cause: unknown,
    options: { file?: string | undefined; status?: number | undefined } = {},
  ) {
    super(ref, `${action} failed: ${errorMessage(cause)}`, { cause, file: options.file });
    this.status = options.status;
  }
}

/** The object exists with a value in an immutable field that differs; apply with force to recreate. */
export class ImmutableFieldError extends ObjectRequestError {}

/** Errors of several objects, thrown together: nothing was applied. */
export class ApplySetError extends Error {
  constructor(
    readonly errors: readonly ObjectError[],
    summary: string,
  ) {
    super(`${summary}:\n${errors.map((e) => `  ${e.message}`).join('\n')}`, { cause: errors[0] });
    this.name = new.target.name;
  }
}

/** The server-side dry-run of the set failed for one or more objects. */
export class DryRunError extends ApplySetError {
  constructor(errors: readonly ObjectError[]) {
    super(errors, `dry-run failed for ${errors.length} object${errors.length === 1 ? '' : 's'}`);
  }
}

/**
 * Objects of one stage could not be applied; later stages were not applied. `applied` holds
 * what was applied before the failure (earlier stages, and the objects of this stage that
 * succeeded), for the inventory.
 */
export class ApplyError extends ApplySetError {
  constructor(
    errors: readonly ObjectError[],
    readonly stage: string,
    readonly applied: readonly ChangeSetEntry[] = [],
  ) {
    super(
      errors,
      `apply of stage ${stage} failed for ${errors.length} object${errors.length === 1 ? '' : 's'}`,
    );
  }
}

/** Deleting stale objects failed for some; the others were deleted. */
export class PruneError extends ApplySetError {
  constructor(errors: readonly ObjectError[]) {
    super(errors, `prune failed for ${errors.length} object${errors.length === 1 ? '' : 's'}`);
  }
}

/** An inventory entry that is not `<namespace>_<name>_<group>_<kind>`. */
export class InvalidInventoryEntryError extends Error {
  constructor(readonly entry: string) {
    super(`invalid inventory entry ${JSON.stringify(entry)}: expected <namespace>_<name>_<group>_<kind>`);
    this.name = new.target.name;
  }
}

function describeResults(results: readonly WaitResult[]): string {
  return results.map((r) => `  ${formatRef(r.ref)}: ${r.status}: ${r.message}`).join('\n');
}

/** Base of wait failures; `results` holds every object's last status. */
export class WaitError extends Error {
  constructor(
    message: string,
    readonly results: readonly WaitResult[],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An object reached Failed while waiting; the wait stopped at once. */
export class WaitFailedError extends WaitError {
  constructor(
    readonly failed: readonly WaitResult[],
    results: readonly WaitResult[],
  ) {
    super(`health check failed:\n${describeResults(failed)}`, results);
  }
}

/** Not every object became Current before the deadline. */
export class WaitTimeoutError extends WaitError {
  constructor(timeoutMs: number, results: readonly WaitResult[]) {
    const pending = results.filter((r) => r.status !== 'Current');
    super(`timed out after ${timeoutMs / 1000}s waiting for:\n${describeResults(pending)}`, results);
  }
}
