// Wires the kustomize controller: the Kustomization controller; what wakes a Kustomization
// (a NATS artifact announcement at once, the GitRepository watch as the fallback when NATS is
// down, a dependency becoming ready, drift, a reconcile request); the drift watcher; probes.
import { mkdir } from 'node:fs/promises';
import {
  ConditionType,
  type GitRepository,
  GitRepositoryResource,
  type Kustomization,
  KustomizationResource,
} from '@moor/api';
import {
  Controller,
  controllerProcess,
  errorMessage,
  InformerCache,
  kubeListWatch,
  type Logger,
  type Manager,
  ResourceClient,
} from '@moor/runtime';
import type { KustomizeControllerConfig } from './config.js';
import { DriftWatcher, kubeListWatchFactory } from './drift/index.js';
import { HISTORY_API_PATH, historyApi } from './history-api.js';
import { sourceKey } from './inputs.js';
import { FINALIZER, KustomizationReconciler } from './reconciler.js';

export const CONTROLLER_NAME = 'kustomize-controller';

export interface KustomizeController {
  manager: Manager;
  controller: Controller<Kustomization>;
  stop(): Promise<void>;
}

export async function startKustomizeController(
  config: KustomizeControllerConfig,
  logger?: Logger,
): Promise<KustomizeController> {
  const proc = controllerProcess(CONTROLLER_NAME, config, logger);
  const { log, kubeConfig, metrics, bus, recorder } = proc;
  if (config.workDir) await mkdir(config.workDir, { recursive: true });
  const instance = process.env.HOSTNAME ?? 'local';
  const kustomizations = new ResourceClient<Kustomization>(
    kubeConfig,
    KustomizationResource,
    CONTROLLER_NAME,
  );
  const sources = new ResourceClient<GitRepository>(kubeConfig, GitRepositoryResource, CONTROLLER_NAME);

  let controller: Controller<Kustomization> | undefined;
  const enqueue = (key: string) => controller?.enqueue(key);
  const drift = new DriftWatcher({
    listWatch: kubeListWatchFactory(kubeConfig),
    fieldManager: config.fieldManager,
    onDrift: (event) => {
      const ks = controller?.cache.get(event.kustomization);
      if (!ks) return;
      log.info(
        {
          kustomization: event.kustomization,
          object: `${event.ref.kind}/${event.ref.namespace}/${event.ref.name}`,
          kind: event.kind,
        },
        'drift',
      );
      reconciler.noteDrift(event);
      enqueue(event.kustomization);
    },
    onError: (err) => log.warn({ err: errorMessage(err) }, 'drift watch'),
  });
  const reconciler = new KustomizationReconciler({
    controller: CONTROLLER_NAME,
    instance,
    kubeConfig,
    kustomizations,
    sources,
    recorder,
    metrics,
    bus,
    drift,
    kustomizeBinary: config.kustomizeBinary,
    fieldManager: config.fieldManager,
    allowRemoteBases: config.allowRemoteBases,
    ...(config.defaultServiceAccount ? { defaultServiceAccount: config.defaultServiceAccount } : {}),
    ...(config.workDir ? { workDir: config.workDir } : {}),
  });
  controller = new Controller<Kustomization>({
    name: CONTROLLER_NAME,
    resource: KustomizationResource,
    kubeConfig,
    reconciler,
    log,
    metrics,
    finalizer: FINALIZER,
    concurrency: config.concurrent,
    ...(config.watchLabelSelector ? { labelSelector: config.watchLabelSelector } : {}),
    ...(config.watchNamespace ? { namespace: config.watchNamespace } : {}),
  });
  const ksController = controller;

  /** Every Kustomization whose source is `ns/name`. */
  const dependentsOfSource = (namespace: string, name: string): string[] =>
    ksController.cache
      .list()
      .filter((ks) => {
        const s = sourceKey(ks);
        return s.namespace === namespace && s.name === name;
      })
      .map((ks) => `${ks.metadata.namespace}/${ks.metadata.name}`);

  // A new artifact reaches us twice, by its NATS announcement and by the GitRepository watch:
  // one reconcile is enough. Without this, the second wake-up ran a reconcile of nothing new and
  // recorded it in the history as an Interval reconcile that never was.
  const wokenFor = new Map<string, string>();
  const wakeForArtifact = (
    namespace: string,
    name: string,
    artifact: { revision: string; digest?: string },
  ) => {
    const id = `${artifact.revision}|${artifact.digest ?? ''}`;
    for (const key of dependentsOfSource(namespace, name)) {
      // Already woken for it, or a reconcile already fetched it (the watch event can come late).
      if (wokenFor.get(key) === id || reconciler.artifactSeen(key) === id) continue;
      wokenFor.set(key, id);
      enqueue(key);
    }
  };
  ksController.cache.on('delete', (ks) => {
    const key = `${ks.metadata.namespace}/${ks.metadata.name}`;
    wokenFor.delete(key);
    reconciler.forget(key);
  });

  // A dependency turning Ready wakes the Kustomizations waiting for it.
  // (The cache calls update handlers with the new object first, then the previous one.)
  ksController.cache.on('update', (after, before) => {
    const ready = (k: Kustomization) =>
      k.status?.conditions?.some((c) => c.type === ConditionType.Ready && c.status === 'True');
    const revisionMoved = before.status?.lastAppliedRevision !== after.status?.lastAppliedRevision;
    if (!ready(after) || (ready(before) && !revisionMoved)) return;
    for (const ks of ksController.cache.list()) {
      const waits = ks.spec.dependsOn?.some(
        (d) =>
          d.name === after.metadata.name &&
          (d.namespace ?? ks.metadata.namespace) === after.metadata.namespace,
      );
      if (waits) {
        const key = `${ks.metadata.namespace}/${ks.metadata.name}`;
        reconciler.dependencyWakeups.add(key);
        enqueue(key);
      }
    }
  });

  // The fallback path: the GitRepository's status, when NATS announcements do not arrive.
  const sourceCache = new InformerCache<GitRepository>(
    kubeListWatch<GitRepository>(kubeConfig, {
      group: GitRepositoryResource.group,
      version: GitRepositoryResource.version,
      plural: GitRepositoryResource.plural,
      ...(config.watchNamespace ? { namespace: config.watchNamespace } : {}),
    }),
    { onError: (err) => log.warn({ err: errorMessage(err) }, 'GitRepository watch failed; retrying') },
  );
  sourceCache.on('update', (after, before) => {
    const artifact = after.status?.artifact;
    if (!artifact) return;
    const previous = before.status?.artifact;
    if (previous?.revision === artifact.revision && previous?.digest === artifact.digest) return;
    wakeForArtifact(after.metadata.namespace as string, after.metadata.name as string, artifact);
  });

  const stops: Array<() => Promise<void>> = [];
  const wakeups = {
    start: async () => {
      sourceCache.start();
      bus.onConnected((b) => {
        void b
          .watchArtifacts(
            (a) => wakeForArtifact(a.source.namespace, a.source.name, a),
            GitRepositoryResource.kind,
          )
          .then((w) => stops.push(() => w.stop()))
          .catch((err: unknown) =>
            log.warn({ err: errorMessage(err) }, 'cannot watch artifact announcements'),
          );
      });
    },
    stop: async () => {
      sourceCache.stop();
      drift.stop();
      for (const s of stops.splice(0)) await s().catch(() => undefined);
    },
  };

  const manager = proc.manager({
    runnables: [wakeups, proc.reconcileRequests(KustomizationResource.kind, enqueue), ksController],
    routes: { [HISTORY_API_PATH]: historyApi(bus) },
    readinessChecks: {
      'watch-cache-synced': (): boolean => !manager.isLeader || ksController.cache.hasSynced(),
    },
  });
  await manager.start();
  log.info('kustomize controller started');
  return {
    manager,
    controller: ksController,
    stop: async () => {
      await manager.stop();
      await bus.close();
    },
  };
}
