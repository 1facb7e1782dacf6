// The ResourceManager: server-side apply of a set of objects, in stages, with a change set
// (after fluxcd/pkg ssa), pruning of stale objects, and waiting for health (kstatus).
//
// Every write is a server-side apply with our field manager and force, so we take ownership
// of the fields our manifests set. Before writing, each object is dry-run applied: the dry-run
// result compared with the live object tells created / configured (and which fields) /
// unchanged, and unchanged objects are not written at all, so their resourceVersion does not
// move. Within a stage all objects are dry-run first and nothing of the stage is written if
// one of them fails.
import { setTimeout as delay } from 'node:timers/promises';
import type * as k8s from '@kubernetes/client-node';
import { httpStatusOf, mapLimit } from '@moor/runtime';
import type { ApplyEventListener, ChangeSetEntry, StatusFunction, WaitResult } from './changeset.js';
import { RawObjectApi, type ResourceInfo } from './client.js';
import { objectChanges } from './diff.js';
import {
  ApplyError,
  DryRunError,
  ImmutableFieldError,
  MissingNamespaceError,
  ObjectError,
  ObjectRequestError,
  PruneError,
  UnknownKindError,
  WaitFailedError,
  WaitTimeoutError,
} from './errors.js';
import { type InventoryEntry, parseEntry } from './inventory.js';
import {
  DEFAULT_CLEANUP_MANAGERS,
  type FieldManagerMatch,
  hasApplyEntry,
  type ManagedFieldsEntry,
  managedFieldsOf,
  takeOverManagedFields,
} from './managed-fields.js';
import {
  type ApplyInput,
  annotationsOf,
  apiVersionOfRef,
  formatRef,
  isObject,
  type KubeObject,
  labelsOf,
  metadataOf,
  type ObjectRef,
  refOf,
} from './objects.js';
import { isCrd, isNamespace, type StageName, splitStages, stageOf } from './stages.js';

export const DEFAULT_FIELD_MANAGER = 'moor';
export const OWNER_NAME_LABEL = 'kustomize.moor.dev/name';
export const OWNER_NAMESPACE_LABEL = 'kustomize.moor.dev/namespace';
/** `disabled` keeps an object when it leaves the set. */
export const PRUNE_ANNOTATION = 'kustomize.moor.dev/prune';
export const FLUX_PRUNE_ANNOTATION = 'kustomize.toolkit.fluxcd.io/prune';
/** `enabled` lets this object be deleted and recreated when an immutable field changed. */
export const FORCE_ANNOTATION = 'kustomize.moor.dev/force';
export const FLUX_FORCE_ANNOTATION = 'kustomize.toolkit.fluxcd.io/force';

/** The owner labels of the Kustomization `namespace/name`. */
export function ownerLabelsFor(name: string, namespace: string): Record<string, string> {
  return { [OWNER_NAME_LABEL]: name, [OWNER_NAMESPACE_LABEL]: namespace };
}

export interface ResourceManagerOptions {
  /** kstatus, i.e. `computeStatus` from @moor/runtime. */
  computeStatus: StatusFunction;
  /** Field manager of every write. Default `moor`. */
  fieldManager?: string;
  /** Labels set on every applied object (see ownerLabelsFor). */
  ownerLabels?: Record<string, string>;
  /** Namespace for namespaced objects that have none. Without it such objects are an error. */
  defaultNamespace?: string;
  /** Managers whose fields are taken over before applying. Default kubectl and before-first-apply. */
  cleanupManagers?: readonly FieldManagerMatch[];
  /** Requests in flight at once. Default 4. */
  concurrency?: number;
}

export interface ApplyOptions {
  /** Delete and recreate objects whose immutable fields changed. Default false. */
  force?: boolean;
  /** How long to wait for the CRDs and Namespaces of the first stage. Default 60 s. */
  stageTimeoutMs?: number;
  signal?: AbortSignal;
  onEvent?: ApplyEventListener;
}

export interface DryRunResult {
  /** What applying would do, object by object. */
  entries: ChangeSetEntry[];
  /**
   * Objects that cannot be checked before earlier objects of the set exist: custom resources
   * of a CRD in the set, objects in a Namespace of the set. They are checked by applyAllStaged.
   */
  deferred: ChangeSetEntry[];
}

export interface WaitOptions {
  timeoutMs: number;
  /** Poll interval. Default 1 s. */
  pollMs?: number;
  signal?: AbortSignal;
  onEvent?: ApplyEventListener;
}

export interface PruneOptions {
  /** Only objects carrying all of these labels are deleted. Must not be empty. */
  ownerLabels: Record<string, string>;
  signal?: AbortSignal;
  onEvent?: ApplyEventListener;
}

export interface PruneResult {
  deleted: ChangeSetEntry[];
  skipped: ChangeSetEntry[];
}

/** An input object resolved against discovery: namespace defaulted, owner labels set. */
interface Prepared {
  object: KubeObject;
  ref: ObjectRef;
  apiVersion: string;
  file: string | undefined;
  info: ResourceInfo;
}

interface Plan {
  prepared: Prepared;
  existing: KubeObject | undefined;
  action: 'created' | 'configured' | 'unchanged';
  changedFields: string[];
  /** The immutable-field error that makes us delete and recreate. */
  recreate: ImmutableFieldError | undefined;
  /** New managedFields taking over kubectl's fields, when there are any to take. */
  cleanup: ManagedFieldsEntry[] | undefined;
}

const IMMUTABLE_PATTERNS = [
  /field is immutable/i,
  /is immutable/i,
  /immutable field/i,
  /may not change once set/i,
  /cannot change roleRef/i,
];

function statusBody(err: unknown): KubeObject | undefined {
  const body: unknown = isObject(err) || err instanceof Error ? Reflect.get(err, 'body') : undefined;
  return isObject(body) ? body : undefined;
}

function isImmutableError(err: unknown): boolean {
  if (httpStatusOf(err) !== 422) return false;
  const message = statusBody(err)?.message;
  return typeof message === 'string' && IMMUTABLE_PATTERNS.some((p) => p.test(message));
}

/** A 404 saying the object's namespace does not exist. */
function isNamespaceNotFound(err: unknown): boolean {
  if (httpStatusOf(err) !== 404) return false;
  const details = statusBody(err)?.details;
  return isObject(details) && details.kind === 'namespaces';
}

type Settled<R> = { ok: true; value: R } | { ok: false; error: ObjectError };

/** The kinds CRDs of the set define: `group/kind` → namespaced. */
function kindsDefinedBy(inputs: readonly ApplyInput[]): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const { object } of inputs) {
    if (!isCrd(refOf(object))) continue;
    const spec = object.spec;
    if (!isObject(spec) || !isObject(spec.names)) continue;
    const { group } = spec;
    const { kind } = spec.names;
    if (typeof group === 'string' && typeof kind === 'string') {
      out.set(`${group}/${kind}`, spec.scope !== 'Cluster');
    }
  }
  return out;
}

function namespacesIn(inputs: readonly ApplyInput[]): Set<string> {
  const out = new Set<string>();
  for (const { object } of inputs) {
    const ref = refOf(object);
    if (isNamespace(ref)) out.add(ref.name);
  }
  return out;
}

export class ResourceManager {
  readonly fieldManager: string;
  private readonly api: RawObjectApi;
  private readonly ownerLabels: Record<string, string>;
  private readonly cleanupManagers: readonly FieldManagerMatch[];
  private readonly concurrency: number;

  constructor(
    kc: k8s.KubeConfig,
    private readonly options: ResourceManagerOptions,
  ) {
    this.api = RawObjectApi.fromKubeConfig(kc);
    this.fieldManager = options.fieldManager ?? DEFAULT_FIELD_MANAGER;
    this.ownerLabels = options.ownerLabels ?? {};
    this.cleanupManagers = options.cleanupManagers ?? DEFAULT_CLEANUP_MANAGERS;
    this.concurrency = Math.max(1, options.concurrency ?? 4);
  }

  // ---- resolving objects ------------------------------------------------------------------

  /**
   * Resolves an input against discovery. `pending` are kinds a CRD of the set defines: when
   * the server does not serve them yet, the result is 'deferred' rather than an error.
   */
  private async prepare(
    input: ApplyInput,
    pending: ReadonlyMap<string, boolean> = new Map(),
  ): Promise<Prepared | 'deferred'> {
    const written = refOf(input.object);
    const file = input.origin?.path;
    if (!written.kind || !written.version || !written.name) {
      throw new ObjectError(written, 'apiVersion, kind and metadata.name are required', { file });
    }
    const apiVersion = apiVersionOfRef(written);
    let info: ResourceInfo | undefined;
    try {
      info = await this.api.lookup(apiVersion, written.kind);
    } catch (err) {
      throw new ObjectRequestError(written, 'discovery', err, { file, status: httpStatusOf(err) });
    }
    if (!info) {
      if (pending.has(`${written.group}/${written.kind}`)) return 'deferred';
      throw new UnknownKindError(
        written,
        `the API server does not serve kind ${written.kind} in ${apiVersion} (is its CustomResourceDefinition installed?)`,
        { file },
      );
    }
    const namespace = info.namespaced ? written.namespace || (this.options.defaultNamespace ?? '') : '';
    if (info.namespaced && !namespace) {
      throw new MissingNamespaceError(written, 'namespaced object without metadata.namespace', { file });
    }
    const object = structuredClone(input.object);
    const meta: KubeObject = { ...metadataOf(object), labels: { ...labelsOf(object), ...this.ownerLabels } };
    if (namespace) meta.namespace = namespace;
    else delete meta.namespace;
    object.metadata = meta;
    return { object, ref: { ...written, namespace }, apiVersion, file, info };
  }

  private objectPath(p: Pick<Prepared, 'apiVersion' | 'info' | 'ref'>): string {
    return RawObjectApi.path(p.apiVersion, p.info, p.ref.namespace, p.ref.name);
  }

  private async get(p: Pick<Prepared, 'apiVersion' | 'info' | 'ref'>): Promise<KubeObject | undefined> {
    try {
      return await this.api.send({ method: 'GET', path: this.objectPath(p) });
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      throw err;
    }
  }

  private serverSideApply(p: Prepared, dryRun: boolean): Promise<KubeObject> {
    return this.api.send({
      method: 'PATCH',
      path: this.objectPath(p),
      query: {
        fieldManager: this.fieldManager,
        force: 'true',
        fieldValidation: 'Strict',
        dryRun: dryRun ? 'All' : undefined,
      },
      body: p.object,
      contentType: 'application/apply-patch+yaml',
    });
  }

  // ---- dry-run and plan -------------------------------------------------------------------

  private forceAllowed(p: Prepared, force: boolean): boolean {
    const annotations = annotationsOf(p.object);
    return (
      force ||
      annotations[FORCE_ANNOTATION]?.toLowerCase() === 'enabled' ||
      annotations[FLUX_FORCE_ANNOTATION]?.toLowerCase() === 'enabled'
    );
  }

  /** Dry-run applies one object and decides what applying it would do. */
  private async plan(p: Prepared, force: boolean): Promise<Plan> {
    let existing: KubeObject | undefined;
    try {
      existing = await this.get(p);
    } catch (err) {
      throw new ObjectRequestError(p.ref, 'read', err, { file: p.file, status: httpStatusOf(err) });
    }
    let dryRun: KubeObject;
    try {
      dryRun = await this.serverSideApply(p, true);
    } catch (err) {
      const status = httpStatusOf(err);
      if (isImmutableError(err)) {
        const immutable = new ImmutableFieldError(p.ref, 'dry-run apply', err, { file: p.file, status });
        if (existing && this.forceAllowed(p, force)) {
          return {
            prepared: p,
            existing,
            action: 'created',
            changedFields: [],
            recreate: immutable,
            cleanup: undefined,
          };
        }
        throw immutable;
      }
      throw new ObjectRequestError(p.ref, 'dry-run apply', err, { file: p.file, status });
    }
    if (!existing) {
      return {
        prepared: p,
        existing,
        action: 'created',
        changedFields: [],
        recreate: undefined,
        cleanup: undefined,
      };
    }
    const changedFields = objectChanges(existing, dryRun);
    const cleanup = takeOverManagedFields(managedFieldsOf(existing), {
      owner: this.fieldManager,
      apiVersion: p.apiVersion,
      managers: this.cleanupManagers,
    });
    const unchanged = changedFields.length === 0 && !cleanup && hasApplyEntry(existing, this.fieldManager);
    return {
      prepared: p,
      existing,
      action: unchanged ? 'unchanged' : 'configured',
      changedFields,
      recreate: undefined,
      cleanup,
    };
  }

  private entryOf(plan: Plan, extra: Partial<ChangeSetEntry> = {}): ChangeSetEntry {
    const { ref, file } = plan.prepared;
    return {
      ref,
      action: plan.action,
      ...(plan.action === 'configured' && { changedFields: plan.changedFields }),
      ...(plan.recreate && { recreated: true }),
      ...(file !== undefined && { file }),
      ...extra,
    };
  }

  /**
   * Server-side dry-run apply of every object, collecting every error (unknown kinds, schema
   * violations, invalid values, immutable fields). Throws DryRunError listing them all; writes
   * nothing in any case.
   */
  async dryRunAll(
    inputs: readonly ApplyInput[],
    options: Pick<ApplyOptions, 'force'> = {},
  ): Promise<DryRunResult> {
    const pending = kindsDefinedBy(inputs);
    const namespaces = namespacesIn(inputs);
    const settled = await mapLimit(
      inputs,
      this.concurrency,
      async (input): Promise<Settled<ChangeSetEntry>> => {
        try {
          const p = await this.prepare(input, pending);
          if (p === 'deferred') {
            return {
              ok: true,
              value: deferredEntry(input, 'its CustomResourceDefinition is part of the set'),
            };
          }
          try {
            return { ok: true, value: this.entryOf(await this.plan(p, options.force ?? false)) };
          } catch (err) {
            if (
              err instanceof ObjectError &&
              namespaces.has(p.ref.namespace) &&
              isNamespaceNotFound(err.cause)
            ) {
              return {
                ok: true,
                value: deferredEntry(input, `its Namespace ${p.ref.namespace} is part of the set`),
              };
            }
            throw err;
          }
        } catch (err) {
          return { ok: false, error: asObjectError(err, input) };
        }
      },
    );
    const errors = settled.flatMap((s) => (s.ok ? [] : [s.error]));
    if (errors.length > 0) throw new DryRunError(errors);
    const entries = settled.flatMap((s) => (s.ok ? [s.value] : []));
    return {
      entries: entries.filter((e) => e.action !== 'skipped'),
      deferred: entries.filter((e) => e.action === 'skipped'),
    };
  }

  // ---- apply ------------------------------------------------------------------------------

  /**
   * Applies the set in stages: CRDs and Namespaces (then waits until they are established /
   * active), cluster definitions (RBAC, ServiceAccounts, *Classes), then the rest. Each stage
   * is dry-run first; if any object fails, nothing of the stage is written and ApplyError
   * (with what earlier stages applied) is thrown.
   */
  async applyAllStaged(inputs: readonly ApplyInput[], options: ApplyOptions = {}): Promise<ChangeSetEntry[]> {
    const emit = options.onEvent ?? (() => {});
    const pending = kindsDefinedBy(inputs);
    const applied: ChangeSetEntry[] = [];
    for (const [stage, stageInputs] of splitStages(inputs, (i) => refOf(i.object))) {
      options.signal?.throwIfAborted();
      const prepared = await this.prepareStage(stage, stageInputs, pending, options, applied);
      emit({ type: 'StageStarted', stage, refs: prepared.map((p) => p.ref) });

      const plans = await this.settleAll(prepared, (p) => this.plan(p, options.force ?? false));
      const planErrors = plans.flatMap((s) => (s.ok ? [] : [s.error]));
      if (planErrors.length > 0) {
        for (const error of planErrors) emit({ type: 'ObjectFailed', stage, ref: error.ref, error });
        throw new ApplyError(planErrors, stage, applied);
      }

      const results = await this.settleAll(
        plans.flatMap((s) => (s.ok ? [s.value] : [])),
        (plan) => this.execute(stage, plan, options),
      );
      const entries: ChangeSetEntry[] = [];
      const errors: ObjectError[] = [];
      for (const r of results) {
        if (r.ok) {
          entries.push(r.value);
          applied.push(r.value);
          emit({ type: 'ObjectApplied', stage, entry: r.value });
        } else {
          errors.push(r.error);
          emit({ type: 'ObjectFailed', stage, ref: r.error.ref, error: r.error });
        }
      }
      if (errors.length > 0) throw new ApplyError(errors, stage, applied);

      if (stage === 'definitions') {
        const refs = prepared.map((p) => p.ref);
        emit({ type: 'StageWaiting', stage, refs });
        await this.waitForSet(refs, {
          timeoutMs: options.stageTimeoutMs ?? 60_000,
          pollMs: 250,
          ...(options.signal && { signal: options.signal }),
          ...(options.onEvent && { onEvent: options.onEvent }),
        });
        for (const p of prepared) if (isCrd(p.ref)) this.forgetCrd(p.object);
      }
      emit({ type: 'StageCompleted', stage, entries });
    }
    return applied;
  }

  /** Prepares a stage's objects; kinds from CRDs of the set are looked up until served. */
  private async prepareStage(
    stage: StageName,
    inputs: readonly ApplyInput[],
    pending: ReadonlyMap<string, boolean>,
    options: ApplyOptions,
    applied: readonly ChangeSetEntry[],
  ): Promise<Prepared[]> {
    const deadline = Date.now() + (options.stageTimeoutMs ?? 60_000);
    const results = await mapLimit(inputs, this.concurrency, async (input): Promise<Settled<Prepared>> => {
      try {
        // Established CRDs are served within moments; discovery may lag a little behind.
        for (;;) {
          const p = await this.prepare(input, stage === 'definitions' ? new Map() : pending);
          if (p !== 'deferred') return { ok: true, value: p };
          if (Date.now() >= deadline) {
            const ref = refOf(input.object);
            throw new UnknownKindError(
              ref,
              `kind ${ref.kind} of ${apiVersionOfRef(ref)} is still not served after its CustomResourceDefinition was applied`,
              { file: input.origin?.path },
            );
          }
          this.api.forget(apiVersionOfRef(refOf(input.object)));
          await delay(250, undefined, options.signal ? { signal: options.signal } : {});
        }
      } catch (err) {
        return { ok: false, error: asObjectError(err, input) };
      }
    });
    const errors = results.flatMap((s) => (s.ok ? [] : [s.error]));
    if (errors.length > 0) throw new ApplyError(errors, stage, applied);
    return results.flatMap((s) => (s.ok ? [s.value] : []));
  }

  private forgetCrd(crd: KubeObject): void {
    const spec = crd.spec;
    if (!isObject(spec) || typeof spec.group !== 'string' || !Array.isArray(spec.versions)) return;
    for (const v of spec.versions) {
      if (isObject(v) && typeof v.name === 'string') this.api.forget(`${spec.group}/${v.name}`);
    }
  }

  private async settleAll<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<Settled<R>[]> {
    return mapLimit(items, this.concurrency, async (item) => {
      try {
        return { ok: true, value: await fn(item) } as const;
      } catch (err) {
        if (err instanceof ObjectError) return { ok: false, error: err } as const;
        throw err;
      }
    });
  }

  /** Writes one planned object. */
  private async execute(stage: StageName, plan: Plan, options: ApplyOptions): Promise<ChangeSetEntry> {
    const p = plan.prepared;
    const fail = (action: string, err: unknown) =>
      new ObjectRequestError(p.ref, action, err, { file: p.file, status: httpStatusOf(err) });
    if (plan.action === 'unchanged') return this.entryOf(plan);

    if (plan.recreate && plan.existing) {
      options.onEvent?.({ type: 'ObjectRecreating', stage, ref: p.ref, reason: plan.recreate.detail });
      try {
        await this.deleteObject(p);
        await this.waitGone(p, metadataOf(plan.existing).uid, options);
      } catch (err) {
        throw err instanceof ObjectError ? err : fail('delete for recreation', err);
      }
    }

    if (plan.cleanup) {
      try {
        await this.api.send({
          method: 'PATCH',
          path: this.objectPath(p),
          body: [{ op: 'replace', path: '/metadata/managedFields', value: plan.cleanup }],
          contentType: 'application/json-patch+json',
        });
      } catch (err) {
        throw fail('managedFields cleanup', err);
      }
    }

    let after: KubeObject;
    try {
      after = await this.serverSideApply(p, false);
    } catch (err) {
      if (isImmutableError(err)) {
        throw new ImmutableFieldError(p.ref, 'apply', err, { file: p.file, status: httpStatusOf(err) });
      }
      throw fail('apply', err);
    }
    if (plan.action === 'configured' && plan.existing) {
      return this.entryOf(plan, { changedFields: objectChanges(plan.existing, after) });
    }
    return this.entryOf(plan);
  }

  private async deleteObject(p: Pick<Prepared, 'apiVersion' | 'info' | 'ref'>): Promise<void> {
    try {
      await this.api.send({
        method: 'DELETE',
        path: this.objectPath(p),
        body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background' },
      });
    } catch (err) {
      if (httpStatusOf(err) !== 404) throw err;
    }
  }

  /** Polls until the object with `uid` is gone (or replaced by another one). */
  private async waitGone(p: Prepared, uid: unknown, options: ApplyOptions): Promise<void> {
    const timeoutMs = options.stageTimeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const current = await this.get(p);
      if (!current || metadataOf(current).uid !== uid) return;
      if (Date.now() >= deadline) {
        throw new ObjectError(p.ref, `still present ${timeoutMs / 1000}s after deletion for recreation`, {
          file: p.file,
        });
      }
      await delay(200, undefined, options.signal ? { signal: options.signal } : {});
    }
  }

  // ---- wait -------------------------------------------------------------------------------

  /** The kstatus of each object now. */
  async statusOf(refs: readonly ObjectRef[]): Promise<WaitResult[]> {
    return mapLimit(refs, this.concurrency, async (ref): Promise<WaitResult> => {
      const apiVersion = apiVersionOfRef(ref);
      const info = await this.api.lookup(apiVersion, ref.kind);
      if (!info) {
        return { ref, status: 'NotFound', message: `kind ${ref.kind} is not served in ${apiVersion}` };
      }
      const object = await this.get({ apiVersion, info, ref });
      const { status, message } = this.options.computeStatus(object);
      return { ref, status, message };
    });
  }

  /**
   * Polls kstatus until every object is Current. Throws WaitFailedError as soon as one is
   * Failed, WaitTimeoutError (with every object's last status and message) at the deadline,
   * and the signal's reason when aborted.
   */
  async waitForSet(refs: readonly ObjectRef[], options: WaitOptions): Promise<WaitResult[]> {
    const deadline = Date.now() + options.timeoutMs;
    const pollMs = options.pollMs ?? 1000;
    for (;;) {
      options.signal?.throwIfAborted();
      const results = await this.statusOf(refs);
      options.onEvent?.({ type: 'WaitProgress', results });
      const failed = results.filter((r) => r.status === 'Failed');
      if (failed.length > 0) throw new WaitFailedError(failed, results);
      if (results.every((r) => r.status === 'Current')) return results;
      if (Date.now() >= deadline) throw new WaitTimeoutError(options.timeoutMs, results);
      const remaining = deadline - Date.now();
      await delay(
        Math.max(0, Math.min(pollMs, remaining)),
        undefined,
        options.signal ? { signal: options.signal } : {},
      );
    }
  }

  // ---- prune ------------------------------------------------------------------------------

  /**
   * Deletes the stale objects that still carry all `ownerLabels`, skipping those annotated
   * `kustomize.moor.dev/prune: disabled` (or Flux's annotation), those already gone or being
   * deleted, and those whose kind is no longer served. Namespaces go last, after CRDs, after
   * everything else; a Namespace holding stale objects that were kept (prune disabled, not
   * ours) is kept too. Throws PruneError (after trying every object) when deletes fail.
   */
  async prune(stale: readonly InventoryEntry[], options: PruneOptions): Promise<PruneResult> {
    const selector = Object.entries(options.ownerLabels);
    if (selector.length === 0)
      throw new Error('prune needs owner labels: without them it could delete anything');
    const emit = options.onEvent ?? (() => {});
    const refs = stale.map(parseEntry);
    const order = (ref: ObjectRef) =>
      isNamespace(ref) ? 3 : isCrd(ref) ? 2 : stageOf(ref) === 'cluster' ? 1 : 0;
    const groups = [0, 1, 2, 3].map((n) => refs.filter((r) => order(r) === n));

    const result: PruneResult = { deleted: [], skipped: [] };
    const errors: ObjectError[] = [];
    const skip = (ref: ObjectRef, reason: string) => {
      const entry: ChangeSetEntry = { ref, action: 'skipped', reason };
      result.skipped.push(entry);
      emit({ type: 'PruneSkipped', entry });
    };
    for (const group of groups) {
      options.signal?.throwIfAborted();
      await mapLimit(group, this.concurrency, async (ref) => {
        try {
          const apiVersion = apiVersionOfRef(ref);
          const info = await this.api.lookup(apiVersion, ref.kind);
          if (!info) return skip(ref, `kind ${ref.kind} is no longer served in ${apiVersion}`);
          if (isNamespace(ref)) {
            const kept = result.skipped.filter(
              (e) => e.ref.namespace === ref.name && e.reason !== 'already deleted',
            );
            if (kept.length > 0) {
              return skip(
                ref,
                `it holds objects that are kept: ${kept.map((e) => formatRef(e.ref)).join(', ')}`,
              );
            }
          }
          const target = { apiVersion, info, ref };
          const live = await this.get(target);
          if (!live) return skip(ref, 'already deleted');
          if (metadataOf(live).deletionTimestamp) return skip(ref, 'already being deleted');
          const labels = labelsOf(live);
          if (!selector.every(([k, v]) => labels[k] === v))
            return skip(ref, 'no longer carries our owner labels');
          const annotations = annotationsOf(live);
          if (
            annotations[PRUNE_ANNOTATION]?.toLowerCase() === 'disabled' ||
            annotations[FLUX_PRUNE_ANNOTATION]?.toLowerCase() === 'disabled'
          ) {
            return skip(ref, 'pruning is disabled by annotation');
          }
          await this.deleteObject(target);
          const entry: ChangeSetEntry = { ref, action: 'deleted' };
          result.deleted.push(entry);
          emit({ type: 'ObjectPruned', entry });
        } catch (err) {
          errors.push(new ObjectRequestError(ref, 'delete', err, { status: httpStatusOf(err) }));
        }
      });
    }
    if (errors.length > 0) throw new PruneError(errors);
    return result;
  }
}

function deferredEntry(input: ApplyInput, why: string): ChangeSetEntry {
  return {
    ref: refOf(input.object),
    action: 'skipped',
    reason: `checked when applied: ${why}`,
    ...(input.origin && { file: input.origin.path }),
  };
}

function asObjectError(err: unknown, input: ApplyInput): ObjectError {
  if (err instanceof ObjectError) return err;
  return new ObjectError(refOf(input.object), err instanceof Error ? err.message : String(err), {
    cause: err,
    file: input.origin?.path,
  });
}
