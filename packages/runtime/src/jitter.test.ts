import { describe, expect, it } from 'vitest';
import { jitter, seededRandom } from './jitter.js';

describe('jitter', () => {
  it('maps the random range onto interval ± fraction', () => {
    expect(jitter(60_000, 0.1, () => 0)).toBe(54_000);
    expect(jitter(60_000, 0.1, () => 0.5)).toBe(60_000);
    expect(jitter(60_000, 0.1, () => 0.999_999)).toBe(66_000);
  });

  it('stays within bounds and spreads values for a seeded source', () => {
    const random = seededRandom(42);
    const values = Array.from({ length: 1000 }, () => jitter(10_000, 0.2, random));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(8000);
    expect(Math.max(...values)).toBeLessThanOrEqual(12_000);
    expect(new Set(values).size).toBeGreaterThan(500);
  });

  it('rejects a fraction outside [0, 1]', () => {
    expect(() => jitter(1000, 1.5)).toThrow(RangeError);
    expect(() => jitter(1000, Number.NaN)).toThrow(RangeError);
  });
});

describe('seededRandom', () => {
  it('repeats its sequence for the same seed and differs for another', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const c = seededRandom(8);
    const seqA = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(seqA);
    expect([c(), c(), c()]).not.toEqual(seqA);
    for (const value of seqA) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
  });
});
