import { describe, expect, it } from 'vitest';
import { parseInventoryId, renderTree } from './inventory.js';

describe('inventory ids', () => {
  it('parses namespaced, cluster-scoped and core objects', () => {
    expect(parseInventoryId('app_web_apps_Deployment', 'v1')).toEqual({
      namespace: 'app',
      name: 'web',
      group: 'apps',
      kind: 'Deployment',
      version: 'v1',
    });
    expect(parseInventoryId('_app__Namespace', 'v1')).toMatchObject({
      namespace: '',
      name: 'app',
      group: '',
    });
    expect(parseInventoryId('_system__controller_rbac.authorization.k8s.io_ClusterRole', 'v1')).toMatchObject(
      {
        name: 'system:controller',
        kind: 'ClusterRole',
      },
    );
  });

  it('draws a tree', () => {
    const ref = (kind: string, name: string, namespace = 'app') => ({
      kind,
      name,
      namespace,
      group: '',
      version: 'v1',
    });
    expect(
      renderTree({
        ref: ref('Kustomization', 'root'),
        children: [
          { ref: ref('Namespace', 'app', ''), children: [] },
          { ref: ref('Kustomization', 'child'), children: [{ ref: ref('ConfigMap', 'c'), children: [] }] },
          { ref: ref('Secret', 's'), note: 'not found', children: [] },
        ],
      }),
    ).toBe(
      [
        'Kustomization/app/root',
        '├── Namespace/app',
        '├── Kustomization/app/child',
        '│   └── ConfigMap/app/c',
        '└── Secret/app/s (not found)',
      ].join('\n'),
    );
  });
});
