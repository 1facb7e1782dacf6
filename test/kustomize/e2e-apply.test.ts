// The kustomize controller in the sandbox, as a user meets it: a repository is applied, its
// objects carry owner labels and are listed in the inventory, a history record lands in JetStream;
// a pushed commit is applied at once (webhook → source → NATS announcement → kustomize), a
// `git revert` rolls the cluster back, and a file removed from Git prunes its object unless the
// object asks to be kept.
import { describe, expect, it } from 'vitest';
import { kustomizations, useNamespace } from '../harness/index.js';
import {
  appFiles,
  appliedAt,
  appNamespace,
  configMapYaml,
  deploymentYaml,
  gitSource,
  ksSpec,
  live,
  OWNER_NAME,
  OWNER_NAMESPACE,
  pushAndNotify,
  readyCondition,
  replicasOf,
  useHistory,
} from './e2e-helpers.js';

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

describe('a Kustomization applying a Git repository', () => {
  const ns = useNamespace('e2e-apply');
  const app = appNamespace('e2e-apply-app');
  const history = useHistory();
  let source: Awaited<ReturnType<typeof gitSource>>;
  const ks = 'app';

  it('applies the first revision: Ready, owner labels, a 4-entry inventory and a history record', async () => {
    source = await gitSource(ns.name, 'e2e-apply', appFiles(app));
    await kustomizations.create(ns.name, ks, ksSpec(source.name));

    const ready = await kustomizations.waitFor(ns.name, ks, appliedAt(source.revision), 'Ready');
    expect(readyCondition(ready)?.message).toBe(`Applied revision: ${source.revision}`);
    expect(source.revision).toMatch(/^main@sha1:[0-9a-f]{40}$/);

    const owner = { [OWNER_NAME]: ks, [OWNER_NAMESPACE]: ns.name };
    for (const [apiVersion, kind, name, namespace] of [
      ['v1', 'Namespace', app, undefined],
      ['apps/v1', 'Deployment', 'web', app],
      ['v1', 'Service', 'web', app],
      ['v1', 'ConfigMap', 'web-config', app],
    ] as const) {
      const o = await live(apiVersion, kind, name, namespace);
      expect(o, `${kind} ${name}`).toBeDefined();
      expect(o?.metadata?.labels, `${kind} ${name}`).toMatchObject(owner);
    }

    const entries = [...(ready.status?.inventory?.entries ?? [])].sort(byId);
    expect(entries).toEqual(
      [
        { id: `_${app}__Namespace`, v: 'v1' },
        { id: `${app}_web_apps_Deployment`, v: 'v1' },
        { id: `${app}_web__Service`, v: 'v1' },
        { id: `${app}_web-config__ConfigMap`, v: 'v1' },
      ].sort(byId),
    );

    const record = await history.waitForRecord(
      ns.name,
      ks,
      (r) => r.revision === source.revision && r.result === 'Succeeded',
      'the first apply',
    );
    expect(record.trigger).toBe('SpecChange');
    expect(record.changes.map((c) => [c.object.kind, c.action]).sort()).toEqual(
      [
        ['ConfigMap', 'created'],
        ['Deployment', 'created'],
        ['Namespace', 'created'],
        ['Service', 'created'],
      ].sort(),
    );
    expect(record.changes.map((c) => c.id).sort()).toEqual(entries.map((e) => e.id));
    expect(record.pruned).toEqual([]);
    expect(record.errors).toEqual([]);
    const summary = (await kustomizations.get(ns.name, ks)).status?.history?.find((h) => h.id === record.id);
    expect(summary).toMatchObject({
      result: 'Succeeded',
      counts: { created: 4, configured: 0, deleted: 0 },
    });
  });

  it('applies a pushed commit at once, and a git revert of it rolls the cluster back', async () => {
    const { repo } = source;
    const bumped = await pushAndNotify(repo, ns.name, source.name, (r) =>
      r.write({ 'deploy/deployment.yaml': deploymentYaml(app, 'web', 3) }).commit('scale web to 3'),
    );
    const bumpedSha = bumped.split(':')[1] as string;
    await kustomizations.waitFor(ns.name, ks, appliedAt(bumped), `applied ${bumped}`);
    expect(await replicasOf(app, 'web')).toBe(3);
    const record = await history.waitForRecord(ns.name, ks, (r) => r.revision === bumped, bumped);
    expect(record.trigger).toBe('NewRevision');
    expect(record.result).toBe('Succeeded');
    const changed = record.changes.filter((c) => c.action !== 'unchanged');
    expect(changed).toEqual([
      expect.objectContaining({
        object: expect.objectContaining({ kind: 'Deployment', name: 'web' }),
        action: 'configured',
        changedFields: ['spec.replicas'],
      }),
    ]);

    const reverted = await pushAndNotify(repo, ns.name, source.name, (r) => r.revert(bumpedSha));
    await kustomizations.waitFor(ns.name, ks, appliedAt(reverted), `applied the revert ${reverted}`);
    expect(await replicasOf(app, 'web')).toBe(1);
    const back = await history.waitForRecord(ns.name, ks, (r) => r.revision === reverted, reverted);
    expect(back.trigger).toBe('NewRevision');
    expect(back.changes.find((c) => c.action !== 'unchanged')?.changedFields).toEqual(['spec.replicas']);

    // Each new revision is reconciled once, though it is announced on NATS and seen by the
    // GitRepository watch: a later manual request is the next reconcile after each revision.
    const at = await kustomizations.requestReconcile(ns.name, ks);
    await kustomizations.waitFor(ns.name, ks, (k) => k.status?.lastHandledReconcileAt === at, 'request');
    const manual = await history.waitForRecord(ns.name, ks, (r) => r.trigger === 'Manual', 'the request');
    const since = (await history.records(ns.name, ks)).filter((r) => r.id >= record.id && r.id <= manual.id);
    expect(since.map((r) => [r.trigger, r.revision])).toEqual([
      ['NewRevision', bumped],
      ['NewRevision', reverted],
      ['Manual', reverted],
    ]);
  });

  it('prunes an object whose file left Git, and keeps one annotated prune: disabled', async () => {
    const { repo } = source;
    const keep = { 'kustomize.moor.dev/prune': 'disabled' };
    const added = await pushAndNotify(repo, ns.name, source.name, (r) =>
      r
        .write({
          'deploy/keep.yaml': configMapYaml(app, 'keep', { a: '1' }, keep),
          'deploy/extra.yaml': configMapYaml(app, 'extra', { a: '1' }),
        })
        .commit('add two ConfigMaps'),
    );
    const withBoth = await kustomizations.waitFor(ns.name, ks, appliedAt(added), `applied ${added}`);
    expect(withBoth.status?.inventory?.entries.map((e) => e.id)).toEqual(
      expect.arrayContaining([`${app}_keep__ConfigMap`, `${app}_extra__ConfigMap`]),
    );

    const removed = await pushAndNotify(repo, ns.name, source.name, (r) =>
      r.remove('deploy/keep.yaml', 'deploy/extra.yaml', 'deploy/service.yaml').commit('remove three files'),
    );
    const after = await kustomizations.waitFor(ns.name, ks, appliedAt(removed), `applied ${removed}`);
    expect(await live('v1', 'Service', 'web', app)).toBeUndefined();
    expect(await live('v1', 'ConfigMap', 'extra', app)).toBeUndefined();
    expect(await live('v1', 'ConfigMap', 'keep', app)).toBeDefined();
    expect(after.status?.inventory?.entries.map((e) => e.id).sort()).toEqual(
      [`_${app}__Namespace`, `${app}_web_apps_Deployment`, `${app}_web-config__ConfigMap`].sort(),
    );
    const record = await history.waitForRecord(ns.name, ks, (r) => r.revision === removed, removed);
    expect(record.pruned.map((p) => `${p.object.kind}/${p.object.name}`).sort()).toEqual([
      'ConfigMap/extra',
      'Service/web',
    ]);
    const summary = (await kustomizations.get(ns.name, ks)).status?.history?.find((h) => h.id === record.id);
    expect(summary?.counts).toMatchObject({ deleted: 2, created: 0, configured: 0 });
  });
});
