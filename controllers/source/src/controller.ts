// Wires the source controller together: Kubernetes client, NATS (optional, reconnecting in
// the background), the GitRepository controller, the artifact server, probes and leader
// election. `startSourceController` is what main.ts runs and what tests start in-process.
import { mkdir } from 'node:fs/promises';
import { type GitRepository, GitRepositoryResource } from '@moor/api';
import {
  Controller,
  ControllerMetrics,
  connectBusInBackground,
  createLogger,
  EventRecorder,
  type Logger,
  loadKubeConfig,
  Manager,
  ResourceClient,
  splitHostPort,
} from '@moor/runtime';
import { ArtifactServer } from './artifact-server.js';
import type { SourceControllerConfig } from './config.js';
import { FINALIZER, GitRepositoryReconciler } from './reconciler.js';

export const CONTROLLER_NAME = 'source-controller';

export interface SourceController {
  manager: Manager;
  controller: Controller<GitRepository>;
  artifactServer: ArtifactServer;
  stop(): Promise<void>;
}

export async function startSourceController(
  config: SourceControllerConfig,
  logger?: Logger,
): Promise<SourceController> {
  const log = logger ?? createLogger({ level: config.logLevel, controller: CONTROLLER_NAME });
  const kubeConfig = loadKubeConfig({
    ...(config.kubeconfig ? { kubeconfig: config.kubeconfig } : {}),
    ...(config.impersonate ? { impersonate: config.impersonate } : {}),
  });
  await mkdir(config.storagePath, { recursive: true });
  const metrics = new ControllerMetrics({ controller: CONTROLLER_NAME, processMetrics: true });
  const bus = connectBusInBackground({
    ...(config.natsUrl ? { url: config.natsUrl } : {}),
    ...(config.natsCredsFile ? { credsFile: config.natsCredsFile } : {}),
    name: CONTROLLER_NAME,
    log,
  });
  const artifactServer = new ArtifactServer(config.storagePath, splitHostPort(config.storageAddress), log);
  const recorder = new EventRecorder(kubeConfig, {
    controller: CONTROLLER_NAME,
    instance: process.env.HOSTNAME ?? 'local',
    bus: bus.current,
    log,
  });
  // The artifact server first: artifact URLs carry its port (0 in tests picks a free one).
  await artifactServer.start();
  const advertised = config.storageAdvertisedAddress.replace(/:0$/, `:${artifactServer.port}`);
  const reconciler = new GitRepositoryReconciler({
    client: new ResourceClient<GitRepository>(kubeConfig, GitRepositoryResource, CONTROLLER_NAME),
    kubeConfig,
    storagePath: config.storagePath,
    artifactBaseUrl: `http://${advertised}`,
    artifactServer,
    recorder,
    metrics,
    bus: bus.current,
    retention: { keep: config.artifactRetentionRecords, ttlMs: config.artifactRetentionTtlMs },
    maxRepositorySize: config.maxRepositorySize,
  });
  const controller: Controller<GitRepository> = new Controller<GitRepository>({
    name: CONTROLLER_NAME,
    resource: GitRepositoryResource,
    kubeConfig,
    reconciler,
    log,
    metrics,
    finalizer: FINALIZER,
    concurrency: config.concurrent,
    ...(config.watchLabelSelector ? { labelSelector: config.watchLabelSelector } : {}),
    ...(config.watchNamespace ? { namespace: config.watchNamespace } : {}),
  });
  // A new artifact of an included GitRepository re-packages the ones that include it.
  controller.cache.on('update', (repo, previous) => {
    if (previous.status?.artifact?.digest === repo.status?.artifact?.digest) return;
    const ns = repo.metadata.namespace as string;
    for (const r of controller.cache.list(ns)) {
      if (r.spec.include?.some((i) => i.repository.name === repo.metadata.name))
        controller.enqueue(`${ns}/${r.metadata.name}`);
    }
  });
  let stopRequests: (() => Promise<void>) | undefined;
  const requestListener = {
    start: async () => {
      // Receivers and `moor reconcile` ask over NATS; the annotation is the fallback.
      const poll = setInterval(() => {
        const b = bus.current();
        if (!b) return;
        clearInterval(poll);
        const sub = b.onReconcileRequest(GitRepositoryResource.kind, (r) => {
          log.info(
            { object: `${r.object.namespace}/${r.object.name}`, by: r.requestedBy },
            'reconcile requested over NATS',
          );
          controller.enqueue(`${r.object.namespace}/${r.object.name}`);
        });
        stopRequests = () => sub.stop();
      }, 200);
      stopRequests = async () => clearInterval(poll);
    },
    stop: async () => stopRequests?.(),
  };
  const manager: Manager = new Manager({
    name: CONTROLLER_NAME,
    kubeConfig,
    log,
    metrics,
    probeAddress: config.probeAddress,
    ...(config.leaderElect ? { leaderElection: { namespace: config.leaderElectionNamespace } } : {}),
    runnables: [controller, requestListener],
    readinessChecks: {
      'watch-cache-synced': (): boolean => !manager.isLeader || controller.cache.hasSynced(),
    },
  });
  await manager.start();
  log.info({ storage: config.storagePath, artifacts: `http://${advertised}` }, 'source controller started');
  return {
    manager,
    controller,
    artifactServer,
    stop: async () => {
      await manager.stop();
      await artifactServer.stop();
      await bus.close();
    },
  };
}
