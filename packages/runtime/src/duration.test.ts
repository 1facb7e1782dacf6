import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';

describe('durations', () => {
  it('parse Go/Flux durations', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('1h2m3s4ms')).toBe(3_723_004);
  });

  it('reject what is not a duration, naming the field', () => {
    for (const bad of ['', '10', 'm', '1d', '5 m', '1m-1s']) {
      expect(() => parseDuration(bad, 'spec.interval')).toThrow(/^spec\.interval: /);
    }
  });

  it('format for people', () => {
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(1500)).toBe('1.5s');
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(7_200_000)).toBe('2h');
  });
});
