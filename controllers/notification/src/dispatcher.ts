// Delivers controller events to the Providers of matching Alerts.
//
// Durability: events come from a durable JetStream consumer and are acknowledged only once
// every delivery for them ended (sent, or given up with an error event), so a restart of this
// controller redelivers what was in flight. De-duplication: a delivery is recorded in the
// MOOR_NOTIFICATIONS stream under its (alert, dedup key) subject once it succeeded; a record
// younger than the window means "already sent", so redeliveries and bursts of identical events
// send one message. Deliveries of one key are serialised in-process; different providers are
// independent, so a slow or dead one holds back nobody else.
import { createHash } from 'node:crypto';
import type { Alert, MoorEvent, Provider } from '@moor/api';
import type { Bus } from '@moor/bus';
import { Streams } from '@moor/bus';
import { type EventRecorder, errorMessage, type Logger } from '@moor/runtime';
import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  type JsMsg,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { alertMatches, type LabelsOf } from './matching.js';
import { UnsupportedEventError } from './providers/index.js';

export const SENT_STREAM = 'MOOR_NOTIFICATIONS';
const SENT_SUBJECT = 'moor.notifications.sent';

export interface Delivery {
  /**
   * Sends one event through one provider; throws when it gave up. `signal` aborts the delivery
   * (the dispatcher is stopping): it then throws, and the event is left for the next instance.
   */
  send(
    provider: Provider,
    event: MoorEvent,
    alert: Alert,
    signal: AbortSignal,
  ): Promise<{ attempts: number }>;
}

export interface DispatcherOptions {
  bus: Bus;
  consumerName: string;
  dedupWindowMs: number;
  alerts: () => Alert[];
  provider: (namespace: string, name: string) => Provider | undefined;
  labelsOf: LabelsOf;
  delivery: Delivery;
  recorder: EventRecorder;
  log: Logger;
  /** Messages processed at once; a slow provider occupies slots, not the whole consumer. */
  maxInFlight?: number;
}

/** The key identical events share: the emitter's dedupKey, or what makes them identical. */
export function dedupKeyOf(event: MoorEvent): string {
  const o = event.involvedObject;
  const basis =
    event.metadata.dedupKey ??
    [
      o.kind,
      o.namespace,
      o.name,
      event.severity,
      event.reason,
      event.message,
      event.metadata.revision ?? '',
    ].join('\0');
  return createHash('sha256').update(basis).digest('hex').slice(0, 32);
}

export class Dispatcher {
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private readonly locks = new Map<string, Promise<unknown>>();
  private inFlight = 0;
  private readonly idle: Array<() => void> = [];
  /** Aborted by stop(): deliveries still retrying end, their events are redelivered later. */
  private readonly stopping = new AbortController();

  constructor(private readonly opts: DispatcherOptions) {}

  async start(): Promise<void> {
    const { bus, consumerName, dedupWindowMs } = this.opts;
    const windowNs = dedupWindowMs * 1_000_000;
    const sent = {
      name: SENT_STREAM,
      subjects: [`${SENT_SUBJECT}.>`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_msgs_per_subject: 1,
      max_age: windowNs,
    };
    await bus.jsm.streams.add(sent).catch(() => bus.jsm.streams.update(SENT_STREAM, sent));
    await bus.jsm.consumers
      .add(Streams.events, {
        durable_name: consumerName,
        ack_policy: AckPolicy.Explicit,
        // A first start does not replay the past; later starts resume where the last one stopped.
        deliver_policy: DeliverPolicy.New,
        ack_wait: 60_000_000_000,
        max_ack_pending: 1000,
      })
      .catch(async (err: unknown) => {
        // Exists already: keep its position.
        if (!(await bus.jsm.consumers.info(Streams.events, consumerName).catch(() => undefined))) throw err;
      });
    const consumer = await bus.js.consumers.get(Streams.events, consumerName);
    this.messages = await consumer.consume({ max_messages: this.opts.maxInFlight ?? 100 });
    const messages = this.messages;
    this.loop = (async () => {
      for await (const m of messages) {
        while (this.inFlight >= (this.opts.maxInFlight ?? 100))
          await new Promise<void>((r) => this.idle.push(r));
        this.inFlight++;
        void this.handle(m).finally(() => {
          this.inFlight--;
          this.idle.shift()?.();
        });
      }
    })();
  }

  async stop(): Promise<void> {
    // A provider that is down would hold a delivery (and so the shutdown) until the give-up
    // budget: abort what is in flight and leave it unacknowledged, for the next instance.
    this.stopping.abort();
    await this.messages?.close();
    await this.loop;
    while (this.inFlight > 0) await new Promise<void>((r) => this.idle.push(r));
  }

  private async handle(m: JsMsg): Promise<void> {
    // Keep the message ours while a provider retries (ack_wait is 60 s).
    const keepAlive = setInterval(() => m.working(), 20_000);
    try {
      if (this.stopping.signal.aborted) {
        // Received but not started before stop(): give it back at once, not after ack_wait.
        m.nak();
        return;
      }
      const event = m.json<MoorEvent>();
      const matched: Alert[] = [];
      for (const alert of this.opts.alerts()) {
        if (await alertMatches(alert, event, this.opts.labelsOf)) matched.push(alert);
      }
      await Promise.all(matched.map((alert) => this.deliverOnce(alert, event)));
      if (this.stopping.signal.aborted) {
        // Some delivery was cut short: the next instance sends it (the others are recorded as sent).
        m.nak();
        return;
      }
      m.ack();
    } catch (err) {
      if (this.stopping.signal.aborted) {
        m.nak();
        return;
      }
      this.opts.log.error({ err: errorMessage(err) }, 'could not process an event; it will be redelivered');
      m.nak(5000);
    } finally {
      clearInterval(keepAlive);
    }
  }

  /** Serialised per key, so a burst of identical events is decided one after another. */
  private withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const settled = next.catch(() => undefined);
    this.locks.set(key, settled);
    void settled.then(() => {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    });
    return next;
  }

  private async deliverOnce(alert: Alert, event: MoorEvent): Promise<void> {
    const ns = alert.metadata.namespace as string;
    const provider = this.opts.provider(ns, alert.spec.providerRef.name);
    const log = this.opts.log.child({ alert: `${ns}/${alert.metadata.name}`, reason: event.reason });
    if (!provider || provider.spec.suspend) return;
    // Never report a provider's own failure back to that provider: it would loop.
    if (event.metadata.provider === `${ns}/${provider.metadata.name}`) return;
    const key = `${SENT_SUBJECT}.${createHash('sha256')
      .update(`${ns}/${alert.metadata.name}\0${dedupKeyOf(event)}`)
      .digest('hex')
      .slice(0, 40)}`;
    await this.withLock(key, async () => {
      const previous = await this.opts.bus.jsm.streams
        .getMessage(SENT_STREAM, { last_by_subj: key })
        .catch(() => null);
      if (previous) {
        log.debug('identical event already sent in the window; skipped');
        return;
      }
      // The Alert's eventMetadata and summary travel with the event (the event's own keys win).
      const payload = {
        ...event,
        metadata: {
          ...(alert.spec.eventMetadata ?? {}),
          ...(alert.spec.summary ? { summary: alert.spec.summary } : {}),
          ...event.metadata,
        },
      };
      try {
        const result = await this.opts.delivery.send(provider, payload, alert, this.stopping.signal);
        await this.opts.bus.js.publish(
          key,
          JSON.stringify({ eventId: event.id, at: new Date().toISOString() }),
        );
        log.info(
          { provider: `${ns}/${provider.metadata.name}`, attempts: result.attempts },
          'notification sent',
        );
      } catch (err) {
        if (this.stopping.signal.aborted) {
          log.info('stopping: delivery aborted; the event will be redelivered');
          return;
        }
        if (err instanceof UnsupportedEventError) {
          log.debug({ err: errorMessage(err) }, 'the provider cannot show this event; skipped');
          return;
        }
        const message = `could not deliver ${event.reason} of ${event.involvedObject.kind}/${event.involvedObject.namespace}/${event.involvedObject.name} to provider ${provider.spec.type} ${ns}/${provider.metadata.name}: ${errorMessage(err)}`;
        log.warn(
          { provider: `${ns}/${provider.metadata.name}`, err: errorMessage(err) },
          'notification given up',
        );
        await this.opts.recorder.record({
          object: {
            apiVersion: 'notification.moor.dev/v1',
            kind: 'Alert',
            namespace: ns,
            name: alert.metadata.name as string,
          },
          severity: 'error',
          reason: 'NotificationFailed',
          message,
          metadata: { provider: `${ns}/${provider.metadata.name}` },
        });
      }
    });
  }
}
