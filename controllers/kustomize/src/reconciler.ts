// Reconciles a Kustomization, in Flux's order, each step with its own failure reason:
//   suspend? → dependsOn → source artifact → build → validate (server-side dry-run of all) →
//   apply (staged) → prune → health → status, history record, events, drift tracking.
// Nothing is applied unless every object validated. Status is written once at the end,
// whatever happened; the inventory only ever grows by what was really applied.
import { createHash, randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import {
  ConditionType,
  changeCounts,
  type DriftFinding,
  type GitRepository,
  HISTORY_SCHEMA_VERSION,
  historyRecordId,
  type Kustomization,
  type KustomizationHistory,
  KustomizationResource,
  type KustomizationStatus,
  type ObjectChange,
  type ObjectReference,
  RECONCILE_REQUESTED_AT_ANNOTATION,
  Reason,
  type ReconcileRecord,
  type ReconcileTrigger,
} from '@moor/api';
import { writeHistory } from '@moor/bus';
import { BuildError, type BuiltObject, build, buildOptionsFor } from '@moor/kustomize-build';
import {
  type BackgroundBus,
  type Clock,
  type ControllerMetrics,
  computeStatus,
  type EventRecorder,
  errorMessage,
  finishReconcile,
  jitter,
  parseDuration,
  type ReconcileRequestContext,
  type Reconciler,
  type Requeue,
  type ResourceClient,
  RetryableError,
  removeCondition,
  setCondition,
  systemClock,
  toReconcileError,
  withImpersonation,
} from '@moor/runtime';
import {
  ApplySetError,
  type ChangeSetEntry,
  DryRunError,
  entryOf,
  type InventoryEntry,
  type KubeObject,
  ObjectRequestError,
  ownerLabelsFor,
  ResourceManager,
  refOf,
  staleEntries,
} from './apply/index.js';
import type { DriftEvent, DriftWatcher, IgnoreRule } from './drift/index.js';
import { trackedObject } from './drift/index.js';
import { dependencyNotReady, fetchSourceArtifact, Reasons, substitutionValues } from './inputs.js';

export const FINALIZER = 'kustomize.moor.dev/finalizer';
export const SUSPEND_REASON_ANNOTATION = 'kustomize.moor.dev/suspend-reason';
export const SUSPEND_UNTIL_ANNOTATION = 'kustomize.moor.dev/suspend-until';
export const SUSPENDED_BY_ANNOTATION = 'kustomize.moor.dev/suspended-by';
const STATUS_HISTORY = 10;

export interface KustomizationReconcilerOptions {
  controller: string;
  instance: string;
  kubeConfig: k8s.KubeConfig;
  kustomizations: ResourceClient<Kustomization>;
  sources: ResourceClient<GitRepository>;
  recorder: EventRecorder;
  metrics: ControllerMetrics;
  bus: BackgroundBus;
  drift?: DriftWatcher;
  kustomizeBinary: string;
  fieldManager: string;
  allowRemoteBases: boolean;
  defaultServiceAccount?: string;
  workDir?: string;
  clock?: Clock;
}

interface CachedBuild {
  fingerprint: string;
  objects: BuiltObject[];
}

const keyOf = (ks: Kustomization) => `${ks.metadata.namespace}/${ks.metadata.name}`;

function objectRefOf(ks: Kustomization): ObjectReference {
  return {
    apiVersion: KustomizationResource.apiVersion,
    kind: KustomizationResource.kind,
    namespace: ks.metadata.namespace as string,
    name: ks.metadata.name as string,
    ...(ks.metadata.uid ? { uid: ks.metadata.uid } : {}),
  };
}

function referenceOf(entry: ChangeSetEntry): ObjectReference {
  const { group, version, kind, namespace, name } = entry.ref;
  return { apiVersion: group ? `${group}/${version}` : version, kind, namespace, name };
}

function toChange(entry: ChangeSetEntry): ObjectChange {
  const { id } = entryOf(entry.ref);
  const action = entry.action === 'skipped' ? 'unchanged' : entry.action;
  return {
    id,
    object: referenceOf(entry),
    action,
    ...(entry.changedFields?.length ? { changedFields: entry.changedFields } : {}),
  };
}

function driftFingerprint(events: readonly DriftEvent[]): string {
  const parts = events.map((e) => [
    `${e.ref.group}/${e.ref.kind}/${e.ref.namespace}/${e.ref.name}`,
    e.kind,
    e.changes.map((c) => [c.path, c.desired, c.live]),
  ]);
  return JSON.stringify(parts.sort((a, b) => String(a[0]).localeCompare(String(b[0]))));
}

export function describeDrift(d: DriftFinding): string {
  const o = d.object;
  const what = `${o.kind}/${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
  if (d.type === 'deleted') return `${what} was deleted`;
  const show = (v: unknown) => (v === undefined ? '(absent)' : JSON.stringify(v));
  return `${what}: ${d.changes.map((c) => `${c.path} ${show(c.desired)} → ${show(c.live)}${c.manager ? ` (by ${c.manager})` : ''}`).join(', ')}`;
}

export class KustomizationReconciler implements Reconciler<Kustomization> {
  private readonly core: k8s.CoreV1Api;
  private readonly clock: Clock;
  private readonly managers = new Map<string, ResourceManager>();
  private readonly builds = new Map<string, CachedBuild>();
  /** Drift reported since the last reconcile of each Kustomization. */
  private readonly pendingDrift = new Map<string, DriftEvent[]>();
  /** Detect mode: the drift last reported per Kustomization, so it is reported once. */
  private readonly reportedDrift = new Map<string, string>();
  /** Kustomizations woken by a dependency becoming ready. */
  readonly dependencyWakeups = new Set<string>();
  /** The artifact (`revision|digest`) each Kustomization's latest reconcile fetched. */
  private readonly fetchedArtifacts = new Map<string, string>();

  constructor(private readonly opts: KustomizationReconcilerOptions) {
    this.core = opts.kubeConfig.makeApiClient(k8s.CoreV1Api);
    this.clock = opts.clock ?? systemClock;
  }

  /** Drift of one of our objects: remembered for the next reconcile's record. */
  noteDrift(event: DriftEvent): void {
    const list = this.pendingDrift.get(event.kustomization) ?? [];
    list.push(event);
    this.pendingDrift.set(event.kustomization, list);
  }

  /** The artifact (`revision|digest`) the latest reconcile of `key` fetched, if any. */
  artifactSeen(key: string): string | undefined {
    return this.fetchedArtifacts.get(key);
  }

  /** Forgets what is remembered about a deleted Kustomization. */
  forget(key: string): void {
    this.fetchedArtifacts.delete(key);
    this.dependencyWakeups.delete(key);
  }

  /** The identity a Kustomization applies as: its ServiceAccount, or the controller's own. */
  private identity(ks: Kustomization): string | undefined {
    const sa = ks.spec.serviceAccountName ?? this.opts.defaultServiceAccount;
    return sa ? `system:serviceaccount:${ks.metadata.namespace}:${sa}` : undefined;
  }

  /**
   * Under impersonation, an API server's 403 is the ServiceAccount's missing rights, not a bad
   * manifest: say so, naming the ServiceAccount (the per-object messages say what was denied).
   */
  private throwIfDenied(ks: Kustomization, err: unknown): void {
    const identity = this.identity(ks);
    if (!identity || !(err instanceof ApplySetError)) return;
    if (!err.errors.some((e) => e instanceof ObjectRequestError && e.status === 403)) return;
    const sa = ks.spec.serviceAccountName ?? this.opts.defaultServiceAccount;
    throw new RetryableError(
      `ServiceAccount ${ks.metadata.namespace}/${sa} (${identity}) is not allowed to apply: ${err.message}`,
      { reason: Reasons.ImpersonationFailed, cause: err },
    );
  }

  private manager(ks: Kustomization): ResourceManager {
    const identity = this.identity(ks) ?? '';
    const key = `${identity}|${keyOf(ks)}`;
    let m = this.managers.get(key);
    if (!m) {
      const kc = identity ? withImpersonation(this.opts.kubeConfig, identity) : this.opts.kubeConfig;
      m = new ResourceManager(kc, {
        computeStatus,
        fieldManager: this.opts.fieldManager,
        ownerLabels: ownerLabelsFor(ks.metadata.name as string, ks.metadata.namespace as string),
        defaultNamespace: ks.spec.targetNamespace ?? (ks.metadata.namespace as string),
      });
      this.managers.set(key, m);
    }
    return m;
  }

  private trigger(
    ks: Kustomization,
    revision: string | undefined,
    drift: { reported: DriftEvent[]; found: DriftEvent[] },
    dependencyReady: boolean,
  ): ReconcileTrigger {
    const requested = ks.metadata.annotations?.[RECONCILE_REQUESTED_AT_ANNOTATION];
    // A drift report woke this reconcile.
    if (drift.reported.length > 0) return 'Drift';
    if (requested && requested !== ks.status?.lastHandledReconcileAt) return 'Manual';
    // Before SpecChange: a Kustomization held by its dependencies has not observed its generation.
    if (dependencyReady) return 'DependencyReady';
    if (ks.status?.observedGeneration !== ks.metadata.generation) return 'SpecChange';
    if (revision && revision !== ks.status?.lastAppliedRevision) return 'NewRevision';
    // The safety net found drift no report had announced.
    if (drift.found.length > 0) return 'Drift';
    return 'Interval';
  }

  async reconcile(ks: Kustomization, ctx: ReconcileRequestContext): Promise<Requeue> {
    const started = this.clock.now();
    const key = keyOf(ks);
    const mref = {
      kind: KustomizationResource.kind,
      namespace: ks.metadata.namespace as string,
      name: ks.metadata.name as string,
    };
    const status: KustomizationStatus = structuredClone(ks.status ?? {});
    const generation = ks.metadata.generation ?? 0;
    const requestedAt = ks.metadata.annotations?.[RECONCILE_REQUESTED_AT_ANNOTATION];
    if (requestedAt) status.lastHandledReconcileAt = requestedAt;
    const intervalMs = parseDuration(ks.spec.interval, 'spec.interval');
    const retryMs = ks.spec.retryInterval
      ? parseDuration(ks.spec.retryInterval, 'spec.retryInterval')
      : intervalMs;
    const timeoutMs = ks.spec.timeout ? parseDuration(ks.spec.timeout, 'spec.timeout') : intervalMs;

    // Consumed here, once: trigger() runs twice (before and after the artifact is known).
    const dependencyReady = this.dependencyWakeups.delete(key);
    const suspended = await this.handleSuspension(ks, status, ctx);
    this.opts.metrics.recordSuspended(mref, suspended.suspended);
    if (suspended.suspended) {
      await this.writeStatus(ks, status);
      return suspended.untilMs === undefined
        ? {}
        : { requeueAfterMs: Math.max(0, suspended.untilMs - this.clock.now()) };
    }

    const reported = this.pendingDrift.get(key) ?? [];
    this.pendingDrift.delete(key);
    // The watch caches say what is drifted now: a report may already be corrected, and drift
    // may exist that no report has reached us for yet (an interval reconcile finds it too).
    const current = this.opts.drift ? this.opts.drift.currentDrift(key) : reported;
    // drift.mode Detect leaves drift in place: report it once, not again at every interval.
    const fingerprint = driftFingerprint(current);
    const alreadyReported =
      current.length > 0 && reported.length === 0 && this.reportedDrift.get(key) === fingerprint;
    const drift = alreadyReported ? [] : current;
    const driftMode = ks.spec.drift?.mode ?? 'Correct';
    const record: ReconcileRecord = {
      schema: HISTORY_SCHEMA_VERSION,
      id: historyRecordId(started, randomBytes(4).toString('hex')),
      kustomization: { namespace: mref.namespace, name: mref.name },
      trigger: this.trigger(ks, undefined, { reported, found: drift }, dependencyReady),
      startedAt: new Date(started).toISOString(),
      durationMs: 0,
      result: 'Succeeded',
      changes: [],
      pruned: [],
      drift: [],
      errors: [],
      appliedBy: {
        controller: this.opts.controller,
        instance: this.opts.instance,
        ...(this.identity(ks) ? { serviceAccount: this.identity(ks) } : {}),
      },
    };

    let outcome: { ok: true; message: string; reason: string } | { ok: false; error: unknown };
    let applied: ChangeSetEntry[] = [];
    let inventory: InventoryEntry[] | undefined;
    let secrets: string[] = [];
    try {
      const notReady = await dependencyNotReady(ks, this.opts.kustomizations, this.opts.sources);
      if (notReady) throw new RetryableError(notReady, { reason: Reasons.DependencyNotReady });

      const artifact = await fetchSourceArtifact(ks, this.opts.sources, ctx.signal);
      this.fetchedArtifacts.set(key, `${artifact.revision}|${artifact.digest}`);
      record.revision = artifact.revision;
      record.digest = artifact.digest;
      record.trigger = this.trigger(ks, artifact.revision, { reported, found: drift }, dependencyReady);
      status.lastAttemptedRevision = artifact.revision;
      const log = ctx.log.child({ revision: artifact.revision });

      // drift.mode Detect: drift is for a human to decide. Only a new revision, a spec change
      // or a request applies; the interval and the drift watch only report.
      const reportOnly =
        driftMode === 'Detect' &&
        (record.trigger === 'Drift' || record.trigger === 'Interval') &&
        status.lastAppliedRevision === artifact.revision &&
        status.observedGeneration === generation;
      if (reportOnly) {
        if (drift.length > 0) this.reportedDrift.set(key, fingerprint);
        record.drift = drift.map((d) => this.finding(d, false));
        if (drift.length > 0) record.result = 'DriftDetected';
        outcome = {
          ok: true,
          reason: Reasons.ReconciliationSucceeded,
          message: `Applied revision: ${artifact.revision}${drift.length ? '; drift detected and left as is (drift.mode Detect)' : ''}`,
        };
      } else {
        const values = await substitutionValues(ks, this.core);
        secrets = Object.values(values).filter((v) => v.length >= 4);
        const objects = await this.buildObjects(ks, artifact, values, ctx.signal);
        const manager = this.manager(ks);
        const inputs = objects.map((o) => ({
          object: o.object as KubeObject,
          origin: { path: o.origin.path },
        }));
        try {
          await manager.dryRunAll(inputs, { force: ks.spec.force === true });
        } catch (err) {
          this.throwIfDenied(ks, err);
          if (err instanceof DryRunError)
            throw new RetryableError(err.message, { reason: Reasons.ValidationFailed, cause: err });
          throw err;
        }
        const correcting = drift.length > 0 && driftMode === 'Correct';
        applied = await manager
          .applyAllStaged(inputs, { force: ks.spec.force === true, signal: ctx.signal })
          .catch((err: unknown) => {
            this.throwIfDenied(ks, err);
            throw new RetryableError(errorMessage(err), { reason: Reasons.ApplyFailed, cause: err });
          });
        record.changes = applied.map(toChange);
        this.reportedDrift.delete(key);
        record.drift = drift.map((d) => this.finding(d, correcting));
        const newInventory = applied.map((e) => entryOf(e.ref));

        // Drift tracking follows what is applied now; pruned objects leave it before they go.
        this.opts.drift?.track(
          key,
          inputs.map((i) => trackedObject(this.desiredAsApplied(i.object, ks, applied))),
          { ignore: this.ignoreRules(ks) },
        );

        // Checkpoint the inventory before prune and the health wait, which can take minutes: a
        // controller that dies meanwhile must leave a successor every object it created, or those
        // that a later revision drops are orphaned. The final status write below replaces it.
        const previous = status.inventory?.entries ?? [];
        const known = new Map(previous.map((e) => [e.id, e]));
        for (const e of newInventory) known.set(e.id, e);
        if (known.size !== previous.length) {
          status.inventory = { entries: [...known.values()] };
          await this.writeStatus(ks, status);
        }

        const stale = staleEntries(previous, newInventory);
        if (ks.spec.prune && stale.length > 0) {
          const pruned = await manager
            .prune(stale, { ownerLabels: ownerLabelsFor(mref.name, mref.namespace) })
            .catch((err: unknown) => {
              this.throwIfDenied(ks, err);
              throw new RetryableError(errorMessage(err), { reason: Reasons.PruneFailed, cause: err });
            });
          record.pruned = pruned.deleted.map(toChange);
        }
        inventory = newInventory;
        const waits = ks.spec.wait === true || (ks.spec.healthChecks?.length ?? 0) > 0;
        if (waits && status.inventory && status.inventory.entries.length !== newInventory.length) {
          status.inventory = { entries: newInventory };
          await this.writeStatus(ks, status);
        }

        const health = await this.checkHealth(ks, manager, applied, timeoutMs, ctx.signal);
        record.health = health;
        status.conditions = setCondition(
          status.conditions,
          {
            type: ConditionType.Healthy,
            status: health.status === 'Unhealthy' ? 'False' : 'True',
            reason: health.status === 'Unhealthy' ? Reason.HealthCheckFailed : Reason.Succeeded,
            message: health.message,
          },
          { now: new Date(this.clock.now()), observedGeneration: generation },
        );
        if (health.status === 'Unhealthy')
          throw new RetryableError(health.message, { reason: Reasons.HealthCheckFailed });

        status.lastAppliedRevision = artifact.revision;
        if (correcting) record.result = 'DriftCorrected';
        log.info({ ...changeCounts(record), trigger: record.trigger }, 'applied');
        outcome = {
          ok: true,
          reason: Reasons.ReconciliationSucceeded,
          message: `Applied revision: ${artifact.revision}`,
        };
      }
    } catch (err) {
      outcome = { ok: false, error: err };
    }

    // Status: conditions, inventory (only what was really applied), history summary.
    if (inventory) status.inventory = { entries: inventory };
    else if (applied.length > 0) {
      // Applied but failed later (prune, health): keep both old and new so nothing is orphaned.
      const merged = new Map((status.inventory?.entries ?? []).map((e) => [e.id, e]));
      for (const e of applied) merged.set(entryOf(e.ref).id, entryOf(e.ref));
      status.inventory = { entries: [...merged.values()] };
    }
    const finished = finishReconcile(status, generation, outcome, new Date(this.clock.now()));
    let conditions = finished.conditions;
    if (outcome.ok) conditions = removeCondition(conditions, 'Stalled');
    record.durationMs = Math.round(this.clock.now() - started);
    if (!outcome.ok) {
      const e = toReconcileError(outcome.error, Reason.Failed, secrets);
      record.result = 'Failed';
      record.errors = [e.message];
      if (drift.length > 0 && record.drift.length === 0)
        record.drift = drift.map((d) => this.finding(d, false));
    }
    const next: KustomizationStatus = {
      ...status,
      conditions,
      ...(finished.observedGeneration === undefined
        ? {}
        : { observedGeneration: finished.observedGeneration }),
      history: this.summarize(record, status.history),
    };
    await this.writeStatus(ks, next);
    this.opts.metrics.recordConditions(mref, conditions);
    await this.publish(ks, record, ctx);

    if (!outcome.ok) {
      const e = toReconcileError(outcome.error, Reason.Failed, secrets);
      ctx.log.warn({ reason: e.reason, err: e.message }, 'reconcile failed');
      if (e.stalling) return { requeueAfterMs: jitter(intervalMs) };
      // Flux's retryInterval, not the queue's exponential backoff: a failing Kustomization
      // is retried at a pace its owner chose.
      return { requeueAfterMs: jitter(retryMs) };
    }
    return { requeueAfterMs: jitter(intervalMs) };
  }

  /** kustomize runs only when the artifact, spec or substitution values changed. */
  private async buildObjects(
    ks: Kustomization,
    artifact: { digest: string; bytes: Uint8Array },
    values: Record<string, string>,
    signal: AbortSignal,
  ): Promise<BuiltObject[]> {
    const key = keyOf(ks);
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([artifact.digest, ks.metadata.generation, ks.spec, values]))
      .digest('hex');
    const cached = this.builds.get(key);
    if (cached?.fingerprint === fingerprint) return cached.objects;
    const spec = ks.spec;
    try {
      const result = await build({
        artifact: { bytes: artifact.bytes, digest: artifact.digest },
        ...buildOptionsFor(spec, values),
        kustomizeBinary: this.opts.kustomizeBinary,
        allowRemoteBases: this.opts.allowRemoteBases,
        ...(this.opts.workDir ? { workDir: this.opts.workDir } : {}),
        signal,
      });
      this.builds.set(key, { fingerprint, objects: result.objects });
      return result.objects;
    } catch (err) {
      if (err instanceof BuildError)
        throw new RetryableError(err.message, { reason: Reasons.BuildFailed, cause: err });
      throw err;
    }
  }

  /** The object as the apply sends it: owner labels set, namespace defaulted. */
  private desiredAsApplied(
    object: KubeObject,
    ks: Kustomization,
    applied: readonly ChangeSetEntry[],
  ): KubeObject {
    const meta = (object.metadata ?? {}) as Record<string, unknown>;
    const labels = {
      ...((meta.labels as Record<string, string> | undefined) ?? {}),
      ...ownerLabelsFor(ks.metadata.name as string, ks.metadata.namespace as string),
    };
    // A namespaced object without metadata.namespace went to the default namespace; the
    // change set, resolved against discovery, knows which (and leaves cluster-scoped ones alone).
    const ref = refOf(object);
    const entry = applied.find(
      (e) =>
        e.ref.kind === ref.kind &&
        e.ref.group === ref.group &&
        e.ref.name === ref.name &&
        (ref.namespace === '' || e.ref.namespace === ref.namespace),
    );
    const namespace = entry?.ref.namespace ? { namespace: entry.ref.namespace } : {};
    return { ...object, metadata: { ...meta, ...namespace, labels } };
  }

  private ignoreRules(ks: Kustomization): IgnoreRule[] {
    return (ks.spec.ignore ?? []).map((r) => ({
      paths: r.paths,
      ...(r.target
        ? {
            target: {
              ...(r.target.group !== undefined ? { group: r.target.group } : {}),
              ...(r.target.version !== undefined ? { version: r.target.version } : {}),
              ...(r.target.kind !== undefined ? { kind: r.target.kind } : {}),
              ...(r.target.name !== undefined ? { name: r.target.name } : {}),
              ...(r.target.namespace !== undefined ? { namespace: r.target.namespace } : {}),
            },
          }
        : {}),
    }));
  }

  private finding(d: DriftEvent, corrected: boolean): DriftFinding {
    const { group, version, kind, namespace, name } = d.ref;
    return {
      object: { apiVersion: group ? `${group}/${version}` : version, kind, namespace, name },
      type: d.kind,
      changes: d.changes.map((c) => ({
        path: c.path,
        desired: c.desired,
        live: c.live,
        ...(c.manager ? { manager: c.manager } : {}),
      })),
      corrected,
    };
  }

  private async checkHealth(
    ks: Kustomization,
    manager: ResourceManager,
    applied: ChangeSetEntry[],
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<{ status: 'Healthy' | 'Unhealthy' | 'Skipped'; message: string }> {
    const refs = ks.spec.wait
      ? applied.map((e) => e.ref)
      : (ks.spec.healthChecks ?? []).map((h) => {
          const [group, version] = (h.apiVersion ?? 'v1').includes('/')
            ? (h.apiVersion as string).split('/')
            : ['', h.apiVersion ?? 'v1'];
          return {
            group: group as string,
            version: version as string,
            kind: h.kind,
            name: h.name,
            namespace: h.namespace ?? (ks.metadata.namespace as string),
          };
        });
    if (refs.length === 0) return { status: 'Skipped', message: 'no health checks' };
    try {
      await manager.waitForSet(refs, { timeoutMs, signal });
      return { status: 'Healthy', message: `${refs.length} object${refs.length === 1 ? '' : 's'} healthy` };
    } catch (err) {
      return { status: 'Unhealthy', message: errorMessage(err) };
    }
  }

  private summarize(r: ReconcileRecord, previous: KustomizationHistory[] = []): KustomizationHistory[] {
    const counts = changeCounts(r);
    const entry: KustomizationHistory = {
      id: r.id,
      trigger: r.trigger,
      ...(r.revision ? { revision: r.revision } : {}),
      startedAt: r.startedAt.replace(/\.\d{3}Z$/, 'Z'),
      durationMs: r.durationMs,
      result: r.result,
      counts,
      driftedObjects: r.drift.length,
      message: (r.errors[0] ?? (r.drift.length ? r.drift.map(describeDrift).join('; ') : '')).slice(0, 1024),
    };
    // Newest first; a quiet interval reconcile replaces the previous quiet one instead of piling up.
    const quiet = (h: KustomizationHistory) =>
      h.trigger === 'Interval' &&
      h.result === 'Succeeded' &&
      !h.counts?.created &&
      !h.counts?.configured &&
      !h.counts?.deleted;
    const rest = quiet(entry) && previous[0] && quiet(previous[0]) ? previous.slice(1) : previous;
    return [entry, ...rest].slice(0, STATUS_HISTORY);
  }

  private async publish(
    ks: Kustomization,
    record: ReconcileRecord,
    ctx: ReconcileRequestContext,
  ): Promise<void> {
    const bus = this.opts.bus.current();
    if (bus) {
      await writeHistory(bus.js, record).catch((err: unknown) =>
        ctx.log.warn(
          { err: errorMessage(err) },
          'could not write the history record to NATS; status.history has its summary',
        ),
      );
    }
    const object = objectRefOf(ks);
    const metadata: Record<string, string> = {
      ...(record.revision ? { revision: record.revision } : {}),
      ...(record.digest ? { digest: record.digest } : {}),
      historyId: record.id,
    };
    if (record.drift.length > 0) {
      const corrected = record.result === 'DriftCorrected';
      await this.opts.recorder.record({
        object,
        severity: corrected ? 'info' : 'error',
        reason: corrected ? 'DriftCorrected' : 'DriftDetected',
        message: `${corrected ? 'corrected drift' : 'drift detected, not corrected'}: ${record.drift.map(describeDrift).join('; ')}`,
        metadata: { ...metadata, drift: JSON.stringify(record.drift), dedupKey: `${record.id}` },
      });
      // The drift event is the whole story of this reconcile: one notification, not two.
      if (record.result !== 'Failed') return;
    }
    if (record.result === 'Failed') {
      const message = record.errors.join('; ');
      await this.opts.recorder.record({
        object,
        severity: 'error',
        reason: 'ReconciliationFailed',
        message,
        metadata: { ...metadata, dedupKey: createHash('sha256').update(message).digest('hex').slice(0, 16) },
      });
      return;
    }
    const changed = [...record.changes.filter((c) => c.action !== 'unchanged'), ...record.pruned];
    if (changed.length > 0 || record.trigger === 'NewRevision') {
      const lines = changed.map(
        (c) =>
          `${c.object.kind}/${c.object.namespace ? `${c.object.namespace}/` : ''}${c.object.name} ${c.action}`,
      );
      await this.opts.recorder.record({
        object,
        severity: 'info',
        reason: 'ReconciliationSucceeded',
        message: `applied revision ${record.revision}${lines.length ? `: ${lines.join(', ')}` : ', no changes'}`,
        metadata,
      });
    }
  }

  /** Break-glass suspension: spec.suspend with a reason and an expiry that lifts itself. */
  private async handleSuspension(
    ks: Kustomization,
    status: KustomizationStatus,
    ctx: ReconcileRequestContext,
  ): Promise<{ suspended: boolean; untilMs?: number }> {
    const a = ks.metadata.annotations ?? {};
    if (!ks.spec.suspend) {
      delete status.suspension;
      return { suspended: false };
    }
    const until = a[SUSPEND_UNTIL_ANNOTATION];
    const untilMs = until ? Date.parse(until) : undefined;
    if (untilMs !== undefined && !Number.isNaN(untilMs) && untilMs <= this.clock.now()) {
      // The suspension expired: lift it, as the on-call engineer asked when setting it.
      await this.opts.kustomizations.mergePatch(ks, {
        metadata: {
          annotations: {
            [SUSPEND_UNTIL_ANNOTATION]: null,
            [SUSPEND_REASON_ANNOTATION]: null,
            [SUSPENDED_BY_ANNOTATION]: null,
          },
        },
        spec: { suspend: false },
      });
      ctx.log.info({ until }, 'suspension expired; resuming');
      delete status.suspension;
      return { suspended: true };
    }
    const suspension = {
      ...(a[SUSPEND_REASON_ANNOTATION] ? { reason: a[SUSPEND_REASON_ANNOTATION] } : {}),
      ...(until ? { until } : {}),
      ...(a[SUSPENDED_BY_ANNOTATION] ? { by: a[SUSPENDED_BY_ANNOTATION] } : {}),
    };
    if (JSON.stringify(status.suspension ?? null) !== JSON.stringify(suspension)) {
      status.suspension = suspension;
      const started = this.clock.now();
      const record: ReconcileRecord = {
        schema: HISTORY_SCHEMA_VERSION,
        id: historyRecordId(started, randomBytes(4).toString('hex')),
        kustomization: { namespace: ks.metadata.namespace as string, name: ks.metadata.name as string },
        trigger: 'Manual',
        ...(ks.status?.lastAppliedRevision ? { revision: ks.status.lastAppliedRevision } : {}),
        startedAt: new Date(started).toISOString(),
        durationMs: 0,
        result: 'Suspended',
        changes: [],
        pruned: [],
        drift: [],
        errors: [],
        appliedBy: { controller: this.opts.controller, instance: this.opts.instance },
        suspension,
      };
      status.history = this.summarize(record, status.history);
      await this.publish(ks, record, ctx);
    }
    return { suspended: true, ...(untilMs !== undefined && !Number.isNaN(untilMs) ? { untilMs } : {}) };
  }

  private async writeStatus(ks: Kustomization, status: KustomizationStatus): Promise<void> {
    await this.opts.kustomizations.applyStatus(
      ks.metadata.namespace as string,
      ks.metadata.name as string,
      status,
    );
  }

  async finalize(ks: Kustomization, ctx: ReconcileRequestContext): Promise<void> {
    const key = keyOf(ks);
    this.opts.drift?.untrack(key);
    this.builds.delete(key);
    this.pendingDrift.delete(key);
    const policy = ks.spec.deletionPolicy ?? 'MirrorPrune';
    const prune =
      policy === 'Delete' || policy === 'WaitForTermination' || (policy === 'MirrorPrune' && ks.spec.prune);
    const entries = ks.status?.inventory?.entries ?? [];
    if (prune && entries.length > 0 && !ks.spec.suspend) {
      const result = await this.manager(ks).prune(entries, {
        ownerLabels: ownerLabelsFor(ks.metadata.name as string, ks.metadata.namespace as string),
      });
      ctx.log.info(
        { deleted: result.deleted.length, kept: result.skipped.length },
        'pruned the inventory on deletion',
      );
    }
    for (const k of [...this.managers.keys()]) if (k.endsWith(`|${key}`)) this.managers.delete(k);
    this.reportedDrift.delete(key);
  }
}
