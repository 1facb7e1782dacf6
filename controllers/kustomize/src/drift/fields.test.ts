import { describe, expect, it } from 'vitest';
import { InvalidFieldPathError } from './errors.js';
import { FieldSet, formatPath, ManagedFields, ownerOf, parseFieldsV1, parsePath } from './fields.js';
import { deploymentManagedFields } from './testing.js';

const deployment = { metadata: { name: 'web', managedFields: deploymentManagedFields } };

describe('parseFieldsV1', () => {
  it('lists leaves and `.` members, rendered as paths, but not mere prefixes', () => {
    const set = parseFieldsV1(deploymentManagedFields[0]?.fieldsV1);
    expect(set.strings()).toEqual([
      'metadata.labels["kustomize.moor.dev/name"]',
      'spec.selector',
      'spec.template.metadata.labels.app',
      'spec.template.spec.containers[name=web]',
      'spec.template.spec.containers[name=web].args',
      'spec.template.spec.containers[name=web].env[name=A]',
      'spec.template.spec.containers[name=web].env[name=A].name',
      'spec.template.spec.containers[name=web].env[name=A].value',
      'spec.template.spec.containers[name=web].name',
      'spec.template.spec.containers[name=web].ports[containerPort=80,protocol=TCP]',
      'spec.template.spec.containers[name=web].ports[containerPort=80,protocol=TCP].containerPort',
    ]);
    expect(set.has('spec.template.spec')).toBe(false);
    expect(set.has('spec.template.spec.containers[name=web]')).toBe(true);
  });

  it('owns values inside atomic members, not inside granular ones', () => {
    const set = parseFieldsV1(deploymentManagedFields[0]?.fieldsV1);
    expect(set.owns('spec.selector.matchLabels.app')).toBe(true);
    expect(set.owns('spec.template.spec.containers[name=web].args[1]')).toBe(true);
    expect(set.owns('spec.template.spec.containers[name=web].image')).toBe(false);
    expect(set.owns('spec.template.spec.containers[name=sidecar]')).toBe(false);
  });

  it('learns list-map keys and sets from the element names', () => {
    const set = parseFieldsV1({
      'f:metadata': { 'f:finalizers': { '.': {}, 'v:"example.com/cleanup"': {} } },
      'f:spec': { 'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { '.': {} } } },
    });
    expect(Object.fromEntries(set.listTypes)).toEqual({
      'metadata.finalizers': { type: 'set' },
      'spec.ports': { type: 'map', keys: ['port', 'protocol'] },
    });
    expect(set.strings()).toContain('metadata.finalizers[=example.com/cleanup]');
  });

  it('rejects malformed elements with a typed error', () => {
    expect(() => parseFieldsV1({ 'k:{nope': {} })).toThrow(InvalidFieldPathError);
    expect(() => parseFieldsV1({ 'x:y': {} })).toThrow(/unknown FieldsV1 element/);
    expect(() => parseFieldsV1({ 'i:a': {} })).toThrow(InvalidFieldPathError);
    expect(FieldSet.parse(undefined).size).toBe(0);
  });
});

describe('paths', () => {
  it.each([
    'spec.replicas',
    'spec.template.spec.containers[name=web].image',
    'metadata.labels.app',
    'metadata.labels["app.kubernetes.io/name"]',
    'spec.ports[port=80,protocol=TCP].targetPort',
    'spec.template.spec.containers[name="80"].args[2]',
    'metadata.finalizers[="a,b"]',
    'spec.values[=3]',
  ])('parses %s back to itself', (text) => {
    expect(formatPath(parsePath(text))).toBe(text);
  });

  it('distinguishes numbers from numeric strings and sorts key fields', () => {
    expect(parsePath('a[port=80]')).toEqual([{ field: 'a' }, { key: { port: 80 } }]);
    expect(parsePath('a[name="80"]')).toEqual([{ field: 'a' }, { key: { name: '80' } }]);
    expect(formatPath([{ field: 'p' }, { key: { protocol: 'TCP', containerPort: 80 } }])).toBe(
      'p[containerPort=80,protocol=TCP]',
    );
  });

  it('rejects malformed paths', () => {
    expect(() => parsePath('.spec')).toThrow(InvalidFieldPathError);
    expect(() => parsePath('spec[name=web')).toThrow(InvalidFieldPathError);
    expect(() => parsePath('spec[web]')).toThrow(/name=value/);
  });
});

describe('ownerOf', () => {
  it('names the manager, operation and subresource that own a field', () => {
    expect(ownerOf(deployment, 'spec.replicas')).toEqual({
      manager: 'kubectl',
      operation: 'Update',
      subresource: 'scale',
      apiVersion: 'apps/v1',
    });
    expect(ownerOf(deployment, 'spec.template.spec.containers[name=web].image')).toMatchObject({
      manager: 'kubectl-set',
      operation: 'Update',
      time: '2026-11-22T00:46:31Z',
    });
    expect(ownerOf(deployment, 'metadata.labels["kustomize.moor.dev/name"]')).toMatchObject({
      manager: 'moor',
      operation: 'Apply',
    });
    expect(
      ownerOf(deployment, 'spec.template.spec.containers[name=web].ports[containerPort=80,protocol=TCP]'),
    ).toMatchObject({ manager: 'moor' });
  });

  it('is undefined for a field nobody owns', () => {
    expect(ownerOf(deployment, 'metadata.labels["kustomize.moor.dev/namespace"]')).toBeUndefined();
    expect(ownerOf({}, 'spec.replicas')).toBeUndefined();
  });

  it('orders shared owners most recent first', () => {
    const mf = new ManagedFields([
      { manager: 'a', operation: 'Apply', time: '2024-01-01T00:00:00Z', fieldsV1: { 'f:x': {} } },
      { manager: 'b', operation: 'Apply', time: '2024-01-02T00:00:00Z', fieldsV1: { 'f:x': {} } },
      { manager: 'c', operation: 'Apply', fieldsV1: { 'f:x': {} } },
    ]);
    expect(mf.ownersOf('x').map((o) => o.manager)).toEqual(['b', 'a', 'c']);
  });

  it('guesses the latest writer other than us, skipping status writers', () => {
    const mf = new ManagedFields(deploymentManagedFields);
    expect(mf.latestWriter('moor')?.manager).toBe('kubectl-label');
    expect(mf.latestWriter(undefined)?.manager).toBe('kubectl-label');
  });
});
