import { describe, expect, it } from 'vitest';
import { GitRepositoryKind, KustomizationKind } from '../../kinds.js';
import { resumePatch, suspendPatch } from './annotations.js';

describe('suspension patches', () => {
  it('suspends a Kustomization with reason, expiry and author', () => {
    expect(
      suspendPatch(KustomizationKind, { reason: 'incident 42', until: '2025-06-01T14:00:00Z', by: 'alice' }),
    ).toEqual({
      spec: { suspend: true },
      metadata: {
        annotations: {
          'kustomize.moor.dev/suspend-reason': 'incident 42',
          'kustomize.moor.dev/suspended-by': 'alice',
          'kustomize.moor.dev/suspend-until': '2025-06-01T14:00:00Z',
        },
      },
    });
  });

  it('removes a stale expiry when suspending without --for', () => {
    expect(
      suspendPatch(KustomizationKind, { by: 'alice' }).metadata.annotations[
        'kustomize.moor.dev/suspend-until'
      ],
    ).toBeNull();
  });

  it('keeps source annotations in the source group, without an expiry', () => {
    expect(suspendPatch(GitRepositoryKind, { reason: 'r', by: 'bob' }).metadata.annotations).toEqual({
      'source.moor.dev/suspend-reason': 'r',
      'source.moor.dev/suspended-by': 'bob',
    });
  });

  it('resume clears everything', () => {
    expect(resumePatch(KustomizationKind)).toEqual({
      spec: { suspend: false },
      metadata: {
        annotations: {
          'kustomize.moor.dev/suspend-reason': null,
          'kustomize.moor.dev/suspended-by': null,
          'kustomize.moor.dev/suspend-until': null,
        },
      },
    });
  });
});
