// Local checks on objects, before anything touches the cluster. Every check runs on every
// object and all problems are returned together, each naming the file and the object.
import { DuplicateObjectError, ManifestValidationError, type ProblemLocation } from './errors.js';
import { apiGroup, isObject, objectRef } from './manifests.js';

/** An object and where it came from. */
export interface LocatedObject {
  object: unknown;
  /** File (repo-relative) the object was read from, when known. */
  file?: string;
  /** 1-based line of the object in `file`, when known. */
  line?: number;
}

/** `Kind` values of kustomize/Kubernetes list wrappers, which carry `items` and no name. */
function isListKind(value: Record<string, unknown>): boolean {
  return typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items);
}

/**
 * Structural checks of one object: a mapping with a non-empty string `apiVersion`,
 * `kind` and `metadata.name`, and string `metadata.namespace` when present.
 */
export function checkObject(item: LocatedObject): ManifestValidationError[] {
  const problems: ManifestValidationError[] = [];
  const at = (field: string | undefined): ProblemLocation => ({
    ...(item.file !== undefined && { file: item.file }),
    ...(item.line !== undefined && { line: item.line }),
    object: objectRef(item.object),
    ...(field !== undefined && { field }),
  });
  const value = item.object;
  if (!isObject(value)) {
    problems.push(
      new ManifestValidationError(
        { ...at(undefined), object: undefined },
        `expected a Kubernetes object (a mapping), got ${Array.isArray(value) ? 'a list' : typeof value}`,
      ),
    );
    return problems;
  }
  const requireString = (v: unknown, field: string): void => {
    if (v === undefined || v === null || v === '')
      problems.push(new ManifestValidationError(at(field), 'is required'));
    else if (typeof v !== 'string') problems.push(new ManifestValidationError(at(field), 'must be a string'));
  };
  requireString(value.apiVersion, 'apiVersion');
  requireString(value.kind, 'kind');
  if (isListKind(value)) return problems;
  const metadata = value.metadata;
  if (metadata === undefined || metadata === null) {
    problems.push(new ManifestValidationError(at('metadata.name'), 'is required'));
    return problems;
  }
  if (!isObject(metadata)) {
    problems.push(new ManifestValidationError(at('metadata'), 'must be a mapping'));
    return problems;
  }
  requireString(metadata.name, 'metadata.name');
  if (
    metadata.namespace !== undefined &&
    metadata.namespace !== null &&
    typeof metadata.namespace !== 'string'
  ) {
    problems.push(new ManifestValidationError(at('metadata.namespace'), 'must be a string'));
  }
  return problems;
}

/** `group/kind/namespace/name`: the identity the API server enforces (the version is not part of it). */
export function objectKey(value: unknown): string | undefined {
  const ref = objectRef(value);
  if (ref.apiVersion === undefined || ref.kind === undefined || ref.name === undefined) return undefined;
  return [apiGroup(ref.apiVersion), ref.kind, ref.namespace ?? '', ref.name].join('\u0000');
}

/**
 * Checks every object and reports duplicates of (group, kind, namespace, name). A
 * duplicate is reported on the later object and names the file of the first.
 */
export function validateObjects(
  items: readonly LocatedObject[],
): (ManifestValidationError | DuplicateObjectError)[] {
  const problems: (ManifestValidationError | DuplicateObjectError)[] = [];
  const seen = new Map<string, LocatedObject>();
  for (const item of items) {
    const objectProblems = checkObject(item);
    problems.push(...objectProblems);
    if (objectProblems.length > 0) continue;
    const key = objectKey(item.object);
    if (key === undefined) continue;
    const first = seen.get(key);
    if (first) {
      problems.push(
        new DuplicateObjectError(
          {
            ...(item.file !== undefined && { file: item.file }),
            ...(item.line !== undefined && { line: item.line }),
            object: objectRef(item.object),
          },
          first.file,
        ),
      );
    } else {
      seen.set(key, item);
    }
  }
  return problems;
}
