import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { InvalidPathError, KustomizationFileError } from './errors.js';
import { applyOverlay, ensureKustomization, resolveTargetPath } from './generate.js';
import { removeTree, writeTree } from './testing.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map(removeTree));
});
async function tree(files: Record<string, string>): Promise<string> {
  const dir = await writeTree(files);
  dirs.push(dir);
  return dir;
}

const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

describe('resolveTargetPath', () => {
  it('resolves a directory inside the root', async () => {
    const root = await tree({ 'apps/web/a.yaml': cm('a') });
    expect(await resolveTargetPath(root, './apps/web')).toBe(path.join(root, 'apps/web'));
    expect(await resolveTargetPath(root, undefined)).toBe(root);
  });

  it.each([
    ['../elsewhere', 'outside the artifact root'],
    ['/etc', 'absolute'],
    ['apps/missing', 'does not exist'],
    ['apps/web/a.yaml', 'not a directory'],
  ])('rejects %s', async (given, reason) => {
    const root = await tree({ 'apps/web/a.yaml': cm('a') });
    const err = await resolveTargetPath(root, given).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidPathError);
    expect((err as InvalidPathError).field).toBe('spec.path');
    expect((err as Error).message).toContain(reason);
  });
});

describe('ensureKustomization', () => {
  it('lists manifests recursively, skips non-objects and lists nested kustomizations as directories', async () => {
    const root = await tree({
      'app/b.yaml': cm('b'),
      'app/a.yml': cm('a'),
      'app/c.json': JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }),
      'app/values.yaml': 'replicaCount: 1\n',
      'app/empty.yaml': '# nothing\n',
      'app/README.md': '# docs',
      'app/deep/more/d.yaml': cm('d'),
      'app/base/kustomization.yaml': 'resources: [x.yaml]\n',
      'app/base/x.yaml': cm('x'),
    });
    const result = await ensureKustomization(root, path.join(root, 'app'));
    expect(result.generated).toBe(true);
    expect(result.problems).toEqual([]);
    const written = parse(await readFile(result.file, 'utf8'));
    expect(written).toEqual({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: ['a.yml', 'b.yaml', 'base', 'c.json', 'deep/more/d.yaml'],
    });
  });

  it('keeps an existing kustomization untouched', async () => {
    const root = await tree({
      'kustomization.yml': 'resources: [a.yaml]\n',
      'a.yaml': cm('a'),
      'b.yaml': cm('b'),
    });
    const result = await ensureKustomization(root, root);
    expect(result).toEqual({ file: path.join(root, 'kustomization.yml'), generated: false, problems: [] });
    expect(await readFile(result.file, 'utf8')).toBe('resources: [a.yaml]\n');
  });

  it('reports unparseable manifests (file and line) instead of skipping them', async () => {
    const root = await tree({ 'ok.yaml': cm('ok'), 'sub/bad.yaml': 'kind: A\nmetadata: [\n' });
    const result = await ensureKustomization(root, root);
    expect(result.problems[0]?.file).toBe('sub/bad.yaml');
    expect(result.problems[0]?.location.line).toBeGreaterThan(0);
  });
});

describe('applyOverlay', () => {
  it('writes every overlay field the way Flux does, keeping the user fields', async () => {
    const root = await tree({
      'kustomization.yaml':
        '# mine\nresources: [a.yaml]\nnamePrefix: old-\nimages:\n- name: nginx\n  newTag: "1"\n- name: redis\n  newTag: "6"\n',
    });
    const file = path.join(root, 'kustomization.yaml');
    const result = await applyOverlay(root, file, {
      targetNamespace: 'prod',
      namePrefix: 'p-',
      nameSuffix: '-s',
      patches: [
        { patch: 'op', target: { kind: 'Deployment', name: '', labelSelector: 'a=b' } },
        { patch: 'sm' },
      ],
      images: [
        { name: 'nginx', newTag: '2', digest: 'sha256:abc' },
        { name: 'busybox', newName: 'bb' },
      ],
      components: ['../comp'],
      commonMetadata: { labels: { team: 'a' }, annotations: { owner: 'me' } },
    });
    expect(result.userRequestedOrigin).toBe(false);
    const text = await readFile(file, 'utf8');
    expect(text).toContain('# mine');
    expect(parse(text)).toEqual({
      resources: ['a.yaml'],
      namespace: 'prod',
      namePrefix: 'p-',
      nameSuffix: '-s',
      patches: [{ patch: 'op', target: { kind: 'Deployment', labelSelector: 'a=b' } }, { patch: 'sm' }],
      images: [
        { name: 'nginx', newTag: '2', digest: 'sha256:abc' },
        { name: 'redis', newTag: '6' },
        { name: 'busybox', newName: 'bb' },
      ],
      components: ['../comp'],
      labels: [{ pairs: { team: 'a' }, includeSelectors: false, includeTemplates: false }],
      commonAnnotations: { owner: 'me' },
      buildMetadata: ['originAnnotations'],
    });
  });

  it('remembers that the user asked for origin annotations', async () => {
    const root = await tree({ 'kustomization.yaml': 'buildMetadata: [originAnnotations]\n' });
    expect((await applyOverlay(root, path.join(root, 'kustomization.yaml'), {})).userRequestedOrigin).toBe(
      true,
    );
  });

  it('reports a broken kustomization with file and line', async () => {
    const root = await tree({ 'app/kustomization.yaml': 'resources:\n  - a.yaml\n bad: [\n' });
    const err = await applyOverlay(root, path.join(root, 'app/kustomization.yaml'), {}).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KustomizationFileError);
    expect((err as KustomizationFileError).file).toBe('app/kustomization.yaml');
    expect((err as KustomizationFileError).location.line).toBe(3);
  });

  it('refuses components that are not relative paths', async () => {
    const root = await tree({ 'kustomization.yaml': 'resources: []\n' });
    const err = await applyOverlay(root, path.join(root, 'kustomization.yaml'), {
      components: ['https://example.com/x'],
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidPathError);
    expect((err as InvalidPathError).field).toBe('spec.components[0]');
  });
});
