// RBAC is enforced: a ServiceAccount's token authenticates, and it may do only what a
// RoleBinding grants it.
import * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { core, kubeConfig, rbac, useNamespace, waitFor } from '../harness/index.js';

function asToken(token: string): k8s.CoreV1Api {
  const admin = kubeConfig();
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error('the sandbox kubeconfig has no current cluster');
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: 'sa', token }],
    contexts: [{ name: 'sa', cluster: cluster.name, user: 'sa' }],
    currentContext: 'sa',
  });
  return kc.makeApiClient(k8s.CoreV1Api);
}

function statusOf(err: unknown): number | undefined {
  return (err as { code?: number }).code;
}

describe('RBAC in the sandbox', () => {
  const ns = useNamespace('smoke-rbac');

  it('denies a ServiceAccount without rights, and allows it once a RoleBinding grants them', async () => {
    await core().createNamespacedServiceAccount({
      namespace: ns.name,
      body: { metadata: { name: 'nobody' } },
    });
    const { status } = await core().createNamespacedServiceAccountToken({
      name: 'nobody',
      namespace: ns.name,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const client = asToken(status?.token as string);

    const denied = await client.listNamespacedSecret({ namespace: ns.name }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(statusOf(denied)).toBe(403);
    expect(String((denied as Error).message)).toContain(`system:serviceaccount:${ns.name}:nobody`);

    await rbac().createNamespacedRole({
      namespace: ns.name,
      body: {
        metadata: { name: 'read-configmaps' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['list'] }],
      },
    });
    await rbac().createNamespacedRoleBinding({
      namespace: ns.name,
      body: {
        metadata: { name: 'nobody-reads-configmaps' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-configmaps' },
        subjects: [{ kind: 'ServiceAccount', name: 'nobody', namespace: ns.name }],
      },
    });
    await waitFor(() => client.listNamespacedConfigMap({ namespace: ns.name }), {
      description: 'the RoleBinding to let the ServiceAccount list configmaps',
      timeoutMs: 15_000,
    });
    // Still nothing beyond what was granted.
    const stillDenied = await client.listNamespacedSecret({ namespace: ns.name }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(statusOf(stillDenied)).toBe(403);
  });
});
