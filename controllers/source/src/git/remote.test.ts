import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitServer, git, type Repo } from '../testing/git-server.js';
import {
  GitAuthError,
  GitRefNotFoundError,
  GitRepositoryNotFoundError,
  GitUnreachableError,
  InvalidRefError,
  InvalidUrlError,
  RepositoryTooLargeError,
} from './errors.js';
import { ObjectStore } from './object-store.js';
import { fetchRevision, listRemoteRefs, resolveRemoteRef } from './remote.js';

let server: GitServer;
let repo: Repo;
let scratch: string;
const sha: Record<string, string> = {};

beforeAll(async () => {
  server = await GitServer.start();
  scratch = mkdtempSync(join(tmpdir(), 'moor-fetch-'));
  repo = server.createRepo('app', { 'README.md': 'v1\n' });
  sha.first = repo.head();
  repo.tag('v1.0.0');
  sha.second = repo.commit({ 'README.md': 'v2\n' }, 'second');
  repo.tag('v1.2.0', 'release 1.2.0');
  sha.tag120 = git(repo.dir, 'rev-parse', 'v1.2.0');
  sha.third = repo.commit({ 'README.md': 'v3\n' }, 'third');
  repo.tag('v2.0.0-rc.1');
  repo.tag('not-semver');
  repo.pushRef('refs/pull/7/head');
  repo.checkout('dev', true);
  sha.dev = repo.commit({ 'dev.txt': 'dev\n' }, 'dev');
  repo.checkout('main');

  server.createRepo('basic', { 'a.txt': 'a\n' });
  server.protect('basic', { basic: { username: 'alice', password: 's3cret' } });
  server.createRepo('bearer', { 'a.txt': 'a\n' });
  server.protect('bearer', { bearer: 'tok-123' });
  const big: Record<string, string> = {};
  for (let i = 0; i < 50; i++) big[`f${i}.bin`] = randomBytes(10_000).toString('hex');
  server.createRepo('big', big);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const url = () => server.url('app');
let n = 0;
const store = () => join(scratch, `store-${n++}`);

describe('resolveRemoteRef', () => {
  it('resolves the default branch when no ref is given', async () => {
    const r = await resolveRemoteRef({ url: url() });
    expect(r).toMatchObject({
      commit: sha.third,
      revision: `main@sha1:${sha.third}`,
      fetchRef: 'refs/heads/main',
    });
  });

  it('resolves a branch', async () => {
    const r = await resolveRemoteRef({ url: url(), ref: { branch: 'dev' } });
    expect(r.revision).toBe(`dev@sha1:${sha.dev}`);
  });

  it('resolves a lightweight tag', async () => {
    const r = await resolveRemoteRef({ url: url(), ref: { tag: 'v1.0.0' } });
    expect(r.revision).toBe(`v1.0.0@sha1:${sha.first}`);
  });

  it('peels an annotated tag to its commit', async () => {
    const r = await resolveRemoteRef({ url: url(), ref: { tag: 'v1.2.0' } });
    expect(sha.tag120).not.toBe(sha.second);
    expect(r.revision).toBe(`v1.2.0@sha1:${sha.second}`);
  });

  it('picks the highest tag in a semver range, ignoring prereleases and non-semver tags', async () => {
    expect((await resolveRemoteRef({ url: url(), ref: { semver: '>=1.0.0' } })).revision).toBe(
      `v1.2.0@sha1:${sha.second}`,
    );
    expect((await resolveRemoteRef({ url: url(), ref: { semver: '~1.0' } })).revision).toBe(
      `v1.0.0@sha1:${sha.first}`,
    );
  });

  it('resolves a full ref name', async () => {
    const r = await resolveRemoteRef({ url: url(), ref: { name: 'refs/pull/7/head' } });
    expect(r.revision).toBe(`refs/pull/7/head@sha1:${sha.third}`);
  });

  it('gives commit precedence over the other refs, and formats branch + commit', async () => {
    const bare = await resolveRemoteRef({ url: url(), ref: { commit: sha.first!, tag: 'v1.2.0' } });
    expect(bare.revision).toBe(`sha1:${sha.first}`);
    const onBranch = await resolveRemoteRef({ url: url(), ref: { branch: 'main', commit: sha.second! } });
    expect(onBranch.revision).toBe(`main@sha1:${sha.second}`);
    expect(onBranch.commitPinned).toBe(true);
  });

  it('gives name precedence over semver, semver over tag, tag over branch', async () => {
    const name = await resolveRemoteRef({
      url: url(),
      ref: { name: 'refs/heads/dev', semver: '*', tag: 'v1.0.0' },
    });
    expect(name.revision).toBe(`refs/heads/dev@sha1:${sha.dev}`);
    const sv = await resolveRemoteRef({ url: url(), ref: { semver: '1.0.x', tag: 'v1.2.0', branch: 'dev' } });
    expect(sv.revision).toBe(`v1.0.0@sha1:${sha.first}`);
    const tag = await resolveRemoteRef({ url: url(), ref: { tag: 'v1.0.0', branch: 'dev' } });
    expect(tag.revision).toBe(`v1.0.0@sha1:${sha.first}`);
  });

  it.each([
    [{ branch: 'nope' }, 'branch "nope"'],
    [{ tag: 'v9' }, 'tag "v9"'],
    [{ semver: '>=5.0.0' }, 'semver range ">=5.0.0"'],
    [{ name: 'refs/heads/nope' }, 'ref "refs/heads/nope"'],
    [{ branch: 'nope', commit: 'a'.repeat(40) }, 'branch "nope"'],
  ])('reports a missing ref %j', async (ref, what) => {
    const err = await resolveRemoteRef({ url: url(), ref }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitRefNotFoundError);
    expect((err as Error).message).toContain(what);
  });

  it('rejects malformed refs', async () => {
    await expect(resolveRemoteRef({ url: url(), ref: { commit: 'abc' } })).rejects.toBeInstanceOf(
      InvalidRefError,
    );
    await expect(resolveRemoteRef({ url: url(), ref: { semver: 'not a range' } })).rejects.toBeInstanceOf(
      InvalidRefError,
    );
  });

  it('lists refs with annotated tags peeled and HEAD pointing at the default branch', async () => {
    const refs = await listRemoteRefs({ url: url() });
    expect(refs.find((r) => r.ref === 'HEAD')?.target).toBe('refs/heads/main');
    expect(refs.find((r) => r.ref === 'refs/tags/v1.2.0')).toEqual({
      ref: 'refs/tags/v1.2.0',
      oid: sha.tag120,
      peeled: sha.second,
    });
  });
});

describe('fetchRevision', () => {
  it('fetches a branch tip shallowly, without a working tree', async () => {
    const gitdir = store();
    const r = await fetchRevision({ url: url(), gitdir });
    expect(r).toMatchObject({ commit: sha.third, revision: `main@sha1:${sha.third}`, fetched: true });
    expect(r.bytesReceived).toBeGreaterThan(0);
    const objects = await ObjectStore.open(gitdir);
    expect(await objects.has(sha.third!)).toBe(true);
    // depth 1: the parent was not fetched
    expect(await objects.has(sha.second!)).toBe(false);
    expect(git(gitdir, 'rev-parse', '--is-bare-repository')).toBe('true');
  });

  it('does not fetch again when the store already has the commit', async () => {
    const gitdir = store();
    await fetchRevision({ url: url(), gitdir, ref: { tag: 'v1.2.0' } });
    const again = await fetchRevision({ url: url(), gitdir, ref: { tag: 'v1.2.0' } });
    expect(again).toMatchObject({ fetched: false, bytesReceived: 0, commit: sha.second });
  });

  it('fetches an annotated tag and a full ref name', async () => {
    const tag = await fetchRevision({ url: url(), gitdir: store(), ref: { tag: 'v1.2.0' } });
    expect(tag.revision).toBe(`v1.2.0@sha1:${sha.second}`);
    const pr = await fetchRevision({ url: url(), gitdir: store(), ref: { name: 'refs/pull/7/head' } });
    expect(pr.revision).toBe(`refs/pull/7/head@sha1:${sha.third}`);
  });

  it('deepens the fetch for a pinned commit below the branch tip', async () => {
    const gitdir = store();
    const r = await fetchRevision({ url: url(), gitdir, ref: { commit: sha.first! } });
    expect(r.revision).toBe(`sha1:${sha.first}`);
    expect(await (await ObjectStore.open(gitdir)).has(sha.first!)).toBe(true);
    const onBranch = await fetchRevision({
      url: url(),
      gitdir: store(),
      ref: { branch: 'main', commit: sha.second! },
    });
    expect(onBranch.revision).toBe(`main@sha1:${sha.second}`);
  });

  it('fetches a pinned commit that is a ref tip at depth 1', async () => {
    const gitdir = store();
    await fetchRevision({ url: url(), gitdir, ref: { commit: sha.dev! } });
    const objects = await ObjectStore.open(gitdir);
    expect(await objects.has(sha.dev!)).toBe(true);
    expect(await objects.has(sha.third!)).toBe(false);
  });

  it('reports a pinned commit that is not on the branch', async () => {
    const err = await fetchRevision({
      url: url(),
      gitdir: store(),
      ref: { branch: 'main', commit: sha.dev! },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitRefNotFoundError);
    expect((err as Error).message).toContain(`commit ${sha.dev} on branch "main"`);
  });

  it('aborts with RepositoryTooLargeError over the size limit', async () => {
    const err = await fetchRevision({ url: server.url('big'), gitdir: store(), maxBytes: 64 * 1024 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RepositoryTooLargeError);
    const ok = await fetchRevision({ url: server.url('big'), gitdir: store(), maxBytes: 64 * 1024 * 1024 });
    expect(ok.bytesReceived).toBeGreaterThan(64 * 1024);
  });
});

describe('auth', () => {
  it('authenticates with basic credentials', async () => {
    const r = await fetchRevision({
      url: server.url('basic'),
      gitdir: store(),
      credentials: { kind: 'basic', username: 'alice', password: 's3cret' },
    });
    expect(r.fetched).toBe(true);
  });

  it('authenticates with credentials embedded in the URL, and keeps them out of messages', async () => {
    const u = new URL(server.url('basic'));
    u.username = 'alice';
    u.password = 's3cret';
    expect((await resolveRemoteRef({ url: u.toString() })).fetchRef).toBe('refs/heads/main');
    u.password = 'wrong-pass';
    const err = await resolveRemoteRef({ url: u.toString() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitAuthError);
    expect((err as Error).message).not.toContain('wrong-pass');
    expect((err as Error).message).not.toContain('alice');
  });

  it('rejects wrong or missing basic credentials with GitAuthError', async () => {
    const wrong = resolveRemoteRef({
      url: server.url('basic'),
      credentials: { kind: 'basic', username: 'alice', password: 'nope' },
    });
    await expect(wrong).rejects.toBeInstanceOf(GitAuthError);
    await expect(resolveRemoteRef({ url: server.url('basic') })).rejects.toThrow(/HTTP 401/);
  });

  it('authenticates with a bearer token and rejects a wrong one', async () => {
    const ok = await fetchRevision({
      url: server.url('bearer'),
      gitdir: store(),
      credentials: { kind: 'bearer', token: 'tok-123' },
    });
    expect(ok.fetched).toBe(true);
    const err = await resolveRemoteRef({
      url: server.url('bearer'),
      credentials: { kind: 'bearer', token: 'tok-999' },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitAuthError);
    expect((err as Error).message).not.toContain('tok-999');
  });
});

describe('transport errors', () => {
  it('reports a refused connection as GitUnreachableError', async () => {
    const { freePort } = await import('../testing/git-server.js');
    const port = await freePort();
    const err = await resolveRemoteRef({ url: `http://127.0.0.1:${port}/x.git` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitUnreachableError);
    expect((err as Error).message).toContain('connection refused');
  });

  it('reports an unresolvable host as GitUnreachableError', async () => {
    await expect(resolveRemoteRef({ url: 'https://no-such-host.invalid/x.git' })).rejects.toBeInstanceOf(
      GitUnreachableError,
    );
  });

  it('reports a missing repository', async () => {
    await expect(resolveRemoteRef({ url: server.url('missing') })).rejects.toBeInstanceOf(
      GitRepositoryNotFoundError,
    );
  });

  it.each([
    ['ssh://git@github.com/org/repo.git', /SSH.*use an https:\/\/ URL/],
    ['git@github.com:org/repo.git', /SSH.*use an https:\/\/ URL/],
    ['git://example.com/repo.git', /unsupported URL scheme git/],
    ['file:///tmp/repo.git', /unsupported URL scheme file/],
    ['not a url', /invalid repository URL/],
  ])('rejects %s with InvalidUrlError', async (bad, message) => {
    const err = await resolveRemoteRef({ url: bad }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidUrlError);
    expect((err as Error).message).toMatch(message);
  });
});
