// Wires the notification controller: Provider, Alert and Receiver controllers (validation and
// status), the event dispatcher (leader only: one sender), and the receiver endpoint (every
// replica: webhooks are stateless), probes and leader election.
import * as k8s from '@kubernetes/client-node';
import {
  type Alert,
  AlertResource,
  GitRepositoryResource,
  KustomizationResource,
  type MoorEvent,
  type Provider,
  ProviderResource,
  type Receiver,
  ReceiverResource,
} from '@moor/api';
import {
  Controller,
  controllerProcess,
  errorMessage,
  type Logger,
  type Manager,
  parseDuration,
  ResourceClient,
  splitHostPort,
} from '@moor/runtime';
import type { NotificationControllerConfig } from './config.js';
import { type Delivery, Dispatcher } from './dispatcher.js';
import { AlertReconciler, ProviderReconciler, ReceiverReconciler, readSecret } from './objects.js';
import { buildRequest, deliver } from './providers/index.js';
import { ReceiverServer } from './receiver-server.js';

export const CONTROLLER_NAME = 'notification-controller';

export interface NotificationController {
  manager: Manager;
  receiverServer: ReceiverServer;
  stop(): Promise<void>;
}

const LABELLED_KINDS: Record<string, { group: string; version: string; plural: string }> = {
  GitRepository: GitRepositoryResource,
  Kustomization: KustomizationResource,
  Provider: ProviderResource,
  Alert: AlertResource,
  Receiver: ReceiverResource,
};

export async function startNotificationController(
  config: NotificationControllerConfig,
  logger?: Logger,
): Promise<NotificationController> {
  const proc = controllerProcess(CONTROLLER_NAME, config, logger);
  const { log, kubeConfig, metrics, bus, recorder } = proc;
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  const custom = kubeConfig.makeApiClient(k8s.CustomObjectsApi);
  const providerClient = new ResourceClient<Provider>(kubeConfig, ProviderResource, CONTROLLER_NAME);
  const alertClient = new ResourceClient<Alert>(kubeConfig, AlertResource, CONTROLLER_NAME);
  const receiverClient = new ResourceClient<Receiver>(kubeConfig, ReceiverResource, CONTROLLER_NAME);
  const shard = {
    ...(config.watchLabelSelector ? { labelSelector: config.watchLabelSelector } : {}),
    ...(config.watchNamespace ? { namespace: config.watchNamespace } : {}),
  };
  const common = { kubeConfig, log, metrics, concurrency: config.concurrent, ...shard };
  const providers = new Controller<Provider>({
    ...common,
    name: CONTROLLER_NAME,
    resource: ProviderResource,
    reconciler: new ProviderReconciler(kubeConfig, providerClient),
  });
  const alerts = new Controller<Alert>({
    ...common,
    name: CONTROLLER_NAME,
    resource: AlertResource,
    reconciler: new AlertReconciler(alertClient, providerClient),
  });
  const receivers = new Controller<Receiver>({
    ...common,
    name: CONTROLLER_NAME,
    resource: ReceiverResource,
    reconciler: new ReceiverReconciler(kubeConfig, receiverClient),
  });
  // A Provider's readiness changes the Alerts that use it.
  providers.cache.on('update', (provider) => {
    for (const a of alerts.cache.list(provider.metadata.namespace as string)) {
      if (a.spec.providerRef.name === provider.metadata.name)
        alerts.enqueue(`${a.metadata.namespace}/${a.metadata.name}`);
    }
  });

  const delivery: Delivery = {
    async send(provider: Provider, event: MoorEvent, _alert: Alert, signal: AbortSignal) {
      const ns = provider.metadata.namespace as string;
      const secret = provider.spec.secretRef
        ? await readSecret(core, ns, provider.spec.secretRef.name, 'spec.secretRef')
        : {};
      const ca = provider.spec.certSecretRef
        ? (await readSecret(core, ns, provider.spec.certSecretRef.name, 'spec.certSecretRef'))['ca.crt']
        : undefined;
      const request = buildRequest(provider.spec, secret, event);
      const timeoutMs = provider.spec.timeout ? parseDuration(provider.spec.timeout, 'spec.timeout') : 15_000;
      return deliver(request, {
        timeoutMs,
        maxElapsedMs: config.deliveryGiveUpMs,
        signal,
        ...(ca ? { caCert: ca } : {}),
      });
    },
  };

  const labelsOf = async (kind: string, namespace: string, name: string) => {
    const r = LABELLED_KINDS[kind];
    if (!r) return undefined;
    const o = (await custom
      .getNamespacedCustomObject({ group: r.group, version: r.version, plural: r.plural, namespace, name })
      .catch(() => undefined)) as { metadata?: { labels?: Record<string, string> } } | undefined;
    return o?.metadata?.labels;
  };

  let dispatcher: Dispatcher | undefined;
  const dispatching = {
    start: async () => {
      await Promise.all([providers.cache.whenSynced(), alerts.cache.whenSynced()]);
      bus.onConnected((b) => {
        dispatcher = new Dispatcher({
          bus: b,
          consumerName: config.consumerName,
          dedupWindowMs: config.dedupWindowMs,
          alerts: () => alerts.cache.list(),
          provider: (ns, name) => providers.cache.get(`${ns}/${name}`),
          labelsOf,
          delivery,
          recorder,
          log,
        });
        dispatcher
          .start()
          .catch((err: unknown) => log.error({ err: errorMessage(err) }, 'cannot consume events'));
      });
    },
    stop: async () => dispatcher?.stop(),
  };

  const receiverServer = new ReceiverServer({
    address: splitHostPort(config.receiverAddress),
    kubeConfig,
    receivers: () => receivers.cache.list(),
    tokenOf: async (r) =>
      (
        (await readSecret(
          core,
          r.metadata.namespace as string,
          r.spec.secretRef.name,
          'spec.secretRef',
        ).catch(() => ({}))) as Record<string, string>
      ).token,
    bus: bus.current,
    log,
  });
  // Every replica serves webhooks from its own Receiver cache.
  const receiverService = {
    start: async () => {
      await receivers.startCache();
      await receiverServer.start();
    },
    stop: () => receiverServer.stop(),
  };

  const manager = proc.manager({
    services: [receiverService],
    runnables: [providers, alerts, receivers, dispatching],
    readinessChecks: { 'receivers-synced': (): boolean => receivers.cache.hasSynced() },
  });
  await manager.start();
  log.info(
    { receivers: `http://${config.receiverAddress.replace(/:0$/, `:${receiverServer.port}`)}` },
    'notification controller started',
  );
  return {
    manager,
    receiverServer,
    stop: async () => {
      await manager.stop();
      await bus.close();
    },
  };
}
