import { describe, expect, it } from 'vitest';
import { GitRepositoryKind, KustomizationKind, ProviderKind } from '../../kinds.js';
import { headersFor, readyOf, rowFor, shortRevision } from './rows.js';

const now = Date.parse('2025-06-01T12:00:00Z');
const ready = (status: 'True' | 'False', message: string, observedGeneration = 1) => ({
  type: 'Ready',
  status,
  reason: 'X',
  message,
  observedGeneration,
  lastTransitionTime: '2025-06-01T11:00:00Z',
});

describe('get rows', () => {
  it('shortens revisions to 12 hex digits', () => {
    expect(shortRevision('main@sha1:0123456789abcdef0123456789abcdef01234567')).toBe(
      'main@sha1:0123456789ab',
    );
    expect(shortRevision(undefined)).toBe('');
  });

  it('says Unknown while a new generation is not yet reconciled', () => {
    expect(
      readyOf({ metadata: { generation: 2 }, status: { conditions: [ready('True', 'ok', 1)] } }),
    ).toEqual({
      ready: 'Unknown',
      message: 'reconciling generation 2',
    });
    expect(readyOf({ metadata: {} })).toEqual({ ready: 'Unknown', message: 'waiting to be reconciled' });
  });

  it('has a revision column for sources and kustomizations only', () => {
    expect(headersFor(KustomizationKind, true)).toEqual([
      'NAMESPACE',
      'NAME',
      'READY',
      'MESSAGE',
      'REVISION',
      'SUSPENDED',
      'AGE',
    ]);
    expect(headersFor(ProviderKind, false)).toEqual(['NAME', 'READY', 'MESSAGE', 'SUSPENDED', 'AGE']);
  });

  it('renders a GitRepository', () => {
    const row = rowFor(
      GitRepositoryKind,
      {
        metadata: { name: 'app', namespace: 'ns', generation: 1, creationTimestamp: '2025-06-01T11:55:00Z' },
        spec: { suspend: true },
        status: {
          conditions: [ready('True', 'stored artifact')],
          artifact: { revision: 'main@sha1:0123456789abcdef0123456789abcdef01234567' },
        },
      },
      { allNamespaces: false, now },
    );
    expect(row).toEqual(['app', 'True', 'stored artifact', 'main@sha1:0123456789ab', 'True', '5m']);
  });
});
