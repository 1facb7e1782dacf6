// Bad input gets Ready=False with a specific reason and a message that names the problem,
// retried with backoff; secrets never show; the last good artifact stays served.
import { describe, expect, it } from 'vitest';
import {
  condition,
  core,
  createGitRepository,
  createRepo,
  createSecret,
  failedWith,
  isReady,
  patchGitRepository,
  useNamespace,
  waitForGitRepository,
} from '../harness/index.js';
import { download } from './artifact-helpers.js';

const files = { 'deploy/app.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n' };

describe('GitRepository with bad input', () => {
  const ns = useNamespace('source-errors');

  it('names an unreachable host, and keeps retrying', async () => {
    await createGitRepository(ns.name, 'unreachable', {
      url: 'http://127.0.0.1:1/nothing.git',
      interval: '10m',
    });
    const repo = await waitForGitRepository(
      ns.name,
      'unreachable',
      failedWith('GitUnreachable'),
      'GitUnreachable',
    );
    expect(condition(repo)?.message).toContain('http://127.0.0.1:1/nothing.git');
    expect(condition(repo, 'Reconciling')).toMatchObject({ status: 'True', reason: 'ProgressingWithRetry' });
    expect(condition(repo, 'FetchFailed')?.status).toBe('True');
    expect(repo.status?.artifact).toBeUndefined();
  });

  it('authenticates with basic auth and bearer tokens, and rejects wrong ones without showing them', async () => {
    const basic = await createRepo('private-basic', files);
    basic.requireAuth({ basic: { username: 'moor', password: 'hunter2-secret' } });
    const bearer = await createRepo('private-bearer', files);
    bearer.requireAuth({ bearer: 'token-abc123-secret' });

    await createSecret(ns.name, 'basic-ok', { username: 'moor', password: 'hunter2-secret' });
    await createSecret(ns.name, 'basic-wrong', { username: 'moor', password: 'wrong-password-xyz' });
    await createSecret(ns.name, 'bearer-ok', { bearerToken: 'token-abc123-secret' });
    await createGitRepository(ns.name, 'basic-ok', {
      url: basic.url,
      interval: '10m',
      secretRef: { name: 'basic-ok' },
    });
    await createGitRepository(ns.name, 'basic-wrong', {
      url: basic.url,
      interval: '10m',
      secretRef: { name: 'basic-wrong' },
    });
    await createGitRepository(ns.name, 'bearer-ok', {
      url: bearer.url,
      interval: '10m',
      secretRef: { name: 'bearer-ok' },
    });
    await createGitRepository(ns.name, 'anonymous', { url: bearer.url, interval: '10m' });

    await waitForGitRepository(ns.name, 'basic-ok', isReady, 'Ready with basic auth');
    await waitForGitRepository(ns.name, 'bearer-ok', isReady, 'Ready with a bearer token');
    const wrong = await waitForGitRepository(
      ns.name,
      'basic-wrong',
      failedWith('GitAuthFailed'),
      'GitAuthFailed',
    );
    await waitForGitRepository(ns.name, 'anonymous', failedWith('GitAuthFailed'), 'GitAuthFailed');

    const everything =
      JSON.stringify(wrong) +
      JSON.stringify((await core().listNamespacedEvent({ namespace: ns.name })).items);
    for (const secret of ['hunter2-secret', 'wrong-password-xyz', 'token-abc123-secret'])
      expect(everything).not.toContain(secret);
  });

  it('names a missing Secret and a missing key', async () => {
    const repo = await createRepo('needs-secret', files);
    await createGitRepository(ns.name, 'no-secret', {
      url: repo.url,
      interval: '10m',
      secretRef: { name: 'does-not-exist' },
    });
    await createSecret(ns.name, 'half', { username: 'moor' });
    await createGitRepository(ns.name, 'half-secret', {
      url: repo.url,
      interval: '10m',
      secretRef: { name: 'half' },
    });

    const missing = await waitForGitRepository(
      ns.name,
      'no-secret',
      failedWith('AuthenticationFailed'),
      'AuthenticationFailed',
    );
    expect(condition(missing)?.message).toBe(`spec.secretRef: Secret ${ns.name}/does-not-exist not found`);
    const half = await waitForGitRepository(
      ns.name,
      'half-secret',
      failedWith('AuthenticationFailed'),
      'AuthenticationFailed',
    );
    expect(condition(half)?.message).toBe(`spec.secretRef: Secret ${ns.name}/half has no key "password"`);
  });

  it('names a branch, tag or semver range that does not exist', async () => {
    const repo = await createRepo('few-refs', files);
    await repo.tag('v0.1.0');
    await repo.push();
    await createGitRepository(ns.name, 'no-branch', {
      url: repo.url,
      interval: '10m',
      ref: { branch: 'release-9' },
    });
    await createGitRepository(ns.name, 'no-tag', { url: repo.url, interval: '10m', ref: { tag: 'v9.9.9' } });
    await createGitRepository(ns.name, 'no-semver', {
      url: repo.url,
      interval: '10m',
      ref: { semver: '>=1.0.0' },
    });
    for (const [name, needle] of [
      ['no-branch', 'release-9'],
      ['no-tag', 'v9.9.9'],
      ['no-semver', '>=1.0.0'],
    ] as const) {
      const r = await waitForGitRepository(ns.name, name, failedWith('GitRefNotFound'), 'GitRefNotFound');
      expect(condition(r)?.message).toContain(needle);
    }
  });

  it('keeps serving the last good artifact when a later reconcile fails', async () => {
    const repo = await createRepo('was-good', files);
    await createGitRepository(ns.name, 'was-good', {
      url: repo.url,
      interval: '10m',
      ref: { branch: 'main' },
    });
    const good = await waitForGitRepository(ns.name, 'was-good', isReady, 'Ready');
    await patchGitRepository(ns.name, 'was-good', { spec: { ref: { branch: 'gone' } } });
    const failed = await waitForGitRepository(
      ns.name,
      'was-good',
      (r) => failedWith('GitRefNotFound')(r) && condition(r)?.observedGeneration === 2,
      'GitRefNotFound for generation 2',
    );
    expect(failed.status?.artifact).toEqual(good.status?.artifact);
    const still = await download(good.status?.artifact?.url as string);
    expect(still.status).toBe(200);
    expect(still.sha256).toBe(good.status?.artifact?.digest);
  });

  it('is refused at admission with an SSH URL, saying what to use instead', async () => {
    const err = await createGitRepository(ns.name, 'ssh', {
      url: 'ssh://git@github.com/org/repo.git',
      interval: '1m',
    }).then(
      () => undefined,
      (e: unknown) => e as { code?: number; body?: string; message: string },
    );
    expect(err?.code).toBe(422);
    expect(String(err?.body ?? err?.message)).toContain('SSH URLs are not supported');
    expect(String(err?.body ?? err?.message)).toContain('https://');
  });
});
