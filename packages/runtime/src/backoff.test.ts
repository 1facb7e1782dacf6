import { describe, expect, it } from 'vitest';
import { ExponentialBackoff, exponentialDelay } from './backoff.js';

describe('ExponentialBackoff', () => {
  it('doubles from 750 ms per consecutive failure of a key, up to 15 minutes', () => {
    const backoff = new ExponentialBackoff();
    const delays = Array.from({ length: 12 }, () => backoff.next('a'));
    expect(delays.slice(0, 4)).toEqual([750, 1500, 3000, 6000]);
    expect(delays[10]).toBe(768_000);
    expect(delays[11]).toBe(900_000);
    expect(backoff.next('a')).toBe(900_000);
    expect(backoff.failures('a')).toBe(13);
  });

  it('keeps keys apart and starts over after forget', () => {
    const backoff = new ExponentialBackoff({ baseDelayMs: 100, maxDelayMs: 1000 });
    backoff.next('a');
    backoff.next('a');
    expect(backoff.next('b')).toBe(100);
    backoff.forget('a');
    expect(backoff.failures('a')).toBe(0);
    expect(backoff.next('a')).toBe(100);
  });

  it('stays finite for huge attempt counts', () => {
    expect(exponentialDelay(5000, 750, 900_000)).toBe(900_000);
    expect(exponentialDelay(5000, 0, 10)).toBe(0);
    expect(exponentialDelay(0, 750, 900_000)).toBe(0);
  });

  it('rejects a max below the base', () => {
    expect(() => new ExponentialBackoff({ baseDelayMs: 10, maxDelayMs: 5 })).toThrow(RangeError);
  });
});
