// A source controller this test owns (a label shard the sandbox's controller ignores), to
// restart it and to give it a small repository size limit.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@moor/runtime';
import { parseConfig, type SourceController, startSourceController } from '@moor/source-controller';
import { afterAll, describe, expect, it } from 'vitest';
import {
  condition,
  createGitRepository,
  createRepo,
  failedWith,
  freePort,
  gitRepositories,
  isReady,
  requestReconcile,
  sandboxEnv,
  uniqueName,
  useNamespace,
  waitForGitRepository,
} from '../harness/index.js';
import { download } from './artifact-helpers.js';

describe('a source controller of our own', () => {
  const ns = useNamespace('source-shard');
  const shard = uniqueName('shard');
  const storage = mkdtempSync(join(tmpdir(), 'moor-storage-'));
  let running: SourceController | undefined;
  afterAll(async () => {
    // Deleted while our controller still runs, so the finalizers are removed (hooks run in
    // reverse: the namespace is deleted after this one).
    for (const name of ['restart', 'huge']) {
      await gitRepositories.delete(ns.name, name).catch(() => undefined);
      await gitRepositories.waitDeleted(ns.name, name).catch(() => undefined);
    }
    await running?.stop();
    rmSync(storage, { recursive: true, force: true });
  });

  async function start(port: number): Promise<SourceController> {
    const env = sandboxEnv();
    const config = parseConfig([
      `--kubeconfig=${env.KUBECONFIG}`,
      `--storage-path=${storage}`,
      `--storage-addr=127.0.0.1:${port}`,
      '--probe-addr=127.0.0.1:0',
      `--nats-url=${env.NATS_URL}`,
      `--watch-label-selector=moor.dev/shard=${shard}`,
      '--max-repository-size=65536',
    ]);
    running = await startSourceController(config, createLogger({ level: 'silent' }));
    return running;
  }

  it('keeps serving the same artifact across a restart, without repackaging it', async () => {
    const port = await freePort();
    await start(port);
    const repo = await createRepo('restart', {
      'deploy/a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n',
    });
    await createGitRepository(
      ns.name,
      'restart',
      { url: repo.url, interval: '10m' },
      { 'moor.dev/shard': shard },
    );
    const before = await waitForGitRepository(ns.name, 'restart', isReady, 'Ready');

    await running?.stop();
    running = undefined;
    await start(port);
    const at = await requestReconcile(ns.name, 'restart');
    const after = await waitForGitRepository(
      ns.name,
      'restart',
      (r) => r.status?.lastHandledReconcileAt === at,
      'the request after the restart',
    );
    expect(isReady(after)).toBe(true);
    expect(after.status?.artifact).toEqual(before.status?.artifact);
    const got = await download(after.status?.artifact?.url as string);
    expect(got.status).toBe(200);
    expect(got.sha256).toBe(before.status?.artifact?.digest);
  });

  it('stalls on a repository larger than its limit, saying so', async () => {
    if (!running) await start(await freePort());
    // Random bytes do not compress: the pack is as large as the file.
    const repo = await createRepo('huge', { 'blob.bin': randomBytes(256 * 1024).toString('base64') });
    await createGitRepository(
      ns.name,
      'huge',
      { url: repo.url, interval: '10m' },
      { 'moor.dev/shard': shard },
    );
    const r = await waitForGitRepository(
      ns.name,
      'huge',
      failedWith('RepositoryTooLarge'),
      'RepositoryTooLarge',
    );
    expect(condition(r, 'Stalled')).toMatchObject({ status: 'True', reason: 'RepositoryTooLarge' });
    expect(condition(r)?.message).toMatch(/65536|64 ?Ki/);
  });
});
