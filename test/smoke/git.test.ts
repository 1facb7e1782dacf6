// The sandbox's Git server speaks smart HTTP: a commit pushed over HTTP with the git CLI can
// be cloned by isomorphic-git, and a repository with credentials refuses anonymous readers.

import * as fs from 'node:fs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { afterAll, describe, expect, it } from 'vitest';
import { createRepo } from '../harness/index.js';

describe('the sandbox Git server', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'moor-clone-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('serves a pushed commit to isomorphic-git', async () => {
    const repo = await createRepo('smoke-git', { 'deploy/app.yaml': 'kind: ConfigMap\n' });
    const sha = await repo.commitAndPush(
      { 'deploy/app.yaml': 'kind: ConfigMap\nmetadata: {name: two}\n' },
      'second',
    );

    const dir = tmp();
    await git.clone({ fs, http, dir, url: repo.url, ref: 'main', singleBranch: true, depth: 1 });
    expect(await git.resolveRef({ fs, dir, ref: 'HEAD' })).toBe(sha);
    expect(readFileSync(join(dir, 'deploy/app.yaml'), 'utf8')).toContain('name: two');
  });

  it('demands credentials when the repository has them, and accepts the right ones', async () => {
    const repo = await createRepo('smoke-git-auth', { 'a.txt': 'a\n' });
    repo.requireAuth({ basic: { username: 'moor', password: 's3cret' } });

    const anonymous = await git.getRemoteInfo2({ http, url: repo.url }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect((anonymous as { data?: { statusCode?: number } }).data?.statusCode).toBe(401);

    const wrong = await git
      .getRemoteInfo2({ http, url: repo.url, onAuth: () => ({ username: 'moor', password: 'nope' }) })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(wrong).toBeInstanceOf(Error);

    const sha = await repo.commitAndPush({ 'b.txt': 'b\n' }, 'authenticated push');
    const refs = await git.listServerRefs({
      http,
      url: repo.url,
      prefix: 'refs/heads/',
      onAuth: () => ({ username: 'moor', password: 's3cret' }),
    });
    expect(refs.find((r) => r.ref === 'refs/heads/main')?.oid).toBe(sha);
  });
});
