import { describe, expect, it } from 'vitest';
import { UsageError } from '../../errors.js';
import { buildGitRepository, buildKustomization, parseSourceRef } from './build.js';

describe('create', () => {
  it('builds a GitRepository on a branch by default', () => {
    expect(
      buildGitRepository('ns', 'app', { url: 'https://git.example/app.git', interval: '1m' }).spec,
    ).toEqual({
      url: 'https://git.example/app.git',
      interval: '1m',
      ref: { branch: 'main' },
    });
  });

  it('refuses ssh URLs and two refs', () => {
    expect(() => buildGitRepository('ns', 'a', { url: 'git@host:a.git', interval: '1m' })).toThrow(
      UsageError,
    );
    expect(() =>
      buildGitRepository('ns', 'a', { url: 'https://h/a.git', interval: '1m', tag: 'v1', branch: 'main' }),
    ).toThrow(/one of/);
  });

  it('parses --source', () => {
    expect(parseSourceRef('app')).toEqual({ name: 'app' });
    expect(parseSourceRef('GitRepository/app')).toEqual({ name: 'app' });
    expect(parseSourceRef('GitRepository/flux/app')).toEqual({ namespace: 'flux', name: 'app' });
    expect(parseSourceRef('flux/app')).toEqual({ namespace: 'flux', name: 'app' });
    expect(() => parseSourceRef('OCIRepository/app')).toThrow(/GitRepositories only/);
  });

  it('builds a Kustomization', () => {
    expect(
      buildKustomization('ns', 'apps', {
        source: 'app',
        path: './deploy',
        interval: '5m',
        prune: true,
        targetNamespace: 'prod',
      }).spec,
    ).toEqual({
      sourceRef: { kind: 'GitRepository', name: 'app' },
      path: './deploy',
      interval: '5m',
      prune: true,
      targetNamespace: 'prod',
    });
  });
});
