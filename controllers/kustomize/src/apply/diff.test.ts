import { describe, expect, it } from 'vitest';
import { changedPaths, objectChanges } from './diff.js';

describe('changedPaths', () => {
  it('names changed, added and removed leaves with dotted and indexed paths', () => {
    const before = { spec: { replicas: 1, template: { containers: [{ image: 'a' }] } }, data: { x: '1' } };
    const after = {
      spec: { replicas: 2, template: { containers: [{ image: 'b' }, { image: 'c' }] } },
      data: {},
    };
    expect(changedPaths(before, after)).toEqual([
      'data.x',
      'spec.replicas',
      'spec.template.containers[0].image',
      'spec.template.containers[1]',
    ]);
  });

  it('quotes keys that are not identifiers', () => {
    expect(changedPaths({ labels: {} }, { labels: { 'app.kubernetes.io/name': 'web' } })).toEqual([
      'labels["app.kubernetes.io/name"]',
    ]);
  });

  it('finds nothing in equal values', () => {
    expect(changedPaths({ a: [1, { b: null }] }, { a: [1, { b: null }] })).toEqual([]);
  });
});

describe('objectChanges', () => {
  it('ignores status and the metadata the API server maintains', () => {
    const before = {
      metadata: { name: 'web', resourceVersion: '1', generation: 1, managedFields: [{ manager: 'a' }] },
      spec: { replicas: 1 },
      status: { replicas: 0 },
    };
    const after = {
      metadata: { name: 'web', resourceVersion: '2', generation: 2, managedFields: [{ manager: 'b' }] },
      spec: { replicas: 1 },
      status: { replicas: 1 },
    };
    expect(objectChanges(before, after)).toEqual([]);
    expect(objectChanges(before, { ...after, metadata: { ...after.metadata, labels: { a: 'b' } } })).toEqual([
      'metadata.labels',
    ]);
  });
});
