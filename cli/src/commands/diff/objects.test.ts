import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { normalizeSpecPath, resolveCheckout } from './checkout.js';
import { inventoryId, MASK, MASK_CHANGED, maskSecrets, normalizeObject } from './objects.js';

describe('normalizeObject', () => {
  it('drops status, server-maintained metadata and annotations', () => {
    const o = normalizeObject({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'web',
        uid: 'u',
        resourceVersion: '1',
        generation: 2,
        creationTimestamp: 't',
        managedFields: [],
        annotations: { 'deployment.kubernetes.io/revision': '3' },
        labels: { app: 'web' },
      },
      spec: { replicas: 1 },
      status: { replicas: 1 },
    });
    expect(o).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: { replicas: 1 },
    });
    expect(Object.keys(o)).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
  });
});

describe('maskSecrets', () => {
  const secret = (data: Record<string, string>, stringData?: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's' },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    ...(stringData ? { stringData } : {}),
  });

  it('masks every value and marks the changed ones', () => {
    const before = secret({ same: 'a', changed: 'b', gone: 'c' });
    const after = secret({ same: 'a', changed: 'B', added: 'd' });
    maskSecrets(before, after);
    expect(before.data).toEqual({ same: MASK, changed: MASK, gone: MASK });
    expect(after.data).toEqual({ same: MASK, changed: MASK_CHANGED, added: MASK });
  });

  it('compares stringData with data', () => {
    const before = secret({ token: 'x' });
    const after = secret({}, { token: 'x', other: 'y' });
    maskSecrets(before, after);
    expect(after.stringData).toEqual({ token: MASK, other: MASK });
  });

  it('leaves other kinds alone', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'b' } };
    maskSecrets(undefined, cm);
    expect(cm.data).toEqual({ a: 'b' });
  });
});

describe('inventoryId', () => {
  it('writes the controller’s ids', () => {
    expect(inventoryId({ namespace: 'demo', name: 'web', group: 'apps', kind: 'Deployment' })).toBe(
      'demo_web_apps_Deployment',
    );
    expect(
      inventoryId({
        namespace: '',
        name: 'system:x',
        group: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
      }),
    ).toBe('_system__x_rbac.authorization.k8s.io_ClusterRole');
  });
});

describe('resolveCheckout', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  it('finds the enclosing Git working tree, else takes the directory itself', async () => {
    const top = await mkdtemp(path.join(tmpdir(), 'moor-checkout-'));
    dirs.push(top);
    await mkdir(path.join(top, 'repo', '.git'), { recursive: true });
    await mkdir(path.join(top, 'repo', 'clusters', 'prod'), { recursive: true });
    await mkdir(path.join(top, 'plain'), { recursive: true });
    expect(await resolveCheckout('clusters/prod', path.join(top, 'repo'))).toEqual({
      root: path.join(top, 'repo'),
      path: 'clusters/prod',
      git: true,
    });
    expect(await resolveCheckout('.', path.join(top, 'repo'))).toEqual({
      root: path.join(top, 'repo'),
      path: '.',
      git: true,
    });
    const plain = await resolveCheckout(path.join(top, 'plain'));
    expect(plain).toMatchObject({ path: '.', git: false });
    await expect(resolveCheckout(path.join(top, 'missing'))).rejects.toThrow(/no such directory/);
  });

  it('normalises spec.path like the controller', () => {
    expect(normalizeSpecPath('./deploy/')).toBe('deploy');
    expect(normalizeSpecPath(undefined)).toBe('.');
    expect(normalizeSpecPath('./')).toBe('.');
  });
});
