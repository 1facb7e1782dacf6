import { describe, expect, it } from 'vitest';
import { mapLimit } from './concurrency.js';

describe('mapLimit', () => {
  it('keeps input order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const gates: Array<() => void> = [];
    const done = mapLimit([1, 2, 3, 4, 5], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise<void>((r) => gates.push(r));
      running--;
      return n * 10;
    });
    while (gates.length > 0 || running > 0) {
      await Promise.resolve();
      gates.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    expect(await done).toEqual([10, 20, 30, 40, 50]);
    expect(peak).toBe(2);
  });
});
