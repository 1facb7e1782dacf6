// The source controller running in the sandbox, as a user meets it: a GitRepository becomes
// a downloadable artifact of the right revision and digest, a push becomes a new artifact,
// every ref kind resolves, and the announcement reaches NATS.
import type { ArtifactAnnouncement } from '@moor/api';
import { Bus } from '@moor/bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  condition,
  core,
  createGitRepository,
  createRepo,
  deleteGitRepository,
  getGitRepository,
  isReady,
  patchGitRepository,
  requestReconcile,
  sandboxEnv,
  useNamespace,
  waitFor,
  waitForGitRepository,
} from '../harness/index.js';
import { download, tarEntries, tarFile } from './artifact-helpers.js';

const manifests = {
  'deploy/configmap.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  greeting: hello\n',
  'deploy/logo.png': 'not really a png',
  '.github/workflows/ci.yaml': 'on: push\n',
  'README.md': '# app\n',
};

describe('GitRepository', () => {
  const ns = useNamespace('source');
  let bus: Bus;
  const announced: ArtifactAnnouncement[] = [];
  let stopWatch: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    bus = await Bus.connect({ servers: sandboxEnv().NATS_URL, name: 'source-test' });
    const watch = await bus.watchArtifacts((a) => {
      if (a.source.namespace === ns.name) announced.push(a);
    }, 'GitRepository');
    stopWatch = () => watch.stop();
  });
  afterAll(async () => {
    await stopWatch?.();
    await bus.close();
  });

  it('packages a branch as a downloadable artifact, and a push as a new one', async () => {
    const repo = await createRepo('app', manifests);
    const first =
      (await repo.commitAndPush({ 'deploy/configmap.yaml': manifests['deploy/configmap.yaml'] }, 'noop')) ||
      '';
    await createGitRepository(ns.name, 'app', { url: repo.url, interval: '10m', ref: { branch: 'main' } });

    const ready = await waitForGitRepository(
      ns.name,
      'app',
      (r) => isReady(r) && !!r.status?.artifact,
      'Ready with an artifact',
    );
    const artifact = ready.status?.artifact;
    expect(artifact?.revision).toBe(`main@sha1:${first}`);
    expect(artifact?.path).toBe(`gitrepository/${ns.name}/app/${first}.tar.gz`);
    expect(condition(ready)?.message).toBe(`stored artifact for revision 'main@sha1:${first}'`);
    expect(condition(ready, 'ArtifactInStorage')?.status).toBe('True');

    const got = await download(artifact?.url as string);
    expect(got.status).toBe(200);
    expect(got.sha256).toBe(artifact?.digest);
    expect(got.headers.get('x-moor-digest')).toBe(artifact?.digest);
    expect(got.body.length).toBe(artifact?.size);
    // Flux's default exclusions: CI config and images are left out.
    expect(tarEntries(got.body)).toEqual(['README.md', 'deploy/configmap.yaml']);

    const second = await repo.commitAndPush(
      { 'deploy/configmap.yaml': manifests['deploy/configmap.yaml'].replace('hello', 'bonjour') },
      'translate',
    );
    // The interval is 10 minutes: the new commit arrives through a reconcile request.
    await requestReconcile(ns.name, 'app');
    const updated = await waitForGitRepository(
      ns.name,
      'app',
      (r) => r.status?.artifact?.revision === `main@sha1:${second}`,
      'the new revision',
    );
    const next = await download(updated.status?.artifact?.url as string);
    expect(next.sha256).toBe(updated.status?.artifact?.digest);
    expect(tarFile(next.body, 'deploy/configmap.yaml')).toContain('bonjour');

    const events = await core().listNamespacedEvent({
      namespace: ns.name,
      fieldSelector: 'involvedObject.name=app',
    });
    expect(
      events.items
        .filter((e) => e.reason === 'NewArtifact')
        .map((e) => e.message)
        .sort(),
    ).toEqual(
      [
        `stored artifact for revision 'main@sha1:${first}'`,
        `stored artifact for revision 'main@sha1:${second}'`,
      ].sort(),
    );
    await waitFor(
      () =>
        announced.some(
          (a) => a.revision === `main@sha1:${second}` && a.digest === updated.status?.artifact?.digest,
        ),
      {
        description: 'the new artifact announced on NATS',
      },
    );
  });

  it('answers a reconcile request without repackaging an unchanged revision', async () => {
    const repo = await createRepo('steady', manifests);
    await createGitRepository(ns.name, 'steady', { url: repo.url, interval: '10m' });
    const ready = await waitForGitRepository(
      ns.name,
      'steady',
      (r) => isReady(r) && !!r.status?.artifact,
      'Ready',
    );
    const at = await requestReconcile(ns.name, 'steady');
    const after = await waitForGitRepository(
      ns.name,
      'steady',
      (r) => r.status?.lastHandledReconcileAt === at,
      'the request handled',
    );
    expect(after.status?.artifact).toEqual(ready.status?.artifact);
  });

  it('resolves tags, semver ranges, pinned commits and the default branch, with Flux revision formats', async () => {
    const repo = await createRepo('refs', manifests);
    const c1 = await repo.commitAndPush({ 'v.txt': '1.0.0' }, 'v1.0.0');
    await repo.tag('v1.0.0');
    const c2 = await repo.commitAndPush({ 'v.txt': '1.1.0' }, 'v1.1.0');
    await repo.tag('v1.1.0', true);
    const c3 = await repo.commitAndPush({ 'v.txt': '2.0.0' }, 'v2.0.0');
    await repo.tag('v2.0.0');
    await repo.push();

    await createGitRepository(ns.name, 'by-tag', { url: repo.url, interval: '10m', ref: { tag: 'v1.0.0' } });
    await createGitRepository(ns.name, 'by-semver', {
      url: repo.url,
      interval: '10m',
      ref: { semver: '>=1.0.0 <2.0.0' },
    });
    await createGitRepository(ns.name, 'by-commit', {
      url: repo.url,
      interval: '10m',
      ref: { branch: 'main', commit: c1 },
    });
    await createGitRepository(ns.name, 'by-bare-commit', {
      url: repo.url,
      interval: '10m',
      ref: { commit: c2 },
    });
    await createGitRepository(ns.name, 'by-default', { url: repo.url, interval: '10m' });

    const revision = async (name: string) =>
      (await waitForGitRepository(ns.name, name, (r) => isReady(r), 'Ready')).status?.artifact?.revision;
    expect(await revision('by-tag')).toBe(`v1.0.0@sha1:${c1}`);
    expect(await revision('by-semver')).toBe(`v1.1.0@sha1:${c2}`);
    expect(await revision('by-commit')).toBe(`main@sha1:${c1}`);
    expect(await revision('by-bare-commit')).toBe(`sha1:${c2}`);
    expect(await revision('by-default')).toBe(`main@sha1:${c3}`);
    // The tagged tree is what was committed then.
    const tagged = await getGitRepository(ns.name, 'by-tag');
    expect(tarFile((await download(tagged.status?.artifact?.url as string)).body, 'v.txt')).toBe('1.0.0');
  });

  it('produces the same digest for the same tree from two GitRepositories', async () => {
    const repo = await createRepo('twins', manifests);
    await createGitRepository(ns.name, 'twin-a', { url: repo.url, interval: '10m' });
    await createGitRepository(ns.name, 'twin-b', { url: repo.url, interval: '10m' });
    const a = await waitForGitRepository(ns.name, 'twin-a', isReady, 'Ready');
    const b = await waitForGitRepository(ns.name, 'twin-b', isReady, 'Ready');
    expect(a.status?.artifact?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b.status?.artifact?.digest).toBe(a.status?.artifact?.digest);
  });

  it('stops fetching while suspended, and resumes', async () => {
    const repo = await createRepo('paused', manifests);
    await createGitRepository(ns.name, 'paused', { url: repo.url, interval: '10m' });
    const before = await waitForGitRepository(ns.name, 'paused', isReady, 'Ready');
    await patchGitRepository(ns.name, 'paused', { spec: { suspend: true } });
    const pushed = await repo.commitAndPush({ 'new.txt': 'x' }, 'while suspended');
    const at = await requestReconcile(ns.name, 'paused');
    const suspended = await waitForGitRepository(
      ns.name,
      'paused',
      (r) => r.status?.lastHandledReconcileAt === at,
      'request seen',
    );
    expect(suspended.status?.artifact?.revision).toBe(before.status?.artifact?.revision);

    await patchGitRepository(ns.name, 'paused', { spec: { suspend: false } });
    await waitForGitRepository(
      ns.name,
      'paused',
      (r) => r.status?.artifact?.revision === `main@sha1:${pushed}`,
      'the pushed revision after resume',
    );
  });

  it('removes its artifacts when deleted', async () => {
    const repo = await createRepo('gone', manifests);
    await createGitRepository(ns.name, 'gone', { url: repo.url, interval: '10m' });
    const ready = await waitForGitRepository(ns.name, 'gone', isReady, 'Ready');
    expect(ready.metadata.finalizers).toContain('source.moor.dev/finalizer');
    await deleteGitRepository(ns.name, 'gone');
    await waitFor(
      async () =>
        await getGitRepository(ns.name, 'gone').then(
          () => false,
          (e: { code?: number }) => e.code === 404,
        ),
      { description: 'the GitRepository to be deleted' },
    );
    expect((await download(ready.status?.artifact?.url as string)).status).toBe(404);
  });
});
