// Shared pieces of the notification controller's tests: a notification controller of the test's
// own (a label shard the sandbox's controller ignores, its own durable consumer), events published
// to NATS as a controller would, and a way to know an event has been fully handled (its JetStream
// message acknowledged), which is how a test proves that something was NOT sent.
import { randomUUID } from 'node:crypto';
import { EVENT_SCHEMA_VERSION, type MoorEvent } from '@moor/api';
import { Bus, eventSubject, Streams } from '@moor/bus';
import {
  type NotificationController,
  parseConfig,
  startNotificationController,
} from '@moor/notification-controller';
import { createLogger } from '@moor/runtime';
import { afterAll, beforeAll } from 'vitest';
import {
  alerts,
  createSecret,
  isReady,
  providers,
  sandboxEnv,
  uniqueName,
  WebhookServer,
  waitFor,
} from '../harness/index.js';

export const SHARD_LABEL = 'moor.dev/shard';

/** A notification controller in this process, for one label shard, with a durable consumer of its own. */
export class OwnController {
  readonly shard = uniqueName('notify-shard');
  readonly consumerName = uniqueName('notify-test');
  running: NotificationController | undefined;

  get labels(): Record<string, string> {
    return { [SHARD_LABEL]: this.shard };
  }

  async start(extraFlags: string[] = []): Promise<NotificationController> {
    const env = sandboxEnv();
    const config = parseConfig([
      `--kubeconfig=${env.KUBECONFIG}`,
      `--watch-label-selector=${SHARD_LABEL}=${this.shard}`,
      `--consumer-name=${this.consumerName}`,
      '--receiver-addr=127.0.0.1:0',
      '--probe-addr=127.0.0.1:0',
      `--nats-url=${env.NATS_URL}`,
      ...extraFlags,
    ]);
    this.running = await startNotificationController(config, createLogger({ level: 'silent' }));
    return this.running;
  }

  async stop(): Promise<void> {
    const r = this.running;
    this.running = undefined;
    await r?.stop();
  }
}

/**
 * A test bus (the sandbox's NATS) for the file's tests, and the consumer of `consumerName` (when
 * given) removed afterwards.
 */
export function useBus(consumerName?: () => string): { readonly bus: Bus } {
  const holder: { bus?: Bus } = {};
  beforeAll(async () => {
    holder.bus = await Bus.connect({ servers: sandboxEnv().NATS_URL, name: uniqueName('notify-test') });
  });
  afterAll(async () => {
    const name = consumerName?.();
    if (name && holder.bus)
      await holder.bus.jsm.consumers.delete(Streams.events, name).catch(() => undefined);
    await holder.bus?.close();
  });
  return {
    get bus(): Bus {
      if (!holder.bus) throw new Error('the test bus is not connected');
      return holder.bus;
    },
  };
}

/** A controller event about a Kustomization, as the kustomize controller would emit it. */
export function kustomizationEvent(
  namespace: string,
  name: string,
  fields: Partial<Pick<MoorEvent, 'severity' | 'reason' | 'message' | 'metadata'>> = {},
): MoorEvent {
  return {
    schema: EVENT_SCHEMA_VERSION,
    id: randomUUID(),
    involvedObject: { apiVersion: 'kustomize.moor.dev/v1', kind: 'Kustomization', namespace, name },
    severity: fields.severity ?? 'info',
    reason: fields.reason ?? 'ReconciliationSucceeded',
    message: fields.message ?? `applied revision main@sha1:${'a'.repeat(40)}, no changes`,
    metadata: fields.metadata ?? { revision: `main@sha1:${'a'.repeat(40)}` },
    reportingController: 'kustomize-controller',
    timestamp: new Date().toISOString(),
  };
}

/** Publishes an event to MOOR_EVENTS as Bus.publishEvent does; returns its stream sequence. */
export async function publish(bus: Bus, event: MoorEvent): Promise<number> {
  const ack = await bus.js.publish(eventSubject(event.involvedObject), JSON.stringify(event), {
    msgID: event.id,
  });
  return ack.seq;
}

/**
 * Resolves once the consumer has acknowledged every event up to stream sequence `seq`: each of
 * them has been fully handled (sent, skipped, or given up), so nothing more will come of them.
 */
export async function waitHandled(bus: Bus, consumerName: string, seq: number, timeoutMs = 30_000) {
  await waitFor(
    async () => {
      const info = await bus.jsm.consumers.info(Streams.events, consumerName);
      return info.ack_floor.stream_seq >= seq;
    },
    {
      description: `consumer ${consumerName} to acknowledge stream sequence ${seq}`,
      timeoutMs,
      intervalMs: 100,
    },
  );
}

/** A Provider (its address, and token, in a Secret) pointing at `server`, Ready. */
export async function createProvider(
  namespace: string,
  server: WebhookServer,
  opts: {
    type?: 'slack' | 'generic' | 'generic-hmac';
    token?: string;
    labels?: Record<string, string>;
    path?: string;
  } = {},
): Promise<string> {
  const name = uniqueName(opts.type ?? 'slack');
  await createSecret(namespace, name, {
    address: `${server.url}${opts.path ?? `/services/${name}`}`,
    ...(opts.token ? { token: opts.token } : {}),
  });
  await providers.create(
    namespace,
    name,
    { type: opts.type ?? 'slack', secretRef: { name } },
    opts.labels ?? {},
  );
  await providers.waitFor(namespace, name, isReady, 'Ready');
  return name;
}

/** An Alert on the Kustomizations named `kustomization` (or '*'), Ready. */
export async function createAlert(
  namespace: string,
  provider: string,
  spec: Partial<{
    kustomization: string;
    eventSeverity: 'info' | 'error';
    exclusionList: string[];
    inclusionList: string[];
  }> = {},
  labels: Record<string, string> = {},
): Promise<string> {
  const name = uniqueName('alert');
  await alerts.create(
    namespace,
    name,
    {
      providerRef: { name: provider },
      eventSources: [{ kind: 'Kustomization', name: spec.kustomization ?? '*' }],
      ...(spec.eventSeverity ? { eventSeverity: spec.eventSeverity } : {}),
      ...(spec.exclusionList ? { exclusionList: spec.exclusionList } : {}),
      ...(spec.inclusionList ? { inclusionList: spec.inclusionList } : {}),
    },
    labels,
  );
  await alerts.waitFor(namespace, name, isReady, 'Ready');
  return name;
}

/** The event inside a generic provider's request body (the body is the event's JSON). */
export const eventIdOf = (body: string): string => (JSON.parse(body) as MoorEvent).id;

/** How many times each value occurs. */
export function counts(values: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const v of values) out.set(v, (out.get(v) ?? 0) + 1);
  return out;
}

/**
 * WebhookServers started inside tests (where the harness's own afterAll does not register),
 * closed after the file's tests.
 */
export function useWebhookServers(): { start(): Promise<WebhookServer> } {
  const started: WebhookServer[] = [];
  afterAll(async () => {
    await Promise.all(started.map((s) => s.close().catch(() => undefined)));
  });
  return {
    async start() {
      const s = await WebhookServer.start();
      started.push(s);
      return s;
    },
  };
}
