// What every Moor controller process sets up the same way: a logger, the kubeconfig (acting as
// its ServiceAccount when told to), metrics, NATS in the background, the event recorder, the
// NATS reconcile-request listener, and the Manager around it all.
import type * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { type BackgroundBus, connectBusInBackground } from './bus-connection.js';
import { EventRecorder } from './event-recorder.js';
import type { CommonConfig } from './flags.js';
import type { JsonRoute } from './http.js';
import { loadKubeConfig } from './kube.js';
import { createLogger } from './logger.js';
import { Manager, type Runnable } from './manager.js';
import { ControllerMetrics } from './metrics.js';

export interface ControllerProcess {
  name: string;
  log: Logger;
  kubeConfig: k8s.KubeConfig;
  metrics: ControllerMetrics;
  bus: BackgroundBus;
  recorder: EventRecorder;
  /** Hands reconcile requests for `kind` that arrive over NATS to `enqueue` (namespace/name). */
  reconcileRequests(kind: string, enqueue: (key: string) => void): Runnable;
  /** The Manager: probes, leader election (when configured), graceful shutdown. */
  manager(parts: {
    runnables: Runnable[];
    services?: Runnable[];
    readinessChecks?: Record<string, () => boolean | Promise<boolean>>;
    routes?: Record<string, JsonRoute>;
  }): Manager;
}

export function controllerProcess(name: string, config: CommonConfig, logger?: Logger): ControllerProcess {
  const log = logger ?? createLogger({ level: config.logLevel, controller: name });
  const kubeConfig = loadKubeConfig({
    ...(config.kubeconfig ? { kubeconfig: config.kubeconfig } : {}),
    ...(config.impersonate ? { impersonate: config.impersonate } : {}),
  });
  const metrics = new ControllerMetrics({ controller: name, processMetrics: true });
  const bus = connectBusInBackground({
    ...(config.natsUrl ? { url: config.natsUrl } : {}),
    ...(config.natsCredsFile ? { credsFile: config.natsCredsFile } : {}),
    name,
    log,
  });
  const recorder = new EventRecorder(kubeConfig, {
    controller: name,
    instance: process.env.HOSTNAME ?? 'local',
    bus: bus.current,
    log,
  });
  return {
    name,
    log,
    kubeConfig,
    metrics,
    bus,
    recorder,
    reconcileRequests(kind, enqueue) {
      let stop: (() => Promise<void>) | undefined;
      return {
        start: async () => {
          // Receivers and `moor reconcile` ask over NATS; the annotation is the durable fallback.
          bus.onConnected((b) => {
            const sub = b.onReconcileRequest(kind, (r) => {
              log.info(
                { object: `${r.object.namespace}/${r.object.name}`, by: r.requestedBy },
                'reconcile requested over NATS',
              );
              enqueue(`${r.object.namespace}/${r.object.name}`);
            });
            stop = () => sub.stop();
          });
        },
        stop: async () => stop?.(),
      };
    },
    manager: (parts) =>
      new Manager({
        name,
        kubeConfig,
        log,
        metrics,
        probeAddress: config.probeAddress,
        ...(config.leaderElect ? { leaderElection: { namespace: config.leaderElectionNamespace } } : {}),
        ...parts,
      }),
  };
}
