// Reconciles a GitRepository: credentials → resolve the ref (one round trip) → fetch and
// package only when the revision moved → store, announce, garbage-collect. Status is written
// once, at the end, whatever happened (the `finally` of Flux's reconcilers); the last good
// artifact stays in status and on disk when a reconcile fails.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import {
  type Condition,
  ConditionType,
  type GitRepository,
  type GitRepositoryArtifact,
  GitRepositoryResource,
  type GitRepositoryStatus,
  RECONCILE_REQUESTED_AT_ANNOTATION,
  Reason,
} from '@moor/api';
import { artifactSubject, type Bus, Streams } from '@moor/bus';
import {
  type Clock,
  type ControllerMetrics,
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
  StallingError,
  setCondition,
  systemClock,
  toReconcileError,
} from '@moor/runtime';
import { artifactPath, type ExtraFile, garbageCollect, packageCommit } from './artifact/index.js';
import type { ArtifactServer } from './artifact-server.js';
import { readCredentials } from './credentials.js';
import { fetchRevision, GitError, type ResolvedRef, redactUrl, resolveRemoteRef } from './git/index.js';
import { type CurrentInclude, currentIncludes, downloadIncludes } from './include.js';

export const FINALIZER = 'source.moor.dev/finalizer';
const KIND_DIR = 'gitrepository';

/** Git failures that only a change to the spec can fix. */
const STALLING_GIT_REASONS = new Set(['InvalidUrl', 'InvalidRef', 'RepositoryTooLarge']);

export interface GitRepositoryReconcilerOptions {
  client: ResourceClient<GitRepository>;
  kubeConfig: k8s.KubeConfig;
  storagePath: string;
  /** http://host:port the artifact URLs start with. */
  artifactBaseUrl: string;
  artifactServer?: ArtifactServer;
  recorder: EventRecorder;
  metrics: ControllerMetrics;
  bus: () => Bus | undefined;
  retention: { keep: number; ttlMs: number };
  maxRepositorySize: number;
  clock?: Clock;
}

function objectRef(repo: GitRepository) {
  return {
    apiVersion: GitRepositoryResource.apiVersion,
    kind: GitRepositoryResource.kind,
    namespace: repo.metadata.namespace as string,
    name: repo.metadata.name as string,
    ...(repo.metadata.uid ? { uid: repo.metadata.uid } : {}),
  };
}

export class GitRepositoryReconciler implements Reconciler<GitRepository> {
  private readonly core: k8s.CoreV1Api;
  private readonly clock: Clock;

  constructor(private readonly opts: GitRepositoryReconcilerOptions) {
    this.core = opts.kubeConfig.makeApiClient(k8s.CoreV1Api);
    this.clock = opts.clock ?? systemClock;
  }

  private gitdir(repo: GitRepository): string {
    return join(
      this.opts.storagePath,
      '.git-cache',
      repo.metadata.namespace as string,
      repo.metadata.name as string,
    );
  }

  private artifactDir(repo: GitRepository): string {
    return join(
      this.opts.storagePath,
      KIND_DIR,
      repo.metadata.namespace as string,
      repo.metadata.name as string,
    );
  }

  async reconcile(repo: GitRepository, ctx: ReconcileRequestContext): Promise<Requeue> {
    const { metrics } = this.opts;
    const mref = {
      kind: GitRepositoryResource.kind,
      namespace: repo.metadata.namespace as string,
      name: repo.metadata.name as string,
    };
    const suspended = repo.spec.suspend === true;
    metrics.recordSuspended(mref, suspended);
    const status: GitRepositoryStatus = structuredClone(repo.status ?? {});
    const requestedAt = repo.metadata.annotations?.[RECONCILE_REQUESTED_AT_ANNOTATION];
    if (suspended) {
      ctx.log.debug('suspended; skipping');
      if (requestedAt && requestedAt !== status.lastHandledReconcileAt) {
        status.lastHandledReconcileAt = requestedAt;
        await this.writeStatus(repo, status);
      }
      return {};
    }

    let intervalMs: number;
    try {
      intervalMs = parseDuration(repo.spec.interval, 'spec.interval');
    } catch (err) {
      // The CRD's pattern makes this unreachable through the API; stay safe anyway.
      const finished = finishReconcile(status, repo.metadata.generation ?? 0, {
        ok: false,
        error: new StallingError((err as Error).message, { reason: Reason.InvalidSpec }),
      });
      await this.writeStatus(repo, { ...status, ...finished });
      return {};
    }

    let outcome: { ok: true; message: string } | { ok: false; error: unknown; secrets: string[] };
    let secrets: string[] = [];
    let newArtifact: GitRepositoryArtifact | undefined;
    try {
      const auth = await readCredentials(this.core, repo);
      secrets = auth.secrets;
      const timeoutMs = repo.spec.timeout ? parseDuration(repo.spec.timeout, 'spec.timeout') : 60_000;
      const remote = {
        url: repo.spec.url,
        ...(auth.credentials ? { credentials: auth.credentials } : {}),
        ...(auth.caCert ? { caCert: auth.caCert } : {}),
        timeoutMs,
        signal: ctx.signal,
        maxBytes: this.opts.maxRepositorySize,
      };
      const ref = repo.spec.ref ? { ...repo.spec.ref } : undefined;
      const resolved = await resolveRemoteRef({ ...remote, ...(ref ? { ref } : {}) });
      const log = ctx.log.child({ revision: resolved.revision });

      const includes = await currentIncludes(repo, this.opts.client);
      if (await this.upToDate(repo, status, resolved, includes)) {
        log.debug('artifact up to date; nothing fetched');
        outcome = { ok: true, message: `stored artifact for revision '${resolved.revision}'` };
      } else {
        const fetched = await fetchRevision({
          ...remote,
          ...(ref ? { ref } : {}),
          gitdir: this.gitdir(repo),
          resolved,
        });
        const extra = includes.length > 0 ? await downloadIncludes(includes, ctx.signal) : [];
        const artifact = await this.store(repo, fetched, extra);
        log.info(
          { digest: artifact.digest, size: artifact.size, bytesReceived: fetched.bytesReceived },
          'stored new artifact',
        );
        status.artifact = artifact;
        status.observedIgnore = repo.spec.ignore;
        status.includedArtifacts = includes.length > 0 ? includes.map((i) => i.artifact) : undefined;
        status.observedInclude = repo.spec.include;
        newArtifact = artifact;
        outcome = { ok: true, message: `stored artifact for revision '${artifact.revision}'` };
      }
      status.conditions = removeCondition(status.conditions, ConditionType.FetchFailed);
      status.conditions = setCondition(
        status.conditions,
        {
          type: ConditionType.ArtifactInStorage,
          status: 'True',
          reason: Reason.Succeeded,
          message: outcome.message,
        },
        { now: new Date(this.clock.now()), observedGeneration: repo.metadata.generation ?? 0 },
      );
    } catch (err) {
      outcome = { ok: false, error: classify(err, repo), secrets };
    }

    if (requestedAt) status.lastHandledReconcileAt = requestedAt;
    const finished = finishReconcile(
      status,
      repo.metadata.generation ?? 0,
      outcome,
      new Date(this.clock.now()),
    );
    let conditions: Condition[] = finished.conditions;
    if (!outcome.ok) {
      const e = toReconcileError(outcome.error, Reason.Failed, secrets);
      conditions = setCondition(
        conditions,
        { type: ConditionType.FetchFailed, status: 'True', reason: e.reason, message: e.message },
        { now: new Date(this.clock.now()), observedGeneration: repo.metadata.generation ?? 0 },
      );
    }
    const next: GitRepositoryStatus = {
      ...status,
      conditions,
      ...(finished.observedGeneration === undefined
        ? {}
        : { observedGeneration: finished.observedGeneration }),
    };
    await this.writeStatus(repo, next);
    metrics.recordConditions(mref, conditions);

    if (newArtifact) await this.announce(repo, newArtifact, ctx);
    if (!outcome.ok) {
      const e = toReconcileError(outcome.error, Reason.Failed, secrets);
      await this.opts.recorder.record({
        object: objectRef(repo),
        severity: 'error',
        reason: e.reason,
        message: e.message,
        metadata: {
          dedupKey: createHash('sha256').update(`${e.reason}\0${e.message}`).digest('hex').slice(0, 16),
          ...(status.artifact ? { revision: status.artifact.revision } : {}),
        },
      });
      ctx.log.warn({ reason: e.reason, err: e.message }, 'reconcile failed');
      // A stalled object waits for a spec change (which enqueues it) or the next interval.
      if (e.stalling) return { requeueAfterMs: jitter(intervalMs) };
      throw e;
    }
    return { requeueAfterMs: jitter(intervalMs) };
  }

  /** Same revision, ignore rules and included artifacts, and the file is still on disk: nothing to do. */
  private async upToDate(
    repo: GitRepository,
    status: GitRepositoryStatus,
    resolved: ResolvedRef,
    includes: readonly CurrentInclude[],
  ): Promise<boolean> {
    const a = status.artifact;
    if (!a || a.revision !== resolved.revision || status.observedIgnore !== repo.spec.ignore) return false;
    // Included artifacts count too: a new one of theirs means repackaging ours.
    const wanted = JSON.stringify(includes.map((i) => i.artifact.digest));
    const had = JSON.stringify((status.includedArtifacts ?? []).map((i) => i.digest));
    const includeSpec =
      JSON.stringify(status.observedInclude ?? []) === JSON.stringify(repo.spec.include ?? []);
    if (wanted !== had || !includeSpec) return false;
    return existsSync(join(this.opts.storagePath, a.path));
  }

  private async store(
    repo: GitRepository,
    fetched: { commit: string; revision: string; gitdir: string },
    extra: readonly ExtraFile[],
  ): Promise<GitRepositoryArtifact> {
    const rel = artifactPath(
      KIND_DIR,
      repo.metadata.namespace as string,
      repo.metadata.name as string,
      fetched.commit,
    );
    const destination = join(this.opts.storagePath, rel);
    const info = await packageCommit({
      gitdir: fetched.gitdir,
      commit: fetched.commit,
      destination,
      ...(repo.spec.ignore !== undefined ? { ignore: repo.spec.ignore } : {}),
      extra,
    });
    const st = await stat(destination);
    this.opts.artifactServer?.remember(rel, info.digest, st.mtimeMs, st.size);
    await garbageCollect(this.artifactDir(repo), destination, this.opts.retention);
    return {
      path: rel,
      url: `${this.opts.artifactBaseUrl}/${rel}`,
      revision: fetched.revision,
      digest: info.digest,
      lastUpdateTime: new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      size: info.size,
    };
  }

  private async announce(
    repo: GitRepository,
    artifact: GitRepositoryArtifact,
    ctx: ReconcileRequestContext,
  ): Promise<void> {
    const ref = objectRef(repo);
    await this.opts.recorder.record({
      object: ref,
      severity: 'info',
      reason: 'NewArtifact',
      message: `stored artifact for revision '${artifact.revision}'`,
      metadata: { revision: artifact.revision, digest: artifact.digest ?? '' },
    });
    const bus = this.opts.bus();
    if (!bus) return;
    await bus
      .announceArtifact({
        source: ref,
        revision: artifact.revision,
        digest: artifact.digest ?? '',
        url: artifact.url,
        size: artifact.size ?? 0,
        lastUpdateTime: artifact.lastUpdateTime,
      })
      .catch((err: unknown) =>
        ctx.log.warn({ err: errorMessage(err) }, 'could not announce the artifact on NATS'),
      );
  }

  private async writeStatus(repo: GitRepository, status: GitRepositoryStatus): Promise<void> {
    await this.opts.client.applyStatus(
      repo.metadata.namespace as string,
      repo.metadata.name as string,
      status,
    );
  }

  async finalize(repo: GitRepository, ctx: ReconcileRequestContext): Promise<void> {
    await rm(this.artifactDir(repo), { recursive: true, force: true });
    await rm(this.gitdir(repo), { recursive: true, force: true });
    // Its last announcement would otherwise stay in MOOR_ARTIFACTS forever.
    await this.opts
      .bus()
      ?.jsm.streams.purge(Streams.artifacts, { filter: artifactSubject(objectRef(repo)) })
      .catch((err: unknown) =>
        ctx.log.warn({ err: errorMessage(err) }, 'could not purge the artifact announcement'),
      );
    ctx.log.info('removed the artifacts, the Git cache and the announcement');
  }
}

/** Git failures keep their specific reason; those a spec change must fix stall. */
function classify(err: unknown, repo: GitRepository): unknown {
  if (err instanceof GitError) {
    const message = err.message.includes(redactUrl(repo.spec.url))
      ? err.message
      : `${redactUrl(repo.spec.url)}: ${err.message}`;
    return STALLING_GIT_REASONS.has(err.reason)
      ? new StallingError(message, { reason: err.reason, cause: err })
      : new RetryableError(message, { reason: err.reason, cause: err });
  }
  return err;
}
