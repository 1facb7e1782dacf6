import { historyRecordId } from '@moor/api';
import { describe, expect, it } from 'vitest';
import { idTime } from './find.js';

describe('history ids', () => {
  it('carry their start time', () => {
    const ms = Date.parse('2025-06-01T12:00:00.123Z');
    expect(idTime(historyRecordId(ms, '0a1b2c3d'))?.toISOString()).toBe('2025-06-01T12:00:00.123Z');
    expect(idTime('not-an-id')).toBeUndefined();
  });
});
