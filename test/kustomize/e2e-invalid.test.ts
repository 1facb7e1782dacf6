// Invalid manifests in a new revision: bad YAML, an unknown kind, a schema violation. Each leaves
// the cluster as the previous revision left it (its objects unchanged, none of the revision's
// valid changes applied, no new objects), and the Ready condition names the file at fault.
// Fixing the file applies the revision's valid changes.
import { describe, expect, it } from 'vitest';
import { condition, kustomizations, useNamespace } from '../harness/index.js';
import {
  appFiles,
  appliedAt,
  appNamespace,
  configMapYaml,
  deploymentYaml,
  gitSource,
  ksSpec,
  live,
  pushAndNotify,
  replicasOf,
} from './e2e-helpers.js';

describe('a revision with invalid manifests', () => {
  const ns = useNamespace('e2e-invalid');
  const app = appNamespace('e2e-invalid-app');
  const ks = 'app';
  let source: Awaited<ReturnType<typeof gitSource>>;
  let good: string;

  // Valid changes that travel with the invalid file: none may reach the cluster.
  const validChanges = () => ({
    'deploy/deployment.yaml': deploymentYaml(app, 'web', 2),
    'deploy/new.yaml': configMapYaml(app, 'new-cm', { a: '1' }),
  });

  async function pushInvalid(file: string, content: string, reason: string) {
    const revision = await pushAndNotify(source.repo, ns.name, source.name, (r) =>
      r
        .remove('deploy/broken.yaml', 'deploy/widget.yaml', 'deploy/worker.yaml')
        .write({ ...validChanges(), [file]: content })
        .commit(`invalid: ${file}`),
    );
    const failed = await kustomizations.waitFor(
      ns.name,
      ks,
      (k) =>
        k.status?.lastAttemptedRevision === revision &&
        condition(k)?.status === 'False' &&
        condition(k)?.reason === reason,
      `Ready=False ${reason} at ${revision}`,
    );
    expect(failed.status?.lastAppliedRevision).toBe(good);
    expect(await replicasOf(app, 'web')).toBe(1);
    expect(await live('v1', 'ConfigMap', 'new-cm', app)).toBeUndefined();
    expect(failed.status?.inventory?.entries).toHaveLength(4);
    return condition(failed)?.message ?? '';
  }

  it('starts from an applied revision', async () => {
    source = await gitSource(ns.name, 'e2e-invalid', appFiles(app, 1));
    good = source.revision;
    await kustomizations.create(ns.name, ks, ksSpec(source.name, { retryInterval: '1m' }));
    await kustomizations.waitFor(ns.name, ks, appliedAt(good), 'Ready');
  });

  it('bad YAML: nothing applied, the condition names the file', async () => {
    const message = await pushInvalid(
      'deploy/broken.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\n data: [unclosed\n',
      'BuildFailed',
    );
    expect(message).toContain('deploy/broken.yaml');
    expect(await live('v1', 'ConfigMap', 'broken', app)).toBeUndefined();
  });

  it('an unknown kind: nothing applied, the condition names the file and the kind', async () => {
    const message = await pushInvalid(
      'deploy/widget.yaml',
      `apiVersion: widgets.moor.test/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: ${app}\n`,
      'ValidationFailed',
    );
    expect(message).toContain('deploy/widget.yaml');
    expect(message).toContain('Widget');
  });

  it('a schema violation (replicas: "three"): nothing applied, the condition names the file', async () => {
    const worker = deploymentYaml(app, 'worker', 1).replace('replicas: 1', 'replicas: "three"');
    const message = await pushInvalid('deploy/worker.yaml', worker, 'ValidationFailed');
    expect(message).toContain('deploy/worker.yaml');
    expect(message).toContain('replicas');
    expect(await live('apps/v1', 'Deployment', 'worker', app)).toBeUndefined();
  });

  it('applies the valid changes once the file is fixed', async () => {
    const fixed = await pushAndNotify(source.repo, ns.name, source.name, (r) =>
      r.remove('deploy/worker.yaml').commit('fix'),
    );
    const ready = await kustomizations.waitFor(ns.name, ks, appliedAt(fixed), `applied ${fixed}`);
    expect(condition(ready)?.message).toBe(`Applied revision: ${fixed}`);
    expect(await replicasOf(app, 'web')).toBe(2);
    expect(await live('v1', 'ConfigMap', 'new-cm', app)).toBeDefined();
  });
});
