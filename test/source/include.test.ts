// spec.include: another GitRepository's artifact inside this one, kept current.
import { describe, expect, it } from 'vitest';
import {
  condition,
  createGitRepository,
  createRepo,
  failedWith,
  isReady,
  requestReconcile,
  useNamespace,
  waitForGitRepository,
} from '../harness/index.js';
import { download, tarEntries, tarFile } from './artifact-helpers.js';

describe('GitRepository include', () => {
  const ns = useNamespace('source-include');

  it('copies the included artifact under toPath, and repackages when it changes', async () => {
    const lib = await createRepo('lib', { 'config/base.yaml': 'replicas: 1\n', 'docs/readme.md': 'docs\n' });
    const app = await createRepo('app', { 'deploy/app.yaml': 'kind: ConfigMap\n' });
    await createGitRepository(ns.name, 'lib', { url: lib.url, interval: '10m' });
    await createGitRepository(ns.name, 'app', {
      url: app.url,
      interval: '10m',
      include: [{ repository: { name: 'lib' }, fromPath: 'config', toPath: 'vendor/lib' }],
    });
    const libReady = await waitForGitRepository(ns.name, 'lib', isReady, 'Ready');
    const first = await waitForGitRepository(
      ns.name,
      'app',
      (r) => isReady(r) && !!r.status?.includedArtifacts,
      'Ready with includes',
    );
    expect(first.status?.includedArtifacts?.[0]?.digest).toBe(libReady.status?.artifact?.digest);
    const body = (await download(first.status?.artifact?.url as string)).body;
    expect(tarEntries(body)).toEqual(['deploy/app.yaml', 'vendor/lib/base.yaml']);

    await lib.commitAndPush({ 'config/base.yaml': 'replicas: 3\n' }, 'scale');
    await requestReconcile(ns.name, 'lib');
    const after = await waitForGitRepository(
      ns.name,
      'app',
      (r) => r.status?.artifact?.digest !== first.status?.artifact?.digest,
      'a new artifact after the included repository changed',
    );
    // Same own revision, new content.
    expect(after.status?.artifact?.revision).toBe(first.status?.artifact?.revision);
    expect(
      tarFile((await download(after.status?.artifact?.url as string)).body, 'vendor/lib/base.yaml'),
    ).toBe('replicas: 3\n');
  });

  it('waits, saying why, while the included GitRepository is missing', async () => {
    const app = await createRepo('orphan', { 'a.yaml': 'kind: ConfigMap\n' });
    await createGitRepository(ns.name, 'orphan', {
      url: app.url,
      interval: '10m',
      include: [{ repository: { name: 'nowhere' } }],
    });
    const r = await waitForGitRepository(
      ns.name,
      'orphan',
      failedWith('IncludeUnavailable'),
      'IncludeUnavailable',
    );
    expect(condition(r)?.message).toBe(`spec.include[0]: GitRepository ${ns.name}/nowhere not found`);
  });
});
