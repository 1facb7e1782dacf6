/**
 * A rate-limited work queue keyed by string, with the semantics of client-go's workqueue:
 *
 * - A key waiting in the queue is held once, however often it is added.
 * - A key being processed is never handed to a second worker: adding it marks it dirty, and it is
 *   queued again when its handler finishes. So one worker per key, and no update is lost.
 * - `addAfter` delays a key (the earliest pending time wins); `addRateLimited` delays it by the key's
 *   exponential backoff, which `forget` resets.
 *
 * Unlike client-go, the workers live in the queue: give it an async handler and a concurrency.
 */
import { ExponentialBackoff } from './backoff.js';
import { type CancelTimer, type Clock, systemClock } from './clock.js';

/** What a handler may ask for after it succeeded. */
export interface WorkResult {
  /** Process the key again after this delay, e.g. a jittered `spec.interval`. */
  requeueAfterMs?: number;
}

/**
 * Processes one key. Returning means success: the key's backoff is forgotten. Throwing means a
 * retryable failure: the key is re-added with backoff. A handler that wants no retry (say, a stalled
 * object) must catch its error and return.
 */
export type WorkHandler = (key: string) => Promise<WorkResult | undefined> | Promise<void>;

export interface WorkQueueOptions {
  handler: WorkHandler;
  /** Keys processed at the same time. Default 1. */
  concurrency?: number;
  backoff?: ExponentialBackoff;
  clock?: Clock;
  /** Told about every handler failure (after its retry was scheduled). Must not throw. */
  onError?: (key: string, error: unknown) => void;
  /** Told about every rate-limited retry, e.g. to count retries in a metric. */
  onRetry?: (key: string, delayMs: number) => void;
}

export class WorkQueue {
  readonly #handler: WorkHandler;
  readonly #concurrency: number;
  readonly #backoff: ExponentialBackoff;
  readonly #clock: Clock;
  readonly #onError: (key: string, error: unknown) => void;
  readonly #onRetry: (key: string, delayMs: number) => void;

  /** Keys ready for a worker, in arrival order (a Set keeps insertion order and de-duplicates). */
  readonly #ready = new Set<string>();
  /** Keys that need processing: waiting in #ready, or added again while processing. */
  readonly #dirty = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #delayed = new Map<string, { dueAt: number; cancel: CancelTimer }>();

  #shuttingDown = false;
  #dispatchScheduled = false;
  #idleWaiters: Array<() => void> = [];

  constructor(options: WorkQueueOptions) {
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`work queue concurrency must be a positive integer, got ${concurrency}`);
    }
    this.#handler = options.handler;
    this.#concurrency = concurrency;
    this.#backoff = options.backoff ?? new ExponentialBackoff();
    this.#clock = options.clock ?? systemClock;
    this.#onError = options.onError ?? (() => {});
    this.#onRetry = options.onRetry ?? (() => {});
  }

  /** Keys waiting for a worker (not counting delayed or in-flight keys): the queue depth metric. */
  get length(): number {
    return this.#ready.size;
  }

  /** Keys whose handler is running. */
  get inFlight(): number {
    return this.#processing.size;
  }

  get isShuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Queues `key` for processing. No-op once shutting down. */
  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    // A key in flight is re-queued by its worker when it finishes.
    if (this.#processing.has(key)) return;
    this.#ready.add(key);
    this.#scheduleDispatch();
  }

  /** Queues `key` after `delayMs`. If the key is already waiting for an earlier time, that time wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const dueAt = this.#clock.now() + delayMs;
    const pending = this.#delayed.get(key);
    if (pending !== undefined) {
      if (pending.dueAt <= dueAt) return;
      pending.cancel();
    }
    const cancel = this.#clock.setTimer(() => {
      this.#delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.#delayed.set(key, { dueAt, cancel });
  }

  /** Queues `key` after its next backoff delay (750 ms, 1.5 s, 3 s, … up to 15 min by default). */
  addRateLimited(key: string): void {
    if (this.#shuttingDown) return;
    const delayMs = this.#backoff.next(key);
    this.#onRetry(key, delayMs);
    this.addAfter(key, delayMs);
  }

  /** Resets the backoff of `key`. */
  forget(key: string): void {
    this.#backoff.forget(key);
  }

  /** Consecutive failures of `key` since it was last forgotten. */
  retries(key: string): number {
    return this.#backoff.failures(key);
  }

  /** Resolves once no key is ready or in flight (delayed keys may still be pending). */
  whenIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Stops taking work: waiting and delayed keys are dropped and further adds are ignored. Resolves
   * when the handlers in flight have finished, so the caller can exit without cutting one short.
   */
  async shutdown(): Promise<void> {
    this.#shuttingDown = true;
    for (const { cancel } of this.#delayed.values()) cancel();
    this.#delayed.clear();
    this.#ready.clear();
    this.#dirty.clear();
    await this.whenIdle();
  }

  // Workers start on a microtask, never inside add(): a handler must not run in the stack of whoever
  // added its key (a watch event handler, another handler).
  #scheduleDispatch(): void {
    if (this.#dispatchScheduled) return;
    this.#dispatchScheduled = true;
    queueMicrotask(() => {
      this.#dispatchScheduled = false;
      this.#dispatch();
    });
  }

  #dispatch(): void {
    while (!this.#shuttingDown && this.#processing.size < this.#concurrency) {
      const next = this.#ready.values().next();
      if (next.done) break;
      const key = next.value;
      this.#ready.delete(key);
      this.#dirty.delete(key);
      this.#processing.add(key);
      void this.#process(key);
    }
    this.#notifyIfIdle();
  }

  async #process(key: string): Promise<void> {
    try {
      const result = await this.#handler(key);
      this.#backoff.forget(key);
      const requeueAfterMs = result?.requeueAfterMs;
      if (requeueAfterMs !== undefined) this.addAfter(key, requeueAfterMs);
    } catch (error) {
      this.addRateLimited(key);
      this.#onError(key, error);
    } finally {
      this.#processing.delete(key);
      if (this.#dirty.has(key)) this.#ready.add(key);
      this.#dispatch();
    }
  }

  #isIdle(): boolean {
    return this.#processing.size === 0 && (this.#ready.size === 0 || this.#shuttingDown);
  }

  #notifyIfIdle(): void {
    if (!this.#isIdle()) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
