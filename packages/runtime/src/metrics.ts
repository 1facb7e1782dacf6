/**
 * Prometheus metrics of one controller, in its own registry (so tests and several controllers in one
 * process never collide). Names follow Flux's gotk_* metrics and client-go's workqueue metrics, with a
 * `moor_` prefix:
 *
 *   moor_reconcile_duration_seconds{kind, result}                    histogram
 *   moor_reconcile_condition{kind, name, namespace, type, status}    gauge, 1 for the current status
 *   moor_suspend_status{kind, name, namespace}                       gauge, 1 when suspended
 *   moor_workqueue_depth{name}                                       gauge, read at scrape time
 *   moor_workqueue_retries_total{name}                               counter
 *
 * Per-object series must be deleted with the object (`forgetObject`), or they outlive it forever.
 */
import type { Condition } from '@moor/api';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export type ReconcileResult = 'success' | 'error' | 'stalled';

export interface MetricsObject {
  kind: string;
  namespace?: string;
  name: string;
}

export interface ControllerMetricsOptions {
  /** Added as a `controller` label to every series. */
  controller?: string;
  /** Also export Node.js process metrics (CPU, memory, event loop lag). Default false. */
  processMetrics?: boolean;
}

const CONDITION_STATUSES: readonly Condition['status'][] = ['True', 'False', 'Unknown'];

export class ControllerMetrics {
  readonly registry = new Registry();
  readonly #reconcileDuration: Histogram<'kind' | 'result'>;
  readonly #condition: Gauge<'kind' | 'name' | 'namespace' | 'type' | 'status'>;
  readonly #suspended: Gauge<'kind' | 'name' | 'namespace'>;
  readonly #queueRetries: Counter<'name'>;
  readonly #queueDepthSources = new Map<string, () => number>();
  /** Condition types recorded per object, to delete exactly its series later. */
  readonly #conditionTypes = new Map<string, Set<string>>();

  constructor(options: ControllerMetricsOptions = {}) {
    if (options.controller !== undefined) this.registry.setDefaultLabels({ controller: options.controller });
    if (options.processMetrics === true) collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];

    this.#reconcileDuration = new Histogram({
      name: 'moor_reconcile_duration_seconds',
      help: 'Duration of reconciles, by object kind and result.',
      labelNames: ['kind', 'result'],
      // 10 ms to ~10 min: reconciles range from a cache hit to a large clone and apply.
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
      registers,
    });
    this.#condition = new Gauge({
      name: 'moor_reconcile_condition',
      help: 'The status of each condition of each object: 1 for its current status, 0 for the others.',
      labelNames: ['kind', 'name', 'namespace', 'type', 'status'],
      registers,
    });
    this.#suspended = new Gauge({
      name: 'moor_suspend_status',
      help: 'Whether an object is suspended (1) or not (0).',
      labelNames: ['kind', 'name', 'namespace'],
      registers,
    });
    const depthSources = this.#queueDepthSources;
    new Gauge({
      name: 'moor_workqueue_depth',
      help: 'Keys waiting in a work queue for a worker.',
      labelNames: ['name'],
      registers,
      collect() {
        this.reset();
        for (const [name, depth] of depthSources) this.set({ name }, depth());
      },
    });
    this.#queueRetries = new Counter({
      name: 'moor_workqueue_retries_total',
      help: 'Keys re-added to a work queue with backoff after a failure.',
      labelNames: ['name'],
      registers,
    });
  }

  observeReconcile(kind: string, result: ReconcileResult, seconds: number): void {
    this.#reconcileDuration.observe({ kind, result }, seconds);
  }

  /** Starts timing a reconcile; call the returned function with its result when it ends. */
  startReconcileTimer(kind: string): (result: ReconcileResult) => number {
    const end = this.#reconcileDuration.startTimer({ kind });
    return (result) => end({ result });
  }

  /** Records the object's current conditions; types it no longer has are dropped. */
  recordConditions(object: MetricsObject, conditions: readonly Condition[]): void {
    const key = objectKey(object);
    const previous = this.#conditionTypes.get(key) ?? new Set<string>();
    const current = new Set(conditions.map((condition) => condition.type));
    for (const type of previous) if (!current.has(type)) this.#removeCondition(object, type);
    for (const condition of conditions) {
      for (const status of CONDITION_STATUSES) {
        this.#condition.set(
          { ...objectLabels(object), type: condition.type, status },
          condition.status === status ? 1 : 0,
        );
      }
    }
    this.#conditionTypes.set(key, current);
  }

  recordSuspended(object: MetricsObject, suspended: boolean): void {
    this.#suspended.set(objectLabels(object), suspended ? 1 : 0);
  }

  /** Deletes every per-object series of `object`; call when it is deleted. */
  forgetObject(object: MetricsObject): void {
    const key = objectKey(object);
    for (const type of this.#conditionTypes.get(key) ?? []) this.#removeCondition(object, type);
    this.#conditionTypes.delete(key);
    this.#suspended.remove(objectLabels(object));
  }

  /** Reports the depth of queue `name` at every scrape, e.g. `() => queue.length`. */
  observeQueueDepth(name: string, depth: () => number): void {
    this.#queueDepthSources.set(name, depth);
  }

  countRetry(queueName: string): void {
    this.#queueRetries.inc({ name: queueName });
  }

  #removeCondition(object: MetricsObject, type: string): void {
    for (const status of CONDITION_STATUSES)
      this.#condition.remove({ ...objectLabels(object), type, status });
  }
}

function objectLabels(object: MetricsObject): { kind: string; name: string; namespace: string } {
  return { kind: object.kind, name: object.name, namespace: object.namespace ?? '' };
}

function objectKey(object: MetricsObject): string {
  return `${object.kind}/${object.namespace ?? ''}/${object.name}`;
}
