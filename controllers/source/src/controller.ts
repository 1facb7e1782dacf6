// Wires the source controller together: Kubernetes client, NATS (optional, reconnecting in
// the background), the GitRepository controller, the artifact server, probes and leader
// election. `startSourceController` is what main.ts runs and what tests start in-process.
import { mkdir } from 'node:fs/promises';
import { type GitRepository, GitRepositoryResource } from '@moor/api';
import {
  Controller,
  controllerProcess,
  type Logger,
  type Manager,
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
  const proc = controllerProcess(CONTROLLER_NAME, config, logger);
  const { log, kubeConfig, metrics, bus, recorder } = proc;
  await mkdir(config.storagePath, { recursive: true });
  const artifactServer = new ArtifactServer(config.storagePath, splitHostPort(config.storageAddress), log);
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
  const manager = proc.manager({
    runnables: [
      controller,
      proc.reconcileRequests(GitRepositoryResource.kind, (key) => controller.enqueue(key)),
    ],
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
