// The sandbox runs each controller as the ServiceAccount the chart created, so the chart's RBAC
// is what every end-to-end test exercises. Here, its edges: least privilege per controller.
import * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { apps, kubeConfig, useNamespace, waitFor } from '../harness/index.js';

const SYSTEM = 'moor-system';

function as(controller: string): k8s.KubeConfig {
  const admin = kubeConfig();
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: admin.clusters,
    users: admin.users.map((u) => ({
      ...u,
      impersonateUser: `system:serviceaccount:${SYSTEM}:${controller}`,
    })),
    contexts: admin.contexts,
    currentContext: admin.getCurrentContext(),
  });
  return kc;
}

const denied = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: { code?: number; body?: string }) => e,
  );

describe("the chart's RBAC, as the sandbox's controllers use it", () => {
  const ns = useNamespace('rbac');

  it('lets the source controller read GitRepositories and Secrets, and not touch a Deployment', async () => {
    await apps().createNamespacedDeployment({
      namespace: ns.name,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'web', image: 'nginx' }] },
          },
        },
      },
    });
    const source = as('source-controller');
    await source
      .makeApiClient(k8s.CustomObjectsApi)
      .listClusterCustomObject({ group: 'source.moor.dev', version: 'v1', plural: 'gitrepositories' });
    await source
      .makeApiClient(k8s.CoreV1Api)
      .readNamespacedSecret({ name: 'nope', namespace: ns.name })
      .catch((e: { code?: number }) => {
        expect(e.code).toBe(404); // allowed to look; there is none
      });

    const sourceApps = source.makeApiClient(k8s.AppsV1Api);
    const attempts = [
      () =>
        sourceApps.patchNamespacedDeployment(
          { name: 'web', namespace: ns.name, body: { spec: { replicas: 5 } } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        ),
      () => sourceApps.deleteNamespacedDeployment({ name: 'web', namespace: ns.name }),
      () => sourceApps.readNamespacedDeployment({ name: 'web', namespace: ns.name }),
    ];
    for (const attempt of attempts) {
      const err = await denied(attempt());
      expect(err?.code).toBe(403);
      expect(String(err?.body)).toContain(`system:serviceaccount:${SYSTEM}:source-controller`);
    }
    expect((await apps().readNamespacedDeployment({ name: 'web', namespace: ns.name })).spec?.replicas).toBe(
      1,
    );
  });

  it('keeps the notification controller to its own kinds, Secrets and the objects Receivers wake', async () => {
    const notification = as('notification-controller');
    const err = await denied(
      notification.makeApiClient(k8s.AppsV1Api).listNamespacedDeployment({ namespace: ns.name }),
    );
    expect(err?.code).toBe(403);
    await notification
      .makeApiClient(k8s.CustomObjectsApi)
      .listClusterCustomObject({ group: 'kustomize.moor.dev', version: 'v1', plural: 'kustomizations' });
  });

  it('gives the kustomize controller its configurable apply rights (cluster-admin by default)', async () => {
    const kustomize = as('kustomize-controller');
    await waitFor(
      () => kustomize.makeApiClient(k8s.AppsV1Api).listNamespacedDeployment({ namespace: ns.name }),
      {
        description: 'the kustomize controller to list Deployments',
        timeoutMs: 10_000,
      },
    );
  });
});
