import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../apply/objects.js';
import { computeDrift, type DriftChange, parsePointer, quantityValue, withoutIgnored } from './diff.js';
import { InvalidIgnoreRuleError } from './errors.js';
import { deploymentManagedFields } from './testing.js';

const owner = { 'kustomize.moor.dev/name': 'app', 'kustomize.moor.dev/namespace': 'flux-system' };

function desiredDeployment(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'ns', labels: { ...owner }, creationTimestamp: null },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'nginx:1.27',
              args: ['--a', '--b'],
              ports: [{ containerPort: 80 }],
              env: [{ name: 'A', value: '1' }],
              resources: { limits: { cpu: 0.5, memory: '1Gi' } },
            },
          ],
        },
      },
    },
  };
}

/** What the API server holds after our apply: defaults, status, server metadata, others' fields. */
function liveDeployment(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'ns',
      uid: 'u',
      resourceVersion: '42',
      generation: 3,
      creationTimestamp: '2026-11-22T00:46:31Z',
      labels: { ...owner, extra: 'added-by-someone' },
      annotations: { 'deployment.kubernetes.io/revision': '2' },
      managedFields: deploymentManagedFields,
    },
    spec: {
      replicas: 2,
      revisionHistoryLimit: 10,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate' },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          restartPolicy: 'Always',
          containers: [
            {
              name: 'sidecar',
              image: 'envoy:1',
            },
            {
              name: 'web',
              image: 'nginx:1.27',
              args: ['--a', '--b'],
              imagePullPolicy: 'IfNotPresent',
              ports: [{ containerPort: 80, protocol: 'TCP' }],
              env: [{ name: 'A', value: '1' }],
              resources: { limits: { cpu: '500m', memory: '1Gi' } },
              terminationMessagePath: '/dev/termination-log',
            },
          ],
        },
      },
    },
    status: { replicas: 2 },
  };
}

function mutate(
  object: KubeObject,
  change: (o: { spec: { template: { spec: { containers: KubeObject[] } } } } & KubeObject) => void,
) {
  change(object as never);
  return object;
}

const summary = (changes: readonly DriftChange[]) => changes.map(({ fieldPath: _, ...c }) => c);

describe('computeDrift', () => {
  it('finds none when live only adds defaults, status, server metadata and fields we do not set', () => {
    expect(computeDrift(desiredDeployment(), liveDeployment())).toBeUndefined();
  });

  it('reports a scaled deployment at spec.replicas, with kubectl as the manager', () => {
    const live = liveDeployment();
    (live.spec as KubeObject).replicas = 9;
    const drift = computeDrift(desiredDeployment(), live, { fieldManager: 'moor' });
    expect(drift?.kind).toBe('modified');
    expect(summary(drift?.changes ?? [])).toEqual([
      {
        path: 'spec.replicas',
        desired: 2,
        live: 9,
        manager: 'kubectl',
        operation: 'Update',
        subresource: 'scale',
      },
    ]);
  });

  it('matches containers by name regardless of order, and names the image setter', () => {
    const live = mutate(liveDeployment(), (o) => {
      const web = o.spec.template.spec.containers[1];
      if (web) web.image = 'nginx:1.28';
    });
    expect(summary(computeDrift(desiredDeployment(), live)?.changes ?? [])).toEqual([
      {
        path: 'spec.template.spec.containers[name=web].image',
        desired: 'nginx:1.27',
        live: 'nginx:1.28',
        manager: 'kubectl-set',
        operation: 'Update',
        time: '2026-11-22T00:46:31Z',
      },
    ]);
  });

  it('reports a removed list-map element and a removed label, guessing the remover', () => {
    const live = mutate(liveDeployment(), (o) => {
      const web = o.spec.template.spec.containers[1];
      if (web) web.env = [];
      delete (o.metadata as { labels: Record<string, string> }).labels['kustomize.moor.dev/namespace'];
    });
    const drift = computeDrift(desiredDeployment(), live, { fieldManager: 'moor' });
    expect(summary(drift?.changes ?? [])).toEqual([
      {
        path: 'metadata.labels["kustomize.moor.dev/namespace"]',
        desired: 'flux-system',
        live: undefined,
        manager: 'kubectl-label',
        operation: 'Update',
        time: '2026-11-22T00:46:32Z',
        inferred: true,
      },
      expect.objectContaining({
        path: 'spec.template.spec.containers[name=web].env[name=A]',
        desired: { name: 'A', value: '1' },
        live: undefined,
        inferred: true,
      }),
    ]);
  });

  it('compares atomic lists element-wise and whole when their lengths differ', () => {
    const changed = mutate(liveDeployment(), (o) => {
      const web = o.spec.template.spec.containers[1];
      if (web) web.args = ['--a', '--c'];
    });
    expect(computeDrift(desiredDeployment(), changed)?.changes).toMatchObject([
      {
        path: 'spec.template.spec.containers[name=web].args[1]',
        desired: '--b',
        live: '--c',
        manager: 'moor',
      },
    ]);
    const longer = mutate(liveDeployment(), (o) => {
      const web = o.spec.template.spec.containers[1];
      if (web) web.args = ['--a', '--b', '--c'];
    });
    expect(computeDrift(desiredDeployment(), longer)?.changes).toMatchObject([
      {
        path: 'spec.template.spec.containers[name=web].args',
        desired: ['--a', '--b'],
        live: ['--a', '--b', '--c'],
      },
    ]);
  });

  it('compares resource quantities by value', () => {
    const live = mutate(liveDeployment(), (o) => {
      const web = o.spec.template.spec.containers[1];
      if (web) web.resources = { limits: { cpu: '500m', memory: '1024Mi' } };
    });
    expect(computeDrift(desiredDeployment(), live)).toBeUndefined();
    const bigger = mutate(liveDeployment(), (o) => {
      const web = o.spec.template.spec.containers[1];
      if (web) web.resources = { limits: { cpu: '1', memory: '1Gi' } };
    });
    expect(computeDrift(desiredDeployment(), bigger)?.changes.map((c) => c.path)).toEqual([
      'spec.template.spec.containers[name=web].resources.limits.cpu',
    ]);
    expect(quantityValue('1.5Gi')).toBe(1.5 * 2 ** 30);
    expect(quantityValue('2e3')).toBe(2000);
    expect(quantityValue('abc')).toBeUndefined();
  });

  it('matches Service ports by port with the defaulted protocol, keyed as the server keys them', () => {
    const desired: KubeObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'ns' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
    };
    const live: KubeObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'ns' },
      spec: {
        clusterIP: '10.0.0.1',
        selector: { app: 'web' },
        ports: [
          { port: 443, protocol: 'TCP', targetPort: 8443 },
          { port: 80, protocol: 'TCP', targetPort: 9090 },
        ],
      },
    };
    expect(computeDrift(desired, live)?.changes).toMatchObject([
      { path: 'spec.ports[port=80,protocol=TCP].targetPort', desired: 8080, live: 9090 },
    ]);
  });

  it('treats finalizers as a set and an explicit null as "absent"', () => {
    const desired: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', finalizers: ['a/x', 'b/y'] },
      data: { gone: null, empty: '' },
    };
    const live: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', finalizers: ['b/y', 'c/z'] },
      data: { gone: 'back', empty: '' },
    };
    expect(computeDrift(desired, live)?.changes.map((c) => [c.path, c.desired, c.live])).toEqual([
      ['metadata.finalizers[=a/x]', 'a/x', undefined],
      ['data.gone', null, 'back'],
    ]);
  });

  it('reports a deleted object as kind deleted', () => {
    expect(computeDrift(desiredDeployment(), undefined)).toEqual({ kind: 'deleted', changes: [] });
  });

  describe('ignore rules', () => {
    const scaled = () => {
      const live = liveDeployment();
      (live.spec as KubeObject).replicas = 9;
      return live;
    };

    it('leave out the fields they point at, for the objects they target', () => {
      expect(
        computeDrift(desiredDeployment(), scaled(), { ignore: [{ paths: ['/spec/replicas'] }] }),
      ).toBeUndefined();
      expect(
        computeDrift(desiredDeployment(), scaled(), {
          ignore: [{ paths: ['/spec/replicas'], target: { kind: 'Deployment', name: 'web' } }],
        }),
      ).toBeUndefined();
      expect(
        computeDrift(desiredDeployment(), scaled(), {
          ignore: [{ paths: ['/spec/replicas'], target: { kind: 'StatefulSet' } }],
        })?.changes.map((c) => c.path),
      ).toEqual(['spec.replicas']);
    });

    it('support escapes and wildcards', () => {
      const desired = withoutIgnored(
        {
          metadata: { labels: { 'a/b': '1', c: '2' } },
          spec: {
            containers: [
              { name: 'x', image: 'i' },
              { name: 'y', image: 'j' },
            ],
          },
        },
        [{ paths: ['/metadata/labels/a~1b', '/spec/containers/*/image'] }],
      );
      expect(desired).toEqual({
        metadata: { labels: { c: '2' } },
        spec: { containers: [{ name: 'x' }, { name: 'y' }] },
      });
    });

    it('reject paths that are not JSON pointers', () => {
      expect(() => parsePointer('spec/replicas')).toThrow(InvalidIgnoreRuleError);
      expect(() => parsePointer('/a~2')).toThrow(InvalidIgnoreRuleError);
      expect(parsePointer('/a~1b/c~0d')).toEqual(['a/b', 'c~d']);
    });
  });
});
