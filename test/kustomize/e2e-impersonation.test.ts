// Impersonation: a Kustomization naming a ServiceAccount without rights applies nothing, and its
// Ready condition says which ServiceAccount was denied what.
import { describe, expect, it } from 'vitest';
import { condition, core, kustomizations, useNamespace, waitFor } from '../harness/index.js';
import { configMapYaml, gitSource, ksSpec, live, useHistory } from './e2e-helpers.js';

describe('serviceAccountName without RBAC rights', () => {
  const ns = useNamespace('e2e-imp');
  const history = useHistory();

  it('applies nothing and names the ServiceAccount and what it was denied', async () => {
    await core().createNamespacedServiceAccount({
      namespace: ns.name,
      body: { metadata: { name: 'nobody' } },
    });
    const source = await gitSource(ns.name, 'e2e-imp', {
      'deploy/cm.yaml': configMapYaml(ns.name, 'cfg', { a: '1' }),
    });
    await kustomizations.create(
      ns.name,
      'app',
      ksSpec(source.name, { serviceAccountName: 'nobody', retryInterval: '10m' }),
    );
    const failed = await kustomizations.waitFor(
      ns.name,
      'app',
      (k) => condition(k)?.status === 'False' && k.status?.lastAttemptedRevision === source.revision,
      'Ready=False',
    );
    const message = condition(failed)?.message ?? '';
    console.info(`${condition(failed)?.reason}: ${message}`);
    expect(condition(failed)?.reason).toBe('ImpersonationFailed');
    expect(message).toContain(`ServiceAccount ${ns.name}/nobody`);
    expect(message).toContain(`system:serviceaccount:${ns.name}:nobody`);
    expect(message).toContain('cannot get resource "configmaps"');
    expect(message).toMatch(/forbidden|cannot/i);
    expect(message).toContain('configmaps');
    expect(await live('v1', 'ConfigMap', 'cfg', ns.name)).toBeUndefined();
    expect(failed.status?.inventory?.entries ?? []).toEqual([]);
    const record = await waitFor(
      async () => (await history.records(ns.name, 'app')).find((r) => r.result === 'Failed'),
      { description: 'a Failed record', timeoutMs: 10_000 },
    );
    expect(record.appliedBy.serviceAccount).toBe(`system:serviceaccount:${ns.name}:nobody`);
    expect(record.changes).toEqual([]);
  });
});
