import { describe, expect, it } from 'vitest';
import { cleanObject } from './clean.js';

describe('cleanObject', () => {
  it('keeps what a person wrote and drops what the server and tools added', () => {
    expect(
      cleanObject({
        apiVersion: 'kustomize.moor.dev/v1',
        kind: 'Kustomization',
        metadata: {
          name: 'apps',
          namespace: 'apps',
          uid: 'u',
          resourceVersion: '12',
          generation: 3,
          creationTimestamp: '2025-06-01T00:00:00Z',
          managedFields: [{}],
          finalizers: ['kustomize.moor.dev/finalizer'],
          labels: { team: 'a' },
          annotations: { 'reconcile.moor.dev/requestedAt': 'x', note: 'keep' },
        },
        spec: { interval: '5m' },
        status: { conditions: [] },
      }),
    ).toEqual({
      apiVersion: 'kustomize.moor.dev/v1',
      kind: 'Kustomization',
      metadata: { name: 'apps', namespace: 'apps', labels: { team: 'a' }, annotations: { note: 'keep' } },
      spec: { interval: '5m' },
    });
  });
});
