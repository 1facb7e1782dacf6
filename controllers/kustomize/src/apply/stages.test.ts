import { describe, expect, it } from 'vitest';
import { refOf } from './objects.js';
import { splitStages, stageOf } from './stages.js';

describe('stages', () => {
  it('puts CRDs and Namespaces first, RBAC and classes second, the rest last', () => {
    expect(stageOf({ group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' })).toBe('definitions');
    expect(stageOf({ group: '', kind: 'Namespace' })).toBe('definitions');
    expect(stageOf({ group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' })).toBe('cluster');
    expect(stageOf({ group: 'rbac.authorization.k8s.io', kind: 'RoleBinding' })).toBe('cluster');
    expect(stageOf({ group: '', kind: 'ServiceAccount' })).toBe('cluster');
    expect(stageOf({ group: 'apps', kind: 'Deployment' })).toBe('resources');
    // A kind named Namespace in another group is not special.
    expect(stageOf({ group: 'example.com', kind: 'Namespace' })).toBe('resources');
  });

  it('keeps input order within a stage and leaves out empty stages', () => {
    const objs = [
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a' } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } },
    ];
    const stages = splitStages(objs, refOf).map(([stage, items]) => [
      stage,
      items.map((o) => o.metadata.name),
    ]);
    expect(stages).toEqual([
      ['definitions', ['ns']],
      ['resources', ['a', 'b']],
    ]);
  });
});
