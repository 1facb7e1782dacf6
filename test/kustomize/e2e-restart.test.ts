// A kustomize controller that dies in the middle of a reconcile (SIGKILL during a long health
// wait, after it applied and pruned but before it wrote the outcome), and a new one started after
// a further commit: the cluster converges with every object once, an exact inventory, and
// nothing orphaned — not even an object only the dead controller had created.
//
// The controllers are this test's own processes for a label shard (the sandbox's ignores the
// Kustomization), run from the built controller, so that the first one can really be killed.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  childEnv,
  condition,
  gitRepositories,
  isReady,
  kubectl,
  kustomizations,
  sandboxEnv,
  uniqueName,
  useNamespace,
  waitFor,
} from '../harness/index.js';
import {
  appliedAt,
  configMapYaml,
  deploymentYaml,
  gitSource,
  ksSpec,
  live,
  pushAndNotify,
} from './e2e-helpers.js';

const main = resolve(import.meta.dirname, '../../controllers/kustomize/dist/main.js');

class ControllerProcess {
  private child: ChildProcess | undefined;
  log = '';
  constructor(private readonly args: string[]) {}
  start(): void {
    this.log = '';
    this.child = spawn(process.execPath, [main, ...this.args], {
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (d: Buffer) => {
      this.log += d.toString();
    });
    this.child.stderr?.on('data', (d: Buffer) => {
      this.log += d.toString();
    });
  }
  /** SIGKILL: no graceful shutdown, no status write. Resolves once it has exited. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGKILL');
    await exited;
  }
}

describe('a kustomize controller killed mid-reconcile', () => {
  const ns = useNamespace('e2e-restart');
  const shard = uniqueName('shard');
  const workDir = mkdtempSync(join(tmpdir(), 'moor-kustomize-'));
  const env = sandboxEnv();
  const args = [
    `--kubeconfig=${env.KUBECONFIG}`,
    '--probe-addr=127.0.0.1:0',
    `--nats-url=${env.NATS_URL}`,
    `--watch-label-selector=moor.dev/shard=${shard}`,
    `--work-dir=${workDir}`,
    '--log-level=info',
  ];
  const first = new ControllerProcess(args);
  const second = new ControllerProcess(args);
  afterAll(async () => {
    // Deleted while a controller of the shard still runs, so its finalizer is removed (hooks run
    // in reverse: the namespace is deleted after this one).
    await kustomizations.delete(ns.name, 'app').catch(() => undefined);
    await kustomizations.waitDeleted(ns.name, 'app', 60_000).catch(() => undefined);
    await first.kill();
    await second.kill();
    rmSync(workDir, { recursive: true, force: true });
  });

  const cm = (name: string) => configMapYaml(ns.name, name, { name });
  const stuck = deploymentYaml(ns.name, 'slow', 1, {
    podSpec: '      nodeSelector:\n        moor.dev/no-such-node: "true"\n',
  });

  it('converges after a restart: every object once, inventory exact, nothing orphaned', async () => {
    const source = await gitSource(ns.name, 'e2e-restart', {
      'deploy/a.yaml': cm('a'),
      'deploy/old.yaml': cm('old'),
    });
    first.start();
    await kustomizations.create(ns.name, 'app', ksSpec(source.name, { wait: true, timeout: '60s' }), {
      'moor.dev/shard': shard,
    });
    await kustomizations.waitFor(ns.name, 'app', appliedAt(source.revision), 'Ready at the first revision');

    // Revision 2 drops `old`, adds `b` and a Deployment that never becomes available.
    const rev2 = await pushAndNotify(source.repo, ns.name, source.name, (r) =>
      r
        .remove('deploy/old.yaml')
        .write({ 'deploy/b.yaml': cm('b'), 'deploy/slow.yaml': stuck })
        .commit('rev2'),
    );
    // Applied and pruned, now waiting for `slow` to become healthy: kill it there.
    await waitFor(
      async () =>
        (await live('apps/v1', 'Deployment', 'slow', ns.name)) !== undefined &&
        (await live('v1', 'ConfigMap', 'old', ns.name)) === undefined,
      { description: 'revision 2 applied and pruned', timeoutMs: 30_000, intervalMs: 50 },
    );
    const during = await kustomizations.get(ns.name, 'app');
    expect(during.status?.lastAppliedRevision).toBe(source.revision);
    expect(condition(during)?.status).toBe('True'); // the outcome of revision 2 is not written yet
    await first.kill();

    // While no controller runs, revision 3 drops `b` again and makes `slow` schedulable.
    const rev3 = await pushAndNotify(source.repo, ns.name, source.name, (r) =>
      r
        .remove('deploy/b.yaml')
        .write({ 'deploy/slow.yaml': deploymentYaml(ns.name, 'slow', 1) })
        .commit('rev3'),
    );
    await gitRepositories.waitFor(
      ns.name,
      source.name,
      (g) => isReady(g) && g.status?.artifact?.revision === rev3,
      `artifact ${rev3}`,
    );
    expect(rev3).not.toBe(rev2);

    second.start();
    const done = await kustomizations.waitFor(ns.name, 'app', appliedAt(rev3), `Ready at ${rev3}`, 45_000);
    const ids = (done.status?.inventory?.entries ?? []).map((e) => e.id);
    expect(ids.sort()).toEqual([`${ns.name}_a__ConfigMap`, `${ns.name}_slow_apps_Deployment`]);
    expect(await live('v1', 'ConfigMap', 'a', ns.name)).toBeDefined();
    expect(await live('apps/v1', 'Deployment', 'slow', ns.name)).toBeDefined();
    expect(await live('v1', 'ConfigMap', 'old', ns.name)).toBeUndefined();
    // `b` existed only between the two controllers: the dead one created it, the new one must prune it.
    expect(await live('v1', 'ConfigMap', 'b', ns.name)).toBeUndefined();
    // Nothing else carries this Kustomization's owner labels.
    const owned = await waitFor(
      async () => {
        const { stdout } = await kubectl([
          'get',
          'configmaps,deployments,services',
          '-n',
          ns.name,
          '-l',
          `kustomize.moor.dev/name=app,kustomize.moor.dev/namespace=${ns.name}`,
          '-o',
          'name',
        ]);
        return stdout.trim().split('\n').sort();
      },
      { description: 'owned objects', timeoutMs: 5_000 },
    );
    expect(owned).toEqual(['configmap/a', 'deployment.apps/slow']);
  });
});
