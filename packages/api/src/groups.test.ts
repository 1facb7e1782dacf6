import { describe, expect, it } from 'vitest';
import { KUSTOMIZE_GROUP, NOTIFICATION_GROUP, SOURCE_GROUP } from './groups.js';

describe('API groups', () => {
  it('are the three moor.dev groups, one per controller', () => {
    expect(new Set([SOURCE_GROUP, KUSTOMIZE_GROUP, NOTIFICATION_GROUP]).size).toBe(3);
    for (const g of [SOURCE_GROUP, KUSTOMIZE_GROUP, NOTIFICATION_GROUP])
      expect(g).toMatch(/^[a-z]+\.moor\.dev$/);
  });
});
