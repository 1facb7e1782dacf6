// Typed errors of the build stage. Every problem a user can cause carries where it comes
// from: the file (relative to the artifact root, POSIX separators), the object
// (kind/namespace/name) when there is one, and the field when one is to blame. The message
// is self-contained ("apps/web/deploy.yaml: Deployment/default/web: metadata.name: ...") so
// it can go straight into a Ready condition or an event.

/** Identifies an object inside a manifest, as far as it could be read. */
export interface ObjectRef {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name?: string;
}

/** Where a problem is located. All parts are optional; the more the better. */
export interface ProblemLocation {
  /** File, relative to the artifact root. */
  file?: string;
  /** 1-based line in `file`. */
  line?: number;
  /** 1-based column in `file`. */
  column?: number;
  object?: ObjectRef;
  /** Dotted field path in the object or kustomization, e.g. `spec.replicas`, `resources[2]`. */
  field?: string;
}

/** `Kind/namespace/name`, `Kind/name` for cluster-scoped (or unknown namespace) objects. */
export function formatObjectRef(ref: ObjectRef): string {
  const kind = ref.kind ?? '<unknown kind>';
  const name = ref.name ?? '<unnamed>';
  return ref.namespace ? `${kind}/${ref.namespace}/${name}` : `${kind}/${name}`;
}

/** Prefixes `detail` with the location: `file:line:col: Kind/ns/name: field: detail`. */
export function formatLocation(location: ProblemLocation, detail: string): string {
  const parts: string[] = [];
  if (location.file !== undefined) {
    let file = location.file;
    if (location.line !== undefined) {
      file += `:${location.line}`;
      if (location.column !== undefined) file += `:${location.column}`;
    }
    parts.push(file);
  }
  if (location.object) parts.push(formatObjectRef(location.object));
  if (location.field) parts.push(location.field);
  parts.push(detail);
  return parts.join(': ');
}

/** Base class of every problem the build stage reports. */
export class BuildProblemError extends Error {
  readonly location: ProblemLocation;
  /** The message without its location prefix. */
  readonly detail: string;

  constructor(location: ProblemLocation, detail: string, options?: ErrorOptions) {
    super(formatLocation(location, detail), options);
    this.name = new.target.name;
    this.location = location;
    this.detail = detail;
  }

  get file(): string | undefined {
    return this.location.file;
  }
  get object(): ObjectRef | undefined {
    return this.location.object;
  }
  get field(): string | undefined {
    return this.location.field;
  }
}

/** The artifact bytes do not match the digest the source advertised. */
export class DigestMismatchError extends BuildProblemError {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super({}, `artifact digest mismatch: expected ${expected}, got ${actual}`);
  }
}

/** The digest string itself is not `sha256:<64 hex>`. */
export class InvalidDigestError extends BuildProblemError {
  constructor(readonly digest: string) {
    super({}, `unsupported artifact digest '${digest}': expected sha256:<64 hex digits>`);
  }
}

/** An archive entry that would be unsafe to extract (traversal, escaping link, device...). */
export class UnsafeArchiveEntryError extends BuildProblemError {
  constructor(
    readonly entry: string,
    reason: string,
  ) {
    super({ file: entry }, `unsafe archive entry: ${reason}`);
  }
}

/** The archive exceeds a configured limit (total size, file count). */
export class ArchiveLimitError extends BuildProblemError {
  constructor(
    readonly entry: string,
    readonly limit: 'maxTotalSize' | 'maxFiles',
    readonly value: number,
  ) {
    super({ file: entry }, `archive exceeds ${limit} (${value}) at this entry`);
  }
}

/** The archive could not be read at all (not gzip, truncated tar...). */
export class CorruptArchiveError extends BuildProblemError {
  constructor(detail: string, options?: ErrorOptions) {
    super({}, `cannot read artifact archive: ${detail}`, options);
  }
}

/** A path given by the user (spec.path, a resource, a component) is not acceptable. */
export class InvalidPathError extends BuildProblemError {}

/** A field of the Kustomization spec (other than a path) is not acceptable. */
export class InvalidSpecError extends BuildProblemError {}

/** A YAML/JSON file could not be parsed. */
export class ManifestParseError extends BuildProblemError {}

/** An object is structurally invalid (missing apiVersion, kind, metadata.name...). */
export class ManifestValidationError extends BuildProblemError {}

/** Two objects share group, kind, namespace and name. */
export class DuplicateObjectError extends BuildProblemError {
  constructor(
    location: ProblemLocation,
    readonly otherFile: string | undefined,
  ) {
    super(location, `duplicate object, also defined in ${otherFile ?? 'an earlier document'}`);
  }
}

/** A kustomization file is unreadable or references something it may not. */
export class KustomizationFileError extends BuildProblemError {}

/** `kustomize build` failed, timed out or was aborted. Paths in the message are repo-relative. */
export class KustomizeBuildError extends BuildProblemError {}

/** postBuild variable substitution failed for an object. */
export class SubstitutionError extends BuildProblemError {
  constructor(
    location: ProblemLocation,
    detail: string,
    readonly variable?: string,
    options?: ErrorOptions,
  ) {
    super(location, detail, options);
  }
}

/** Aggregates every problem found by one build; `problems` lists them in order. */
export class BuildError extends Error {
  readonly problems: readonly BuildProblemError[];

  constructor(problems: readonly BuildProblemError[], options?: ErrorOptions) {
    const head = problems.length === 1 ? 'build failed' : `build failed with ${problems.length} problems`;
    super(`${head}:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`, {
      cause: options?.cause ?? (problems.length === 1 ? problems[0] : undefined),
    });
    this.name = 'BuildError';
    this.problems = problems;
  }
}

/** Collects problems; used by stages that report everything at once. */
export class ProblemList {
  readonly items: BuildProblemError[] = [];

  add(problem: BuildProblemError): void {
    this.items.push(problem);
  }

  get empty(): boolean {
    return this.items.length === 0;
  }

  /** Throws a BuildError when any problem was collected. */
  throwIfAny(): void {
    if (this.items.length > 0) throw new BuildError(this.items);
  }
}
