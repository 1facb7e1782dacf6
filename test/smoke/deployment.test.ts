// The sandbox is a working cluster: Deployments get Ready pods from kwok's fake nodes,
// `kubectl scale` changes their number, and garbage collection removes them with their owner.
import type * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { apps, core, kubectl, useNamespace, waitFor } from '../harness/index.js';

function deployment(name: string, replicas: number): k8s.V1Deployment {
  return {
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
      },
    },
  };
}

async function readyPods(namespace: string, app: string): Promise<number> {
  const pods = await core().listNamespacedPod({ namespace, labelSelector: `app=${app}` });
  return pods.items.filter(
    (p) =>
      !p.metadata?.deletionTimestamp &&
      p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  ).length;
}

describe('a Deployment in the sandbox', () => {
  const ns = useNamespace('smoke-deploy');

  it('gets Ready pods, scales with kubectl, and its pods are garbage-collected with it', async () => {
    await apps().createNamespacedDeployment({ namespace: ns.name, body: deployment('web', 2) });
    await waitFor(
      async () =>
        (await apps().readNamespacedDeployment({ name: 'web', namespace: ns.name })).status?.readyReplicas ===
        2,
      {
        description: 'deployment web to have 2 ready replicas',
      },
    );
    expect(await readyPods(ns.name, 'web')).toBe(2);

    await kubectl(['scale', 'deployment/web', '--replicas=4', '-n', ns.name]);
    await waitFor(async () => (await readyPods(ns.name, 'web')) === 4, {
      description: '4 ready pods after scaling up',
    });

    await apps().deleteNamespacedDeployment({
      name: 'web',
      namespace: ns.name,
      propagationPolicy: 'Background',
    });
    await waitFor(
      async () =>
        (await core().listNamespacedPod({ namespace: ns.name, labelSelector: 'app=web' })).items.length === 0,
      {
        description: 'the garbage collector to delete the pods of the deleted deployment',
      },
    );
  });
});
