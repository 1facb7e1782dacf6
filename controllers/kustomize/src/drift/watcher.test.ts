import { ManualClock, type WatchEvent } from '@moor/runtime';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../apply/objects.js';
import { DriftHandlerError } from './errors.js';
import type { GroupVersionKind, ListWatchFactory, WatchedObject } from './listwatch.js';
import { deploymentManagedFields } from './testing.js';
import { type DriftEvent, DriftWatcher, trackedObject } from './watcher.js';

const owner = { 'kustomize.moor.dev/name': 'app', 'kustomize.moor.dev/namespace': 'flux-system' };

const desired = (): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'ns', labels: { ...owner } },
  spec: { replicas: 2 },
});

const configMap = (): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cfg', namespace: 'ns', labels: { ...owner } },
  data: { a: '1' },
});

let version = 100;
function live(replicas: number, replicasOwner: string, extra: KubeObject = {}): WatchedObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'ns',
      resourceVersion: String(version++),
      labels: { ...owner },
      managedFields: [
        {
          manager: 'moor',
          operation: 'Apply',
          fieldsV1: {
            'f:metadata': {
              'f:labels': { 'f:kustomize.moor.dev/name': {}, 'f:kustomize.moor.dev/namespace': {} },
            },
          },
        },
        {
          manager: replicasOwner,
          operation: 'Update',
          subresource: 'scale',
          fieldsV1: { 'f:spec': { 'f:replicas': {} } },
        },
      ],
    },
    spec: { replicas },
    ...extra,
  } as WatchedObject;
}

/** A fake API server: one list result and one watch stream per kind. */
class FakeCluster {
  readonly lists: string[] = [];
  readonly aborted: string[] = [];
  readonly selectors: string[] = [];
  readonly streams = new Map<string, (event: WatchEvent<WatchedObject>) => void>();
  readonly content = new Map<string, WatchedObject[]>();
  #watching = new Map<string, () => void>();

  factory: ListWatchFactory = (gvk: GroupVersionKind, labelSelector: string) => {
    const key = `${gvk.group}/${gvk.version}/${gvk.kind}`;
    this.selectors.push(labelSelector);
    return {
      list: async () => {
        this.lists.push(key);
        return { items: this.content.get(key) ?? [], resourceVersion: '1' };
      },
      watch: async (_rv, onEvent) => {
        this.streams.set(key, onEvent);
        this.#watching.get(key)?.();
        return { abort: () => this.aborted.push(key) };
      },
    };
  };

  /** Resolves once `key` is being watched and the cache holds the watch's handle. */
  async watching(key: string): Promise<void> {
    if (!this.streams.has(key)) await new Promise<void>((resolve) => this.#watching.set(key, resolve));
    await new Promise((resolve) => setImmediate(resolve)); // let pending promise callbacks run
  }

  send(key: string, event: WatchEvent<WatchedObject>): void {
    const stream = this.streams.get(key);
    if (!stream) throw new Error(`no watch of ${key}`);
    stream(event);
  }
}

async function setup(initial: WatchedObject[] = [live(2, 'moor')]) {
  const clock = new ManualClock(1_000);
  const cluster = new FakeCluster();
  cluster.content.set('apps/v1/Deployment', initial);
  const drifts: DriftEvent[] = [];
  const errors: Error[] = [];
  const watcher = new DriftWatcher({
    listWatch: cluster.factory,
    onDrift: (event) => {
      drifts.push(event);
    },
    clock,
    onError: (error) => errors.push(error),
  });
  watcher.track('flux-system/app', [trackedObject(desired())]);
  await cluster.watching('apps/v1/Deployment');
  clock.advance(100); // whatever the first list showed
  drifts.length = 0;
  const modified = (object: WatchedObject) =>
    cluster.send('apps/v1/Deployment', { type: 'MODIFIED', object });
  return { clock, cluster, drifts, errors, watcher, modified };
}

describe('DriftWatcher', () => {
  it('watches each tracked kind once, by the owner label, shared by Kustomizations', async () => {
    const { cluster, watcher } = await setup();
    watcher.track('flux-system/other', [trackedObject(desired()), trackedObject(configMap())]);
    await cluster.watching('/v1/ConfigMap');
    expect(watcher.watchedKinds()).toEqual(['apps/v1/Deployment', 'v1/ConfigMap']);
    expect(cluster.lists).toEqual(['apps/v1/Deployment', '/v1/ConfigMap']);
    expect(new Set(cluster.selectors)).toEqual(new Set(['kustomize.moor.dev/name']));

    watcher.untrack('flux-system/other');
    expect(watcher.watchedKinds()).toEqual(['apps/v1/Deployment']);
    expect(cluster.aborted).toEqual(['/v1/ConfigMap']);
    watcher.untrack('flux-system/app');
    expect(watcher.watchedKinds()).toEqual([]);
    expect(cluster.aborted).toEqual(['/v1/ConfigMap', 'apps/v1/Deployment']);
  });

  it('reports a change by another manager once per burst, at the end of the debounce window', async () => {
    const { clock, drifts, modified } = await setup();
    modified(live(5, 'kubectl'));
    clock.advance(50);
    modified(live(9, 'kubectl'));
    clock.advance(49);
    expect(drifts).toEqual([]);
    clock.advance(1);
    expect(drifts).toEqual([
      {
        kustomization: 'flux-system/app',
        ref: { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'ns', name: 'web' },
        kind: 'modified',
        changes: [
          expect.objectContaining({ path: 'spec.replicas', desired: 2, live: 9, manager: 'kubectl' }),
        ],
        resourceVersion: expect.any(String),
        observedAt: 1_100,
      },
    ]);
  });

  it('reports the same drift once, and again after our apply corrected it', async () => {
    const { clock, drifts, modified, watcher } = await setup();
    modified(live(9, 'kubectl'));
    clock.advance(100);
    modified(live(9, 'kubectl', { status: { replicas: 9 } }));
    clock.advance(100);
    expect(drifts).toHaveLength(1);

    const corrected = live(2, 'moor');
    watcher.noteApplied(trackedObject(desired()).ref, String(corrected.metadata?.resourceVersion));
    modified(corrected);
    clock.advance(100);
    modified(live(9, 'kubectl'));
    clock.advance(100);
    expect(drifts).toHaveLength(2);
  });

  it('ignores changes owned by our field manager, our own writes, and untracked objects', async () => {
    const { clock, cluster, drifts, modified, watcher } = await setup();
    modified(live(3, 'moor'));
    clock.advance(100);
    const ours = live(4, 'kubectl');
    watcher.track('flux-system/app', [trackedObject(desired(), ours)]);
    modified(ours);
    clock.advance(100);
    const other = live(9, 'kubectl');
    (other.metadata as KubeObject).name = 'not-tracked';
    modified(other);
    clock.advance(100);
    expect(drifts).toEqual([]);
    expect(cluster.lists).toEqual(['apps/v1/Deployment']);
  });

  it('reports deletions', async () => {
    const { clock, cluster, drifts } = await setup();
    cluster.send('apps/v1/Deployment', { type: 'DELETED', object: live(2, 'moor') });
    clock.advance(100);
    expect(drifts.map((d) => [d.kind, d.changes])).toEqual([['deleted', []]]);
  });

  it('reports a tracked object missing from the first list as deleted', async () => {
    const clock = new ManualClock();
    const cluster = new FakeCluster();
    const events: DriftEvent[] = [];
    const watcher = new DriftWatcher({
      listWatch: cluster.factory,
      onDrift: (e) => void events.push(e),
      clock,
    });
    watcher.track('k', [trackedObject(desired())]);
    expect(await watcher.whenSynced()).toBe(true);
    await cluster.watching('apps/v1/Deployment');
    clock.advance(99);
    expect(events).toEqual([]);
    clock.advance(1);
    expect(events.map((e) => [e.kustomization, e.kind, e.ref.name])).toEqual([['k', 'deleted', 'web']]);
  });

  it('honours ignore rules of the watcher and of a Kustomization', async () => {
    const { clock, drifts, modified, watcher } = await setup();
    watcher.track('flux-system/app', [trackedObject(desired())], { ignore: [{ paths: ['/spec/replicas'] }] });
    modified(live(9, 'kubectl'));
    clock.advance(100);
    expect(drifts).toEqual([]);
    expect(() => watcher.track('x', [], { ignore: [{ paths: ['spec'] }] })).toThrow(
      /JSON pointer|start with/,
    );
  });

  it('reports a failing handler as DriftHandlerError and carries on', async () => {
    const clock = new ManualClock();
    const cluster = new FakeCluster();
    const errors: Error[] = [];
    let calls = 0;
    const watcher = new DriftWatcher({
      listWatch: cluster.factory,
      onDrift: () => {
        calls++;
        throw new Error('boom');
      },
      clock,
      onError: (e) => errors.push(e),
    });
    watcher.track('k', [trackedObject(desired())]);
    await cluster.watching('apps/v1/Deployment');
    clock.advance(100); // missing from the list: deleted
    cluster.send('apps/v1/Deployment', { type: 'ADDED', object: live(9, 'kubectl') });
    clock.advance(100);
    expect(calls).toBe(2);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBeInstanceOf(DriftHandlerError);
    expect((errors[0] as Error).cause).toEqual(new Error('boom'));
    watcher.stop();
    expect(watcher.watchedKinds()).toEqual([]);
  });

  it('names the scale manager with real managedFields', async () => {
    const { clock, drifts, modified } = await setup();
    const object = live(9, 'kubectl');
    (object.metadata as KubeObject).managedFields = deploymentManagedFields;
    modified(object);
    clock.advance(100);
    expect(drifts[0]?.changes).toMatchObject([
      { path: 'spec.replicas', manager: 'kubectl', subresource: 'scale' },
    ]);
  });
});
