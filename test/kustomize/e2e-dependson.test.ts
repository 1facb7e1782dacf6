// dependsOn: B depends on A. While A is not Ready, B is not applied (Ready=False
// DependencyNotReady, naming A); once A becomes Ready, B is applied at once — its interval and
// retry interval are 10m, so only A turning Ready can have woken it.
import { describe, expect, it } from 'vitest';
import { condition, failedWith, kustomizations, useNamespace } from '../harness/index.js';
import { appliedAt, configMapYaml, gitSource, ksSpec, live, useHistory } from './e2e-helpers.js';

describe('dependsOn', () => {
  const ns = useNamespace('e2e-deps');
  const history = useHistory();

  it('holds B until A is Ready, then applies B without waiting for its interval', async () => {
    const a = await gitSource(ns.name, 'e2e-deps-a', {
      'a/cm.yaml': configMapYaml(ns.name, 'from-a', { a: '1' }),
    });
    const b = await gitSource(ns.name, 'e2e-deps-b', {
      'b/cm.yaml': configMapYaml(ns.name, 'from-b', { b: '1' }),
    });
    // A starts broken: its path does not exist.
    await kustomizations.create(ns.name, 'a', ksSpec(a.name, { path: './missing' }));
    await kustomizations.create(
      ns.name,
      'b',
      ksSpec(b.name, { path: './b', retryInterval: '10m', dependsOn: [{ name: 'a' }] }),
    );

    await kustomizations.waitFor(ns.name, 'a', (k) => condition(k)?.status === 'False', 'A failing');
    const waiting = await kustomizations.waitFor(
      ns.name,
      'b',
      failedWith('DependencyNotReady'),
      'B DependencyNotReady',
    );
    expect(condition(waiting)?.message).toContain(`Kustomization ${ns.name}/a`);
    expect(waiting.status?.lastAppliedRevision).toBeUndefined();
    expect(await live('v1', 'ConfigMap', 'from-b', ns.name)).toBeUndefined();
    const held = await history.waitForRecord(ns.name, 'b', (r) => r.result === 'Failed', 'B held');
    expect(held.changes).toEqual([]);
    expect(held.errors.join()).toContain(`${ns.name}/a`);

    // Fix A; B must follow on its own.
    await kustomizations.patch(ns.name, 'a', { spec: { path: './a' } });
    const readyA = await kustomizations.waitFor(ns.name, 'a', appliedAt(a.revision), 'A Ready');
    const aReadyAt = Date.parse(condition(readyA)?.lastTransitionTime as string);
    const readyB = await kustomizations.waitFor(ns.name, 'b', appliedAt(b.revision), 'B Ready', 20_000);
    expect(await live('v1', 'ConfigMap', 'from-b', ns.name)).toBeDefined();
    const applied = await history.waitForRecord(
      ns.name,
      'b',
      (r) => r.result === 'Succeeded' && r.revision === b.revision,
      'B applied',
    );
    expect(applied.trigger).toBe('DependencyReady');
    expect(applied.changes.map((c) => [c.object.name, c.action])).toEqual([['from-b', 'created']]);
    const bReadyAt = Date.parse(condition(readyB)?.lastTransitionTime as string);
    expect(bReadyAt - aReadyAt).toBeLessThan(10_000);
  });
});
