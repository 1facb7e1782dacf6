// One controller: a watch cache of one kind feeding a work queue whose handler runs the
// reconciler, with the finalizer dance and metrics done here once for every controller.
//
// What enqueues an object: creation, a spec change (metadata.generation), a new
// reconcile.moor.dev/requestedAt annotation, deletion, and `enqueue` (NATS requests, the
// reconciler's own requeue-after-interval). Status-only updates and finalizer changes do not:
// the controller's own writes would otherwise wake it again (a second full reconcile of every
// new object, for nothing).
import type * as k8s from '@kubernetes/client-node';
import { RECONCILE_REQUESTED_AT_ANNOTATION } from '@moor/api';
import type { Logger } from 'pino';
import { type CachedObject, InformerCache, objectKey } from './cache.js';
import { type Clock, systemClock } from './clock.js';
import { errorMessage } from './errors.js';
import { type ObjectLike, ResourceClient, type ResourceDescriptor } from './kube.js';
import { kubeListWatch } from './kube-listwatch.js';
import { forObject } from './logger.js';
import type { ControllerMetrics } from './metrics.js';
import { WorkQueue } from './workqueue.js';

export interface ReconcileRequestContext {
  log: Logger;
  /** Aborted when the process shuts down and the reconcile should wrap up. */
  signal: AbortSignal;
}

export interface Requeue {
  /** Reconcile again after this long (the jittered interval), even if nothing changes. */
  requeueAfterMs?: number;
}

export interface Reconciler<T extends ObjectLike> {
  /** Brings the world in line with `object`. Throw to retry with exponential backoff. */
  reconcile(object: T, ctx: ReconcileRequestContext): Promise<Requeue>;
  /** Cleans up what the object owns before its finalizer is removed. Throw to retry. */
  finalize?(object: T, ctx: ReconcileRequestContext): Promise<void>;
}

export interface ControllerOptions<T extends ObjectLike> {
  /** e.g. source-controller; the field manager of its writes. */
  name: string;
  resource: ResourceDescriptor;
  kubeConfig: k8s.KubeConfig;
  reconciler: Reconciler<T>;
  log: Logger;
  metrics: ControllerMetrics;
  /** Added on first reconcile, removed after `finalize`. */
  finalizer?: string;
  concurrency?: number;
  /** Shard by label: only objects matching this selector are watched. */
  labelSelector?: string;
  /** Watch one namespace instead of all. */
  namespace?: string;
  clock?: Clock;
}

type Meta = NonNullable<ObjectLike['metadata']> & { generation?: number };

function wantsReconcile(before: ObjectLike, after: ObjectLike): boolean {
  const b = (before.metadata ?? {}) as Meta;
  const a = (after.metadata ?? {}) as Meta;
  return (
    a.generation !== b.generation ||
    a.annotations?.[RECONCILE_REQUESTED_AT_ANNOTATION] !==
      b.annotations?.[RECONCILE_REQUESTED_AT_ANNOTATION] ||
    (a.deletionTimestamp !== undefined && b.deletionTimestamp === undefined)
  );
}

export class Controller<T extends ObjectLike & CachedObject> {
  readonly client: ResourceClient<T>;
  readonly cache: InformerCache<T>;
  readonly queue: WorkQueue;
  private readonly abort = new AbortController();
  private readonly clock: Clock;
  /** Reconciling only starts with `start`; the cache may run before (a standby's warm cache). */
  private processing = false;
  private cacheStarted = false;

  constructor(private readonly opts: ControllerOptions<T>) {
    this.clock = opts.clock ?? systemClock;
    this.client = new ResourceClient<T>(opts.kubeConfig, opts.resource, opts.name);
    const { group, version, plural } = opts.resource;
    this.cache = new InformerCache<T>(
      kubeListWatch<T>(opts.kubeConfig, {
        group,
        version,
        plural,
        ...(opts.namespace ? { namespace: opts.namespace } : {}),
        ...(opts.labelSelector ? { labelSelector: opts.labelSelector } : {}),
      }),
      {
        clock: this.clock,
        onError: (err) => opts.log.warn({ err: errorMessage(err) }, `watch of ${plural} failed; retrying`),
      },
    );
    const queueName = opts.resource.kind;
    this.queue = new WorkQueue({
      handler: (key) => this.handle(key),
      concurrency: opts.concurrency ?? 4,
      clock: this.clock,
      onError: (key, err) =>
        opts.log.debug({ key, err: errorMessage(err) }, 'reconcile failed; retrying with backoff'),
      onRetry: () => opts.metrics.countRetry(queueName),
    });
    opts.metrics.observeQueueDepth(queueName, () => this.queue.length);
    this.cache.on('add', (o) => this.enqueue(objectKey(o)));
    this.cache.on('update', (object, previous) => {
      if (wantsReconcile(previous, object)) this.enqueue(objectKey(object));
    });
    this.cache.on('delete', (o) => {
      this.opts.metrics.forgetObject(this.metricsObject(o));
    });
  }

  /** Starts the watch cache only (no reconciles). Resolves once it has synced. */
  async startCache(): Promise<void> {
    if (!this.cacheStarted) {
      this.cacheStarted = true;
      this.cache.start();
    }
    await this.cache.whenSynced();
  }

  /** Starts reconciling (and watching, if not yet). Resolves once the cache has synced. */
  async start(): Promise<void> {
    this.processing = true;
    await this.startCache();
    for (const key of this.cache.keys()) this.enqueue(key);
  }

  enqueue(key: string): void {
    if (this.processing && !this.queue.isShuttingDown) this.queue.add(key);
  }

  /** Stops taking work; resolves when the reconciles in flight have finished. */
  async stop(): Promise<void> {
    this.cache.stop();
    await this.queue.shutdown();
    this.abort.abort();
  }

  private metricsObject(o: T) {
    return {
      kind: this.opts.resource.kind,
      namespace: o.metadata?.namespace ?? '',
      name: o.metadata?.name ?? '',
    };
  }

  private async handle(key: string): Promise<Requeue | undefined> {
    const cached = this.cache.get(key);
    if (!cached) return undefined; // deleted; its finalizer already ran
    const { kind } = this.opts.resource;
    const log = forObject(this.opts.log, {
      kind,
      namespace: cached.metadata?.namespace ?? '',
      name: cached.metadata?.name ?? '',
    });
    const ctx: ReconcileRequestContext = { log, signal: this.abort.signal };
    const { finalizer, reconciler, metrics } = this.opts;
    const done = metrics.startReconcileTimer(kind);
    try {
      let object = cached;
      if (object.metadata?.deletionTimestamp) {
        if (finalizer && object.metadata.finalizers?.includes(finalizer)) {
          await reconciler.finalize?.(object, ctx);
          await this.client.removeFinalizer(object, finalizer);
          log.info('finalized');
        }
        done('success');
        return undefined;
      }
      if (finalizer && !object.metadata?.finalizers?.includes(finalizer)) {
        object = await this.client.addFinalizer(object, finalizer);
      }
      const result = await reconciler.reconcile(object, ctx);
      done('success');
      return result;
    } catch (err) {
      done('error');
      throw err;
    }
  }
}
