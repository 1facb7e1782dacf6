// Fixtures for the drift engine's unit tests.
import type { ManagedFieldsEntry } from '../apply/managed-fields.js';

// managedFields of a Deployment applied by `moor`, then `kubectl scale`, `kubectl set image` and
// `kubectl label`, as a v1.35 API server wrote them (the scale entry has no time).
export const deploymentManagedFields: ManagedFieldsEntry[] = [
  {
    apiVersion: 'apps/v1',
    fieldsType: 'FieldsV1',
    fieldsV1: {
      'f:metadata': { 'f:labels': { 'f:kustomize.moor.dev/name': {} } },
      'f:spec': {
        'f:selector': {},
        'f:template': {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:containers': {
              'k:{"name":"web"}': {
                '.': {},
                'f:args': {},
                'f:env': { 'k:{"name":"A"}': { '.': {}, 'f:name': {}, 'f:value': {} } },
                'f:name': {},
                'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
              },
            },
          },
        },
      },
    },
    manager: 'moor',
    operation: 'Apply',
    time: '2026-11-22T00:46:31Z',
  },
  {
    apiVersion: 'apps/v1',
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:spec': { 'f:replicas': {} } },
    manager: 'kubectl',
    operation: 'Update',
    subresource: 'scale',
  },
  {
    apiVersion: 'apps/v1',
    fieldsType: 'FieldsV1',
    fieldsV1: {
      'f:metadata': { 'f:annotations': { '.': {}, 'f:deployment.kubernetes.io/revision': {} } },
      'f:status': { 'f:conditions': { 'k:{"type":"Available"}': { '.': {}, 'f:status': {} } } },
    },
    manager: 'kube-controller-manager',
    operation: 'Update',
    subresource: 'status',
    time: '2026-11-22T00:46:33Z',
  },
  {
    apiVersion: 'apps/v1',
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:metadata': { 'f:labels': { 'f:extra': {} } } },
    manager: 'kubectl-label',
    operation: 'Update',
    time: '2026-11-22T00:46:32Z',
  },
  {
    apiVersion: 'apps/v1',
    fieldsType: 'FieldsV1',
    fieldsV1: {
      'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { 'f:image': {} } } } } },
    },
    manager: 'kubectl-set',
    operation: 'Update',
    time: '2026-11-22T00:46:31Z',
  },
];
