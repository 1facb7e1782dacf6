import { describe, expect, it } from 'vitest';
import {
  HandlerError,
  InformerCache,
  ListError,
  type ListResult,
  objectKey,
  WatchError,
  type WatchEvent,
} from './cache.js';
import { ManualClock } from './clock.js';

interface Obj {
  metadata: { name: string; namespace?: string; resourceVersion: string };
  spec?: string;
}
const obj = (name: string, resourceVersion: string, spec?: string, namespace = 'default'): Obj => ({
  metadata: { name, namespace, resourceVersion },
  ...(spec === undefined ? {} : { spec }),
});

interface Deferred<T> {
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

interface FakeWatch {
  resourceVersion: string;
  aborted: boolean;
  emit: (event: WatchEvent<Obj>) => void;
  done: (error?: unknown) => void;
}

/** A ListWatch whose calls the test answers one by one. */
class FakeListWatch {
  readonly lists: Array<Deferred<ListResult<Obj>>> = [];
  readonly watches: FakeWatch[] = [];

  list = (): Promise<ListResult<Obj>> =>
    new Promise((resolve, reject) => {
      this.lists.push({ resolve, reject });
    });

  watch = async (
    resourceVersion: string,
    onEvent: (event: WatchEvent<Obj>) => void,
    onDone: (error?: unknown) => void,
  ) => {
    const watch: FakeWatch = { resourceVersion, aborted: false, emit: onEvent, done: onDone };
    this.watches.push(watch);
    return {
      abort: () => {
        watch.aborted = true;
      },
    };
  };

  lastList(): Deferred<ListResult<Obj>> {
    const list = this.lists.at(-1);
    if (list === undefined) throw new Error('list was not called');
    return list;
  }

  lastWatch(): FakeWatch {
    const watch = this.watches.at(-1);
    if (watch === undefined) throw new Error('watch was not called');
    return watch;
  }
}

/** Runs every pending promise job: setImmediate fires only once the microtask queue is empty. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup() {
  const clock = new ManualClock();
  const listWatch = new FakeListWatch();
  const errors: unknown[] = [];
  const events: string[] = [];
  const cache = new InformerCache<Obj>(listWatch, {
    clock,
    retryDelay: (attempt) => attempt * 100,
    onError: (error) => errors.push(error),
  });
  cache.on('add', (o) => events.push(`add ${objectKey(o)}@${o.metadata.resourceVersion}`));
  cache.on('update', (o, old) =>
    events.push(`update ${objectKey(o)}@${old.metadata.resourceVersion}->${o.metadata.resourceVersion}`),
  );
  cache.on('delete', (o) => events.push(`delete ${objectKey(o)}`));
  return { clock, listWatch, errors, events, cache };
}

/** Starts the cache and answers its first list. */
async function started(items: Obj[], resourceVersion = '10') {
  const env = setup();
  env.cache.start();
  await settle();
  env.listWatch.lastList().resolve({ items, resourceVersion });
  await settle();
  return env;
}

describe('InformerCache', () => {
  it('lists, stores, tells handlers, syncs, and watches from the list’s resourceVersion', async () => {
    const { cache, listWatch, events } = setup();
    const synced = cache.whenSynced();
    cache.start();
    await settle();
    expect(cache.hasSynced()).toBe(false);
    listWatch
      .lastList()
      .resolve({ items: [obj('a', '5'), obj('b', '6', undefined, 'other')], resourceVersion: '10' });
    expect(await synced).toBe(true);
    expect(cache.hasSynced()).toBe(true);
    expect(events).toEqual(['add default/a@5', 'add other/b@6']);
    expect(cache.get('default/a')).toEqual(obj('a', '5'));
    expect(cache.list('other').map(objectKey)).toEqual(['other/b']);
    await settle();
    expect(listWatch.watches.map((w) => w.resourceVersion)).toEqual(['10']);
  });

  it('applies watch events to the store and handlers, and follows bookmarks', async () => {
    const { cache, listWatch, events } = await started([obj('a', '5')]);
    const watch = listWatch.lastWatch();
    watch.emit({ type: 'ADDED', object: obj('b', '11') });
    watch.emit({ type: 'MODIFIED', object: obj('a', '12', 'changed') });
    watch.emit({ type: 'DELETED', object: obj('b', '13') });
    watch.emit({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '20' } } });
    expect(events.slice(1)).toEqual(['add default/b@11', 'update default/a@5->12', 'delete default/b']);
    expect(cache.keys()).toEqual(['default/a']);
    expect(cache.get('default/a')?.spec).toBe('changed');
    expect(cache.resourceVersion).toBe('20');
  });

  it('restarts a watch that ended normally from the last resourceVersion, without relisting', async () => {
    const { listWatch, clock } = await started([]);
    listWatch.lastWatch().emit({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '15' } } });
    listWatch.lastWatch().done();
    await settle();
    expect(listWatch.lists).toHaveLength(1);
    expect(listWatch.watches.map((w) => w.resourceVersion)).toEqual(['10', '15']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('relists on a 410 ERROR event and tells handlers only what changed meanwhile', async () => {
    const { cache, listWatch, events, errors } = await started([
      obj('keep', '1'),
      obj('change', '2'),
      obj('gone', '3'),
    ]);
    events.length = 0;
    listWatch.lastWatch().emit({ type: 'MODIFIED', object: obj('change', '11') });
    listWatch
      .lastWatch()
      .emit({ type: 'ERROR', object: { code: 410, reason: 'Expired', message: 'too old' } });
    expect(listWatch.watches[0]?.aborted).toBe(true);
    expect(cache.resourceVersion).toBe('');
    await settle();
    expect(listWatch.lists).toHaveLength(2);
    listWatch
      .lastList()
      .resolve({ items: [obj('keep', '1'), obj('change', '30'), obj('new', '31')], resourceVersion: '40' });
    await settle();
    expect(events).toEqual([
      'update default/change@2->11',
      'delete default/gone',
      'update default/change@11->30',
      'add default/new@31',
    ]);
    expect(listWatch.lastWatch().resourceVersion).toBe('40');
    expect(errors).toEqual([]);
  });

  it('retries failed lists with growing delays and resets them after a healthy session', async () => {
    const { cache, listWatch, clock, errors } = setup();
    cache.start();
    await settle();
    listWatch.lastList().reject(new Error('connection refused'));
    await settle();
    expect(errors[0]).toBeInstanceOf(ListError);
    expect((errors[0] as Error).cause).toEqual(new Error('connection refused'));
    expect(clock.pendingDelays()).toEqual([100]);

    clock.advance(100);
    await settle();
    listWatch.lastList().reject(new Error('connection refused'));
    await settle();
    expect(clock.pendingDelays()).toEqual([200]);

    clock.advance(200);
    await settle();
    listWatch.lastList().resolve({ items: [], resourceVersion: '10' });
    await settle();
    expect(cache.hasSynced()).toBe(true);
    listWatch.lastWatch().emit({ type: 'ADDED', object: obj('a', '11') });
    listWatch.lastWatch().done(new Error('stream reset'));
    await settle();
    // The session had delivered an event, so the streak of failures is over.
    expect(clock.pendingTimers).toBe(0);
    expect(listWatch.watches.map((w) => w.resourceVersion)).toEqual(['10', '11']);
    expect(errors[2]).toBeInstanceOf(WatchError);
    expect(listWatch.lists).toHaveLength(3);
  });

  it('backs off when watches keep ending at once without events, instead of spinning', async () => {
    const { listWatch, clock } = await started([]);
    listWatch.lastWatch().done();
    await settle();
    expect(clock.pendingDelays()).toEqual([100]);
    expect(listWatch.watches).toHaveLength(1);
    clock.advance(100);
    await settle();
    expect(listWatch.watches).toHaveLength(2);
    listWatch.lastWatch().done();
    await settle();
    expect(clock.pendingDelays()).toEqual([200]);
  });

  it('treats a quiet watch that ran long enough and ended normally as healthy', async () => {
    const { listWatch, clock } = await started([]);
    clock.advance(5 * 60_000);
    listWatch.lastWatch().done();
    await settle();
    expect(clock.pendingTimers).toBe(0);
    expect(listWatch.watches).toHaveLength(2);
  });

  it('relists after HTTP 410 once its retry delay passed', async () => {
    const { listWatch, clock } = await started([]);
    listWatch.lastWatch().done(Object.assign(new Error('Gone'), { statusCode: 410 }));
    await settle();
    expect(clock.pendingDelays()).toEqual([100]);
    clock.advance(100);
    await settle();
    expect(listWatch.lists).toHaveLength(2);
  });

  it('reconnects after a watch error from the same resourceVersion, reporting the error', async () => {
    const { listWatch, clock, errors } = await started([]);
    listWatch
      .lastWatch()
      .emit({ type: 'ERROR', object: { code: 500, reason: 'InternalError', message: 'etcd' } });
    await settle();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ name: 'WatchError', code: 500 });
    clock.advance(100);
    await settle();
    expect(listWatch.lists).toHaveLength(1);
    expect(listWatch.watches.map((w) => w.resourceVersion)).toEqual(['10', '10']);
  });

  it('stop aborts the watch and cancels retries; a stopped cache stays stopped', async () => {
    const { cache, listWatch, clock } = await started([obj('a', '1')]);
    listWatch.lastWatch().done(new Error('reset'));
    await settle();
    expect(clock.pendingTimers).toBe(1);
    cache.stop();
    expect(clock.pendingTimers).toBe(0);
    expect(cache.get('default/a')).toBeDefined();
    expect(() => cache.start()).toThrow(/stopped/);

    const second = await started([]);
    second.cache.stop();
    expect(second.listWatch.lastWatch().aborted).toBe(true);
    second.listWatch.lastWatch().done();
    await settle();
    expect(second.listWatch.watches).toHaveLength(1);
  });

  it('ignores a list that completes after stop, and settles whenSynced with false', async () => {
    const { cache, listWatch, events } = setup();
    cache.start();
    await settle();
    const synced = cache.whenSynced();
    cache.stop();
    expect(await synced).toBe(false);
    listWatch.lastList().resolve({ items: [obj('a', '1')], resourceVersion: '1' });
    await settle();
    expect(events).toEqual([]);
    expect(cache.hasSynced()).toBe(false);
    expect(listWatch.watches).toHaveLength(0);
  });

  it('keeps calling the other handlers when one throws, and reports it', async () => {
    const env = setup();
    env.cache.on('add', () => {
      throw new Error('bug');
    });
    env.cache.start();
    await settle();
    env.listWatch.lastList().resolve({ items: [obj('a', '1')], resourceVersion: '1' });
    await settle();
    expect(env.events).toEqual(['add default/a@1']);
    expect(env.errors[0]).toBeInstanceOf(HandlerError);
  });

  it('unregisters a handler', async () => {
    const env = setup();
    const seen: string[] = [];
    const off = env.cache.on('add', (o) => seen.push(o.metadata.name));
    off();
    env.cache.start();
    await settle();
    env.listWatch.lastList().resolve({ items: [obj('a', '1')], resourceVersion: '1' });
    await settle();
    expect(seen).toEqual([]);
  });
});

describe('objectKey', () => {
  it('is namespace/name, or name for cluster-scoped objects', () => {
    expect(objectKey({ metadata: { namespace: 'ns', name: 'a' } })).toBe('ns/a');
    expect(objectKey({ metadata: { name: 'a' } })).toBe('a');
    expect(objectKey({ metadata: { namespace: '', name: 'a' } })).toBe('a');
  });
});
