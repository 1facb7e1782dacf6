/**
 * A watch-backed informer cache, as client-go's reflector + store and client-node's ListWatch:
 * list once, then watch from the list's resourceVersion, keeping a Map keyed `namespace/name`
 * (`name` for cluster-scoped objects) and telling handlers about adds, updates and deletes.
 *
 * - A watch that ends normally (server timeout) is restarted from the last resourceVersion seen,
 *   BOOKMARKs included, so nothing is missed and nothing is listed again.
 * - 410 Gone (an ERROR event with code 410, or HTTP 410 when opening the watch) means that version is
 *   compacted away: the cache relists, then tells handlers only what changed meanwhile.
 * - Failures are retried after `retryDelay(attempt)` (1 s doubling to 30 s by default). A session
 *   that ends without delivering anything counts as a failure too, so an API server or proxy that
 *   closes watches at once cannot make the cache spin.
 *
 * Talking to the API server is someone else's job: the cache takes `list` and `watch` functions
 * (see kube-listwatch.ts), which is also what makes it testable without a cluster.
 */
import { exponentialDelay } from './backoff.js';
import { type CancelTimer, type Clock, systemClock } from './clock.js';
import { isGone } from './errors.js';

export interface CachedObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

export interface ListResult<T> {
  items: T[];
  /** The list's resourceVersion, where the watch starts. */
  resourceVersion: string;
}

/** The metav1.Status an ERROR watch event carries. */
export interface WatchStatus {
  code?: number;
  reason?: string;
  message?: string;
}

export type WatchEvent<T> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T }
  | { type: 'BOOKMARK'; object: CachedObject }
  | { type: 'ERROR'; object: WatchStatus };

export interface WatchHandle {
  /** Ends the watch; `onDone` may or may not be called afterwards. */
  abort(): void;
}

export interface ListWatch<T> {
  list(): Promise<ListResult<T>>;
  /**
   * Watches from `resourceVersion`. Must call `onDone` once when the watch ends: without an error
   * when the server closed it normally, with one otherwise (an HTTP 410 error carrying `code` or
   * `statusCode` 410 triggers a relist).
   */
  watch(
    resourceVersion: string,
    onEvent: (event: WatchEvent<T>) => void,
    onDone: (error?: unknown) => void,
  ): Promise<WatchHandle>;
}

export interface CacheHandlers<T> {
  add: (object: T) => void;
  update: (object: T, previous: T) => void;
  delete: (object: T) => void;
}

export interface InformerCacheOptions {
  clock?: Clock;
  /** Delay before retry `attempt` (1-based) after consecutive failures. Default 1 s doubling to 30 s. */
  retryDelay?: (attempt: number) => number;
  /** A watch that ends normally after at least this long, even without events, was healthy. Default 1 s. */
  minHealthyWatchMs?: number;
  /** Told about failed lists and watches (before the retry) and about handlers that threw. */
  onError?: (error: unknown) => void;
}

/** A list failed; the cache retries. */
export class ListError extends Error {
  override name = 'ListError';
}

/** A watch failed; the cache retries, relisting first if the error is 410 Gone. */
export class WatchError extends Error {
  override name = 'WatchError';
  /** HTTP status, as `code` like client-node's ApiException, so `isGone` and friends read it. */
  readonly code: number | undefined;
  constructor(message: string, options: { code?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.code = options.code;
  }
}

/** A handler threw; the cache carries on with the other handlers. */
export class HandlerError extends Error {
  override name = 'HandlerError';
}

/** The store key of an object: `namespace/name`, or `name` when cluster-scoped. */
export function objectKey(object: CachedObject): string {
  const { namespace, name = '' } = object.metadata ?? {};
  return namespace === undefined || namespace === '' ? name : `${namespace}/${name}`;
}

export const defaultRetryDelay = (attempt: number): number => exponentialDelay(attempt, 1000, 30_000);

export class InformerCache<T extends CachedObject> {
  readonly #listWatch: ListWatch<T>;
  readonly #clock: Clock;
  readonly #retryDelay: (attempt: number) => number;
  readonly #minHealthyWatchMs: number;
  readonly #onError: (error: unknown) => void;

  #store = new Map<string, T>();
  readonly #handlers: { [E in keyof CacheHandlers<T>]: Set<CacheHandlers<T>[E]> } = {
    add: new Set(),
    update: new Set(),
    delete: new Set(),
  };

  /** Empty means "list before watching again". */
  #resourceVersion = '';
  #state: 'new' | 'running' | 'stopped' = 'new';
  #synced = false;
  #syncWaiters: Array<(synced: boolean) => void> = [];
  /** Consecutive sessions that failed or delivered nothing. */
  #failures = 0;
  /** Bumped per list/watch session, so callbacks of an ended session are ignored. */
  #session = 0;
  #watch: WatchHandle | undefined;
  #cancelRetry: CancelTimer | undefined;

  constructor(listWatch: ListWatch<T>, options: InformerCacheOptions = {}) {
    this.#listWatch = listWatch;
    this.#clock = options.clock ?? systemClock;
    this.#retryDelay = options.retryDelay ?? defaultRetryDelay;
    this.#minHealthyWatchMs = options.minHealthyWatchMs ?? 1000;
    this.#onError = options.onError ?? (() => {});
  }

  /** Registers a handler; returns a function that unregisters it. Register before `start`. */
  on<E extends keyof CacheHandlers<T>>(event: E, handler: CacheHandlers<T>[E]): () => void {
    const handlers = this.#handlers[event] as Set<CacheHandlers<T>[E]>;
    handlers.add(handler);
    return () => handlers.delete(handler);
  }

  /** Starts listing and watching. A stopped cache cannot be started again; make a new one. */
  start(): void {
    if (this.#state === 'stopped') throw new Error('informer cache was stopped; create a new one');
    if (this.#state === 'running') return;
    this.#state = 'running';
    void this.#runSession();
  }

  /** Stops watching and retrying. The store keeps its last content. */
  stop(): void {
    if (this.#state === 'stopped') return;
    this.#state = 'stopped';
    this.#session++;
    this.#cancelRetry?.();
    this.#cancelRetry = undefined;
    this.#watch?.abort();
    this.#watch = undefined;
    this.#settleSyncWaiters(false);
  }

  /** True once the first list has been stored: until then, "not found" means "don't know yet". */
  hasSynced(): boolean {
    return this.#synced;
  }

  /** Resolves true on the first sync, or false if the cache is stopped before it. */
  whenSynced(): Promise<boolean> {
    if (this.#synced) return Promise.resolve(true);
    if (this.#state === 'stopped') return Promise.resolve(false);
    return new Promise((resolve) => this.#syncWaiters.push(resolve));
  }

  /** The object stored under `key` (see `objectKey`). */
  get(key: string): T | undefined {
    return this.#store.get(key);
  }

  /** All objects, or those in `namespace`. */
  list(namespace?: string): T[] {
    const objects = [...this.#store.values()];
    return namespace === undefined ? objects : objects.filter((o) => o.metadata?.namespace === namespace);
  }

  keys(): string[] {
    return [...this.#store.keys()];
  }

  /** The last resourceVersion seen, empty before the first list or when a relist is due. */
  get resourceVersion(): string {
    return this.#resourceVersion;
  }

  async #runSession(): Promise<void> {
    const session = ++this.#session;
    const current = () => session === this.#session && this.#state === 'running';

    if (this.#resourceVersion === '') {
      let listed: ListResult<T>;
      try {
        listed = await this.#listWatch.list();
      } catch (error) {
        if (!current()) return;
        this.#onError(new ListError('list failed', { cause: error }));
        this.#scheduleNextSession(false);
        return;
      }
      if (!current()) return;
      this.#replace(listed.items);
      this.#resourceVersion = listed.resourceVersion;
      if (!this.#synced) {
        this.#synced = true;
        this.#settleSyncWaiters(true);
      }
    }

    const startedAt = this.#clock.now();
    let delivered = false;
    let ended = false;
    let eventError: WatchError | undefined;

    const end = (error: unknown): void => {
      if (ended || !current()) return;
      ended = true;
      this.#watch?.abort();
      this.#watch = undefined;
      const failure = error ?? eventError;
      if (isGone(failure)) {
        this.#resourceVersion = '';
      } else if (failure !== undefined) {
        this.#onError(
          failure instanceof WatchError ? failure : new WatchError('watch failed', { cause: failure }),
        );
      }
      const lastedLongEnough = this.#clock.now() - startedAt >= this.#minHealthyWatchMs;
      this.#scheduleNextSession(delivered || (failure === undefined && lastedLongEnough));
    };

    const onEvent = (event: WatchEvent<T>): void => {
      if (ended || !current()) return;
      if (event.type === 'ERROR') {
        const { code, reason, message } = event.object;
        eventError = new WatchError(`watch error: ${reason ?? 'Unknown'}: ${message ?? ''}`, {
          ...(code === undefined ? {} : { code }),
        });
        // The server ends the watch after an ERROR; don't wait for it to say so.
        end(undefined);
        return;
      }
      delivered = true;
      if (event.type === 'DELETED') this.#remove(event.object);
      else if (event.type !== 'BOOKMARK') this.#upsert(event.object);
      const version = event.object.metadata?.resourceVersion;
      if (version !== undefined && version !== '') this.#resourceVersion = version;
    };

    let handle: WatchHandle;
    try {
      handle = await this.#listWatch.watch(this.#resourceVersion, onEvent, (error) => end(error));
    } catch (error) {
      end(error ?? new Error('watch failed to start'));
      return;
    }
    if (ended || !current()) {
      handle.abort();
      return;
    }
    this.#watch = handle;
  }

  #scheduleNextSession(healthy: boolean): void {
    this.#failures = healthy ? 0 : this.#failures + 1;
    const delay = this.#failures === 0 ? 0 : this.#retryDelay(this.#failures);
    if (delay <= 0) {
      // A fresh stack, so a session that ends synchronously cannot recurse.
      queueMicrotask(() => {
        if (this.#state === 'running') void this.#runSession();
      });
      return;
    }
    this.#cancelRetry = this.#clock.setTimer(() => {
      this.#cancelRetry = undefined;
      if (this.#state === 'running') void this.#runSession();
    }, delay);
  }

  /** Swaps in a fresh list, telling handlers only about the differences. */
  #replace(items: readonly T[]): void {
    const next = new Map<string, T>();
    for (const item of items) next.set(objectKey(item), item);
    const previous = this.#store;
    this.#store = next;
    for (const [key, old] of previous) if (!next.has(key)) this.#emit('delete', old);
    for (const [key, item] of next) {
      const old = previous.get(key);
      if (old === undefined) this.#emit('add', item);
      else if (old.metadata?.resourceVersion !== item.metadata?.resourceVersion)
        this.#emit('update', item, old);
    }
  }

  #upsert(object: T): void {
    const key = objectKey(object);
    const old = this.#store.get(key);
    this.#store.set(key, object);
    if (old === undefined) this.#emit('add', object);
    else this.#emit('update', object, old);
  }

  #remove(object: T): void {
    // The event's object is the final state (deletionTimestamp, finalizers gone), newer than ours.
    this.#store.delete(objectKey(object));
    this.#emit('delete', object);
  }

  #emit<E extends keyof CacheHandlers<T>>(event: E, ...args: Parameters<CacheHandlers<T>[E]>): void {
    for (const handler of this.#handlers[event]) {
      try {
        (handler as (...a: Parameters<CacheHandlers<T>[E]>) => void)(...args);
      } catch (error) {
        this.#onError(new HandlerError(`${event} handler failed`, { cause: error }));
      }
    }
  }

  #settleSyncWaiters(synced: boolean): void {
    const waiters = this.#syncWaiters;
    this.#syncWaiters = [];
    for (const resolve of waiters) resolve(synced);
  }
}
