import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CLEANUP_MANAGERS,
  type ManagedFieldsEntry,
  mergeFieldSets,
  takeOverManagedFields,
} from './managed-fields.js';

const now = new Date('2024-05-01T10:00:00.123Z');
const opts = { owner: 'moor', apiVersion: 'v1', managers: DEFAULT_CLEANUP_MANAGERS, now };

describe('takeOverManagedFields', () => {
  it('moves kubectl-edit fields into our Apply entry, merging the field sets', () => {
    const entries: ManagedFieldsEntry[] = [
      {
        manager: 'moor',
        operation: 'Apply',
        apiVersion: 'v1',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:data': { 'f:a': {} } },
      },
      {
        manager: 'kubectl-edit',
        operation: 'Update',
        apiVersion: 'v1',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:data': { 'f:b': {} } },
      },
      { manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'v1', fieldsV1: { 'f:x': {} } },
    ];
    expect(takeOverManagedFields(entries, opts)).toEqual([
      {
        manager: 'moor',
        operation: 'Apply',
        apiVersion: 'v1',
        time: '2024-05-01T10:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {} } },
      },
      { manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'v1', fieldsV1: { 'f:x': {} } },
    ]);
  });

  it('creates our entry when there is none, and leaves status subresource entries alone', () => {
    const entries: ManagedFieldsEntry[] = [
      {
        manager: 'kubectl-client-side-apply',
        operation: 'Update',
        apiVersion: 'v1',
        fieldsV1: { 'f:spec': {} },
      },
      {
        manager: 'kubectl',
        operation: 'Update',
        apiVersion: 'v1',
        subresource: 'status',
        fieldsV1: { 'f:status': {} },
      },
    ];
    const out = takeOverManagedFields(entries, opts);
    expect(out?.map((e) => [e.manager, e.operation, e.subresource])).toEqual([
      ['kubectl', 'Update', 'status'],
      ['moor', 'Apply', undefined],
    ]);
  });

  it('returns undefined when no manager matches', () => {
    const entries: ManagedFieldsEntry[] = [
      { manager: 'moor', operation: 'Apply', apiVersion: 'v1', fieldsV1: {} },
      { manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', subresource: 'scale' },
      { manager: 'helm', operation: 'Update', apiVersion: 'v1' },
    ];
    expect(takeOverManagedFields(entries, opts)).toBeUndefined();
  });
});

describe('mergeFieldSets', () => {
  it('is a deep union', () => {
    expect(mergeFieldSets({ 'f:a': { 'f:b': {} } }, { 'f:a': { 'f:c': {} }, 'f:d': {} })).toEqual({
      'f:a': { 'f:b': {}, 'f:c': {} },
      'f:d': {},
    });
  });
});
