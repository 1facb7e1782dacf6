// Records what a controller did, twice: as a Kubernetes Event on the object (for kubectl
// describe) and as a MoorEvent on NATS (for alerting and the CLI). Kubernetes Events are
// correlated like client-go's recorder: a repeat of the same object, reason and message bumps
// the count of one Event instead of creating another (the API server expires Events after 1h).
import { createHash, randomUUID } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { EVENT_SCHEMA_VERSION, type EventSeverity, type MoorEvent, type ObjectReference } from '@moor/api';
import type { Bus } from '@moor/bus';
import type { Logger } from 'pino';
import { type Clock, systemClock } from './clock.js';

export interface EventInput {
  object: ObjectReference;
  severity: EventSeverity;
  reason: string;
  message: string;
  /** revision, digest, dedupKey ...; never secret values. */
  metadata?: Record<string, string>;
}

export interface EventRecorderOptions {
  controller: string;
  instance: string;
  /** The bus, or a getter for one that may connect later (NATS down at start). */
  bus?: Bus | (() => Bus | undefined);
  log: Logger;
  clock?: Clock;
}

/** Annotation prefix of metadata on Kubernetes Events, e.g. event.moor.dev/revision. */
export const EVENT_ANNOTATION_PREFIX = 'event.moor.dev/';

const K8S_MESSAGE_LIMIT = 1024;

export class EventRecorder {
  private readonly core: k8s.CoreV1Api;
  private readonly clock: Clock;

  constructor(
    kc: k8s.KubeConfig,
    private readonly opts: EventRecorderOptions,
  ) {
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.clock = opts.clock ?? systemClock;
  }

  /** Never throws: a lost event must not fail a reconcile. Failures are logged. */
  async record(input: EventInput): Promise<MoorEvent> {
    const event: MoorEvent = {
      schema: EVENT_SCHEMA_VERSION,
      id: randomUUID(),
      involvedObject: input.object,
      severity: input.severity,
      reason: input.reason,
      message: input.message,
      metadata: input.metadata ?? {},
      reportingController: this.opts.controller,
      reportingInstance: this.opts.instance,
      timestamp: new Date(this.clock.now()).toISOString(),
    };
    await Promise.all([
      this.recordKubernetesEvent(event).catch((err: unknown) =>
        this.opts.log.warn({ err, reason: event.reason }, 'could not record the Kubernetes Event'),
      ),
      this.bus()
        ?.publishEvent(event)
        .catch((err: unknown) =>
          this.opts.log.warn({ err, reason: event.reason }, 'could not publish the event on NATS'),
        ),
    ]);
    return event;
  }

  private bus(): Bus | undefined {
    const b = this.opts.bus;
    return typeof b === 'function' ? b() : b;
  }

  private async recordKubernetesEvent(event: MoorEvent): Promise<void> {
    const { involvedObject: obj } = event;
    // One Event per (object, reason, message): a repeat bumps its count.
    const key = createHash('sha256')
      .update([obj.uid ?? '', obj.kind, obj.namespace, obj.name, event.reason, event.message].join('\0'))
      .digest('hex')
      .slice(0, 16);
    const name = `${obj.name}.${key}`;
    const now = new Date(event.timestamp);
    const annotations = Object.fromEntries(
      Object.entries(event.metadata).map(([k, v]) => [`${EVENT_ANNOTATION_PREFIX}${k}`, v]),
    );
    try {
      const existing = await this.core.readNamespacedEvent({ name, namespace: obj.namespace });
      existing.count = (existing.count ?? 1) + 1;
      existing.lastTimestamp = now;
      existing.metadata = {
        ...existing.metadata,
        annotations: { ...existing.metadata?.annotations, ...annotations },
      };
      await this.core.replaceNamespacedEvent({ name, namespace: obj.namespace, body: existing });
      return;
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
    }
    await this.core.createNamespacedEvent({
      namespace: obj.namespace,
      body: {
        metadata: { name, namespace: obj.namespace, annotations },
        involvedObject: {
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          namespace: obj.namespace,
          name: obj.name,
          ...(obj.uid ? { uid: obj.uid } : {}),
        },
        type: event.severity === 'error' ? 'Warning' : 'Normal',
        reason: event.reason,
        message: event.message.slice(0, K8S_MESSAGE_LIMIT),
        source: { component: this.opts.controller },
        reportingComponent: this.opts.controller,
        reportingInstance: this.opts.instance,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    });
  }
}
