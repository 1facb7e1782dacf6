import { describe, expect, it } from 'vitest';
import { ExponentialBackoff } from './backoff.js';
import { ManualClock } from './clock.js';
import { type WorkHandler, WorkQueue, type WorkResult } from './workqueue.js';

/** A handler whose runs stay in flight until the test releases them. */
function gatedHandler() {
  const calls: string[] = [];
  const running = new Map<
    string,
    Array<{ resolve: (result?: WorkResult) => void; reject: (e: unknown) => void }>
  >();
  const startWaiters = new Map<string, Array<() => void>>();
  let inFlight = 0;
  let maxInFlight = 0;
  const handler: WorkHandler = (key) => {
    calls.push(key);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    for (const wake of startWaiters.get(key) ?? []) wake();
    startWaiters.delete(key);
    return new Promise<WorkResult | undefined>((resolve, reject) => {
      const list = running.get(key) ?? [];
      list.push({ resolve, reject });
      running.set(key, list);
    }).finally(() => inFlight--);
  };
  const take = (key: string) => {
    const run = running.get(key)?.shift();
    if (run === undefined) throw new Error(`${key} is not running`);
    return run;
  };
  return {
    handler,
    calls,
    get maxInFlight() {
      return maxInFlight;
    },
    /** Resolves when the handler starts on `key` (immediately if it already has). */
    started(key: string): Promise<void> {
      if ((running.get(key)?.length ?? 0) > 0) return Promise.resolve();
      return new Promise((resolve) => startWaiters.set(key, [...(startWaiters.get(key) ?? []), resolve]));
    },
    succeed: (key: string, result?: WorkResult) => take(key).resolve(result),
    fail: (key: string, error: unknown) => take(key).reject(error),
  };
}

describe('WorkQueue', () => {
  it('hands each waiting key to a worker once, however often it was added', async () => {
    const calls: string[] = [];
    const queue = new WorkQueue({ handler: async (key) => void calls.push(key) });
    queue.add('a');
    queue.add('b');
    queue.add('a');
    expect(queue.length).toBe(2);
    await queue.whenIdle();
    expect(calls).toEqual(['a', 'b']);
    expect(queue.length).toBe(0);
  });

  it('never runs one key on two workers; a key added while in flight runs again afterwards', async () => {
    const gate = gatedHandler();
    const queue = new WorkQueue({ handler: gate.handler, concurrency: 4 });
    queue.add('a');
    await gate.started('a');
    queue.add('a');
    queue.add('a');
    expect(queue.length).toBe(0); // dirty, not ready: it waits for its worker to finish
    gate.succeed('a');
    await gate.started('a');
    expect(gate.maxInFlight).toBe(1);
    gate.succeed('a');
    await queue.whenIdle();
    expect(gate.calls).toEqual(['a', 'a']);
  });

  it('runs up to `concurrency` keys at the same time and reports the rest as depth', async () => {
    const gate = gatedHandler();
    const queue = new WorkQueue({ handler: gate.handler, concurrency: 2 });
    for (const key of ['a', 'b', 'c', 'd']) queue.add(key);
    await Promise.all([gate.started('a'), gate.started('b')]);
    expect(queue.inFlight).toBe(2);
    expect(queue.length).toBe(2);
    gate.succeed('a');
    await gate.started('c');
    expect(queue.inFlight).toBe(2);
    expect(queue.length).toBe(1);
    gate.succeed('b');
    gate.succeed('c');
    await gate.started('d');
    gate.succeed('d');
    await queue.whenIdle();
    expect(gate.calls).toEqual(['a', 'b', 'c', 'd']);
    expect(gate.maxInFlight).toBe(2);
  });

  it('adds a key after a delay, keeping the earliest of several delays', async () => {
    const clock = new ManualClock();
    const calls: string[] = [];
    const queue = new WorkQueue({ handler: async (key) => void calls.push(key), clock });
    queue.addAfter('a', 1000);
    queue.addAfter('a', 5000);
    queue.addAfter('b', 2000);
    queue.addAfter('b', 500);
    clock.advance(999);
    await queue.whenIdle();
    expect(calls).toEqual(['b']);
    clock.advance(1);
    await queue.whenIdle();
    expect(calls).toEqual(['b', 'a']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('retries a failing key with exponential backoff and forgets it after a success', async () => {
    const clock = new ManualClock();
    const retries: number[] = [];
    const errors: unknown[] = [];
    let failuresLeft = 3;
    const queue = new WorkQueue({
      clock,
      handler: async () => {
        if (failuresLeft-- > 0) throw new Error('boom');
      },
      onRetry: (_key, delayMs) => retries.push(delayMs),
      onError: (_key, error) => errors.push(error),
    });
    queue.add('a');
    await queue.whenIdle();
    expect(queue.retries('a')).toBe(1);
    expect(clock.pendingDelays()).toEqual([750]);
    clock.advance(750);
    await queue.whenIdle();
    expect(clock.pendingDelays()).toEqual([1500]);
    clock.advance(1500);
    await queue.whenIdle();
    expect(clock.pendingDelays()).toEqual([3000]);
    clock.advance(3000);
    await queue.whenIdle();
    expect(retries).toEqual([750, 1500, 3000]);
    expect(errors).toHaveLength(3);
    expect(queue.retries('a')).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('forget resets the backoff of a key', () => {
    const clock = new ManualClock();
    const queue = new WorkQueue({ handler: async () => {}, clock });
    queue.addRateLimited('a');
    clock.advance(750);
    queue.addRateLimited('a');
    expect(clock.pendingDelays()).toEqual([1500]);
    queue.forget('a');
    clock.advance(1500);
    queue.addRateLimited('a');
    expect(clock.pendingDelays()).toEqual([750]);
  });

  it('requeues a key after the delay its handler asked for', async () => {
    const clock = new ManualClock();
    const calls: string[] = [];
    const queue = new WorkQueue({
      clock,
      handler: async (key) => {
        calls.push(key);
        return calls.length === 1 ? { requeueAfterMs: 60_000 } : undefined;
      },
    });
    queue.add('a');
    await queue.whenIdle();
    expect(clock.pendingDelays()).toEqual([60_000]);
    clock.advance(60_000);
    await queue.whenIdle();
    expect(calls).toEqual(['a', 'a']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('on shutdown drops waiting and delayed keys and resolves once in-flight handlers finish', async () => {
    const clock = new ManualClock();
    const gate = gatedHandler();
    const queue = new WorkQueue({ handler: gate.handler, clock });
    queue.add('a');
    queue.add('b');
    queue.addAfter('c', 1000);
    await gate.started('a');

    let stopped = false;
    const shutdown = queue.shutdown().then(() => {
      stopped = true;
    });
    queue.add('d');
    await Promise.resolve();
    expect(stopped).toBe(false);
    expect(queue.length).toBe(0);
    expect(clock.pendingTimers).toBe(0);

    gate.fail('a', new Error('interrupted')); // no retry is scheduled while shutting down
    await shutdown;
    expect(stopped).toBe(true);
    expect(gate.calls).toEqual(['a']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects a concurrency that is not a positive integer', () => {
    expect(() => new WorkQueue({ handler: async () => {}, concurrency: 0 })).toThrow(RangeError);
  });

  it('uses the injected backoff', () => {
    const clock = new ManualClock();
    const queue = new WorkQueue({
      handler: async () => {},
      clock,
      backoff: new ExponentialBackoff({ baseDelayMs: 10, maxDelayMs: 15 }),
    });
    queue.addRateLimited('a');
    clock.advance(10);
    queue.addRateLimited('a');
    expect(clock.pendingDelays()).toEqual([15]);
  });
});
