// Event-driven drift detection: one informer per group/version/kind that has managed objects,
// shared by every Kustomization, each watching only objects with our owner label. When a tracked
// object changes and the change is not ours, or the object is deleted, `onDrift` is told which
// fields drifted, from what we applied to what is live, and which field manager did it, within
// the debounce window, so the reconciler can correct it (mode Correct) or report it (mode Detect).
//
// "Not ours": events carrying a resourceVersion our apply returned are skipped, and changed fields
// whose live value is owned by our field manager are dropped (our apply of a newer revision that
// `track` has not been told about yet is not drift).
import {
  type CacheHandlers,
  type Clock,
  InformerCache,
  type ListWatch,
  objectKey,
  systemClock,
} from '@moor/runtime';
import { DEFAULT_FIELD_MANAGER, OWNER_NAME_LABEL } from '../apply/manager.js';
import { formatRef, type KubeObject, metadataOf, type ObjectRef, refOf } from '../apply/objects.js';
import { computeDrift, type DriftChange, type IgnoreRule, validateIgnoreRules } from './diff.js';
import { type DriftError, DriftHandlerError, DriftWatchError } from './errors.js';
import { formatGvk, type GroupVersionKind, type ListWatchFactory, type WatchedObject } from './listwatch.js';

/** One object a Kustomization owns, as we applied it. */
export interface TrackedObject {
  /** Its identity; the namespace must be set for namespaced kinds. */
  ref: ObjectRef;
  /** The object as sent in our server-side apply (owner labels included). */
  desired: KubeObject;
  /** The resourceVersion our apply returned, so the watch event it causes is skipped. */
  resourceVersion?: string;
}

/** A TrackedObject from the object as applied and, optionally, the apply's result. */
export function trackedObject(desired: KubeObject, applied?: KubeObject): TrackedObject {
  const resourceVersion = applied === undefined ? undefined : metadataOf(applied).resourceVersion;
  return {
    ref: refOf(desired),
    desired,
    ...(typeof resourceVersion === 'string' && { resourceVersion }),
  };
}

export interface DriftEvent {
  /** The key the Kustomization was tracked under, e.g. `namespace/name`. */
  kustomization: string;
  ref: ObjectRef;
  kind: 'modified' | 'deleted';
  /** The drifted fields; empty for `deleted`. */
  changes: DriftChange[];
  /** The live object's resourceVersion that showed the drift. */
  resourceVersion?: string;
  /** When (clock ms) the first watch event of the burst that led to this report arrived. */
  observedAt: number;
}

export interface DriftWatcherOptions {
  /** The ListWatch of each watched kind, e.g. kubeListWatchFactory(kubeConfig). */
  listWatch: ListWatchFactory;
  /** Told about drift; may be async. Errors go to onError. */
  onDrift: (event: DriftEvent) => void | Promise<void>;
  /** Our field manager. Default `moor`. */
  fieldManager?: string;
  /** Events of one object within this window are evaluated once, at its end. Default 100 ms. */
  debounceMs?: number;
  clock?: Clock;
  /** Ignore rules for every Kustomization. */
  ignore?: readonly IgnoreRule[];
  /** Watch failures (retried) and handler failures. */
  onError?: (error: DriftError) => void;
  /** Delay before retry `attempt` of a failed list or watch. Default 1 s doubling to 30 s. */
  retryDelay?: (attempt: number) => number;
}

export interface TrackOptions {
  /** Ignore rules of this Kustomization, on top of the watcher's. */
  ignore?: readonly IgnoreRule[];
}

interface Claim {
  objects: readonly TrackedObject[];
  ignore: readonly IgnoreRule[];
}

interface Watch {
  gvk: GroupVersionKind;
  cache: InformerCache<WatchedObject>;
}

interface Pending {
  /** The latest state seen; undefined once deleted. */
  live: WatchedObject | undefined;
  firstAt: number;
  cancel: () => void;
}

/** How many of our own written resourceVersions are remembered per object. */
const OWN_WRITES_KEPT = 8;

const gvkKeyOf = (ref: Pick<ObjectRef, 'group' | 'version' | 'kind'>): string =>
  formatGvk({ group: ref.group, version: ref.version, kind: ref.kind });

const objectKeyOf = (ref: ObjectRef): string =>
  `${gvkKeyOf(ref)}|${ref.namespace === '' ? ref.name : `${ref.namespace}/${ref.name}`}`;

export class DriftWatcher {
  readonly #listWatch: ListWatchFactory;
  readonly #onDrift: DriftWatcherOptions['onDrift'];
  readonly #fieldManager: string;
  readonly #debounceMs: number;
  readonly #clock: Clock;
  readonly #ignore: readonly IgnoreRule[];
  readonly #onError: (error: DriftError) => void;
  readonly #retryDelay: ((attempt: number) => number) | undefined;

  readonly #claims = new Map<string, Claim>();
  /** object key → kustomization → what it applied. */
  #byObject = new Map<string, Map<string, TrackedObject>>();
  readonly #watches = new Map<string, Watch>();
  readonly #pending = new Map<string, Pending>();
  readonly #ownWrites = new Map<string, string[]>();
  /** `kustomization\0objectKey` → fingerprint of the last drift reported, to report each once. */
  readonly #reported = new Map<string, string>();
  #stopped = false;

  constructor(options: DriftWatcherOptions) {
    this.#listWatch = options.listWatch;
    this.#onDrift = options.onDrift;
    this.#fieldManager = options.fieldManager ?? DEFAULT_FIELD_MANAGER;
    this.#debounceMs = options.debounceMs ?? 100;
    this.#clock = options.clock ?? systemClock;
    validateIgnoreRules(options.ignore ?? []);
    this.#ignore = options.ignore ?? [];
    this.#onError = options.onError ?? (() => {});
    this.#retryDelay = options.retryDelay;
  }

  /**
   * Registers (replacing any earlier call) what `kustomization` owns, as applied. Call after
   * applying: watches of kinds new to the watcher list the cluster, and a tracked object missing
   * from that first list is reported deleted. Throws InvalidIgnoreRuleError on a bad rule.
   */
  track(kustomization: string, objects: readonly TrackedObject[], options: TrackOptions = {}): void {
    if (this.#stopped) throw new Error('drift watcher was stopped; create a new one');
    validateIgnoreRules(options.ignore ?? []);
    this.#claims.set(kustomization, { objects: [...objects], ignore: options.ignore ?? [] });
    for (const key of [...this.#reported.keys()])
      if (key.startsWith(`${kustomization}\0`)) this.#reported.delete(key);
    for (const object of objects)
      if (object.resourceVersion !== undefined) this.noteApplied(object.ref, object.resourceVersion);
    this.#reindex();
  }

  /** Forgets what `kustomization` owns (before pruning it, or when it is deleted or suspended). */
  untrack(kustomization: string): void {
    if (!this.#claims.delete(kustomization)) return;
    for (const key of [...this.#reported.keys()])
      if (key.startsWith(`${kustomization}\0`)) this.#reported.delete(key);
    this.#reindex();
  }

  /** Records a resourceVersion our own write produced: the watch event showing it is not drift. */
  noteApplied(ref: ObjectRef, resourceVersion: string): void {
    const key = objectKeyOf(ref);
    const versions = this.#ownWrites.get(key) ?? [];
    versions.push(resourceVersion);
    if (versions.length > OWN_WRITES_KEPT) versions.shift();
    this.#ownWrites.set(key, versions);
  }

  /** The kinds being watched, e.g. `apps/v1/Deployment`, `v1/Service`. */
  watchedKinds(): string[] {
    return [...this.#watches.keys()].sort();
  }

  /** Resolves true once every current watch has listed, false if the watcher stops first. */
  async whenSynced(): Promise<boolean> {
    const results = await Promise.all([...this.#watches.values()].map((w) => w.cache.whenSynced()));
    return results.every(Boolean);
  }

  /** Stops every watch and pending evaluation. */
  stop(): void {
    this.#stopped = true;
    for (const watch of this.#watches.values()) watch.cache.stop();
    this.#watches.clear();
    for (const pending of this.#pending.values()) pending.cancel();
    this.#pending.clear();
  }

  // ---- index and watches ---------------------------------------------------------------------

  #reindex(): void {
    const byObject = new Map<string, Map<string, TrackedObject>>();
    const kinds = new Map<string, GroupVersionKind>();
    for (const [kustomization, claim] of this.#claims) {
      for (const object of claim.objects) {
        const key = objectKeyOf(object.ref);
        const owners = byObject.get(key) ?? new Map<string, TrackedObject>();
        byObject.set(key, owners);
        owners.set(kustomization, object);
        const { group, version, kind } = object.ref;
        kinds.set(gvkKeyOf(object.ref), { group, version, kind });
      }
    }
    this.#byObject = byObject;

    for (const [key, pending] of this.#pending) {
      if (!byObject.has(key)) {
        pending.cancel();
        this.#pending.delete(key);
      }
    }
    for (const key of this.#ownWrites.keys()) if (!byObject.has(key)) this.#ownWrites.delete(key);
    for (const [gvkKey, watch] of this.#watches) {
      if (!kinds.has(gvkKey)) {
        watch.cache.stop();
        this.#watches.delete(gvkKey);
      }
    }
    for (const [gvkKey, gvk] of kinds) if (!this.#watches.has(gvkKey)) this.#startWatch(gvkKey, gvk);
  }

  #startWatch(gvkKey: string, gvk: GroupVersionKind): void {
    const listWatch: ListWatch<WatchedObject> = this.#listWatch(gvk, OWNER_NAME_LABEL);
    const cache = new InformerCache<WatchedObject>(listWatch, {
      clock: this.#clock,
      ...(this.#retryDelay !== undefined && { retryDelay: this.#retryDelay }),
      onError: (error) => this.#onError(new DriftWatchError(gvkKey, { cause: error })),
    });
    const watch: Watch = { gvk, cache };
    const handlers: CacheHandlers<WatchedObject> = {
      add: (object) => this.#observe(gvkKey, object, false),
      update: (object) => this.#observe(gvkKey, object, false),
      delete: (object) => this.#observe(gvkKey, object, true),
    };
    cache.on('add', handlers.add);
    cache.on('update', handlers.update);
    cache.on('delete', handlers.delete);
    this.#watches.set(gvkKey, watch);
    cache.start();
    // Objects deleted while nobody watched: tracked, yet absent from the first list.
    void cache.whenSynced().then((synced) => {
      if (!synced || this.#watches.get(gvkKey) !== watch) return;
      const prefix = `${gvkKey}|`;
      for (const key of this.#byObject.keys()) {
        if (key.startsWith(prefix) && cache.get(key.slice(prefix.length)) === undefined) {
          this.#schedule(key, undefined);
        }
      }
    });
  }

  // ---- events --------------------------------------------------------------------------------

  #observe(gvkKey: string, object: WatchedObject, deleted: boolean): void {
    const key = `${gvkKey}|${objectKey(object)}`;
    if (!this.#byObject.has(key)) return;
    const meta = metadataOf(object);
    const resourceVersion = meta.resourceVersion;
    const pending = this.#pending.get(key);
    if (
      !deleted &&
      typeof resourceVersion === 'string' &&
      this.#ownWrites.get(key)?.includes(resourceVersion)
    ) {
      // Our own write: nothing to report by itself, but it is the latest state of a pending burst,
      // and drift reported before it was corrected by it, so the same drift again is news.
      if (pending !== undefined) pending.live = object;
      for (const kustomization of this.#byObject.get(key)?.keys() ?? [])
        this.#reported.delete(`${kustomization}\0${key}`);
      return;
    }
    // Being deleted (finalizers pending): report once it is gone.
    if (!deleted && meta.deletionTimestamp !== undefined && meta.deletionTimestamp !== null) return;
    this.#schedule(key, deleted ? undefined : object);
  }

  #schedule(key: string, live: WatchedObject | undefined): void {
    const pending = this.#pending.get(key);
    if (pending !== undefined) {
      pending.live = live;
      return;
    }
    const cancel = this.#clock.setTimer(() => this.#flush(key), this.#debounceMs);
    this.#pending.set(key, { live, firstAt: this.#clock.now(), cancel });
  }

  #flush(key: string): void {
    const pending = this.#pending.get(key);
    this.#pending.delete(key);
    const owners = this.#byObject.get(key);
    if (pending === undefined || owners === undefined || this.#stopped) return;
    for (const [kustomization, tracked] of owners) {
      try {
        this.#evaluate(kustomization, key, tracked, pending);
      } catch (error) {
        this.#onError(new DriftHandlerError(formatRef(tracked.ref), { cause: error }));
      }
    }
  }

  /** The drift of one tracked object against its live state (undefined: deleted), or undefined. */
  #driftOf(
    kustomization: string,
    tracked: TrackedObject,
    live: WatchedObject | undefined,
    observedAt: number,
  ): DriftEvent | undefined {
    if (live === undefined)
      return { kustomization, ref: tracked.ref, kind: 'deleted', changes: [], observedAt };
    const claim = this.#claims.get(kustomization);
    const drift = computeDrift(tracked.desired, live, {
      ignore: [...this.#ignore, ...(claim?.ignore ?? [])],
      fieldManager: this.#fieldManager,
    });
    const changes = (drift?.changes ?? []).filter(
      (change) => change.inferred === true || change.manager !== this.#fieldManager,
    );
    if (changes.length === 0) return undefined;
    const resourceVersion = metadataOf(live).resourceVersion;
    return {
      kustomization,
      ref: tracked.ref,
      kind: 'modified',
      changes,
      ...(typeof resourceVersion === 'string' && { resourceVersion }),
      observedAt,
    };
  }

  /**
   * What is drifted now among the objects `kustomization` owns, from the watch caches (no API
   * calls). A reconcile asks before applying, so whichever reconcile corrects drift names it,
   * and a report that was already corrected names nothing.
   */
  currentDrift(kustomization: string): DriftEvent[] {
    const claim = this.#claims.get(kustomization);
    if (!claim) return [];
    const now = this.#clock.now();
    const found: DriftEvent[] = [];
    for (const tracked of claim.objects) {
      const watch = this.#watches.get(gvkKeyOf(tracked.ref));
      if (!watch?.cache.hasSynced()) continue;
      const { namespace, name } = tracked.ref;
      const event = this.#driftOf(
        kustomization,
        tracked,
        watch.cache.get(namespace === '' ? name : `${namespace}/${name}`),
        now,
      );
      if (event) found.push(event);
    }
    return found;
  }

  #evaluate(kustomization: string, key: string, tracked: TrackedObject, pending: Pending): void {
    const reportKey = `${kustomization}\0${key}`;
    const event = this.#driftOf(kustomization, tracked, pending.live, pending.firstAt);
    if (event === undefined) {
      this.#reported.delete(reportKey);
      return;
    }
    const fingerprint = JSON.stringify([
      event.kind,
      event.changes.map((c) => [c.path, c.desired, c.live, c.manager]),
    ]);
    if (this.#reported.get(reportKey) === fingerprint) return;
    this.#reported.set(reportKey, fingerprint);
    this.#emit(event);
  }

  #emit(event: DriftEvent): void {
    const fail = (error: unknown) =>
      this.#onError(new DriftHandlerError(formatRef(event.ref), { cause: error }));
    try {
      const result = this.#onDrift(event);
      if (result instanceof Promise) result.catch(fail);
    } catch (error) {
      fail(error);
    }
  }
}
