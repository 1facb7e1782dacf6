import { describe, expect, it } from 'vitest';
import { DuplicateObjectError, ManifestParseError, ManifestValidationError } from './errors.js';
import { looksLikeKubernetesObject, parseManifests } from './manifests.js';
import { checkObject, validateObjects } from './validate.js';

describe('parseManifests', () => {
  it('returns every document with its starting line, skipping empty ones', () => {
    const text = '# comment\n---\napiVersion: v1\nkind: A\n---\n---\napiVersion: v1\nkind: B\n';
    const { documents, problems } = parseManifests(text, 'a.yaml');
    expect(problems).toEqual([]);
    expect(documents.map((d) => [(d.value as { kind: string }).kind, d.line])).toEqual([
      ['A', 3],
      ['B', 7],
    ]);
  });

  it('reports syntax errors with file, line and column', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n data: [\n';
    const { problems } = parseManifests(text, 'apps/bad.yaml');
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toBeInstanceOf(ManifestParseError);
    expect(problems[0]!.file).toBe('apps/bad.yaml');
    expect(problems[0]!.location.line).toBe(5);
    expect(problems[0]!.message).toMatch(/^apps\/bad\.yaml:5:\d+: invalid YAML/);
  });

  it('reports duplicate keys', () => {
    const { problems } = parseManifests('a: 1\na: 2\n', 'd.yaml');
    expect(problems[0]?.location.line).toBe(2);
  });

  it('parses JSON', () => {
    const { documents } = parseManifests('{"apiVersion":"v1","kind":"A"}', 'a.json');
    expect(documents[0]?.value).toEqual({ apiVersion: 'v1', kind: 'A' });
  });

  it('refuses alias bombs', () => {
    const bomb =
      'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n';
    expect(parseManifests(bomb, 'bomb.yaml').problems).toHaveLength(1);
  });
});

describe('looksLikeKubernetesObject', () => {
  it('needs a mapping with apiVersion or kind', () => {
    expect(looksLikeKubernetesObject({ apiVersion: 'v1', kind: 'A' })).toBe(true);
    expect(looksLikeKubernetesObject({ kimd: 'A', apiVersion: 'v1' })).toBe(true);
    expect(looksLikeKubernetesObject({ replicaCount: 1 })).toBe(false);
    expect(looksLikeKubernetesObject(['a'])).toBe(false);
  });
});

describe('checkObject', () => {
  it('accepts a complete object', () => {
    expect(checkObject({ object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } } })).toEqual(
      [],
    );
  });

  it('reports every missing field at once, naming file and field', () => {
    const problems = checkObject({ object: { metadata: { namespace: 'ns' } }, file: 'x.yaml', line: 4 });
    expect(problems.map((p) => p.field)).toEqual(['apiVersion', 'kind', 'metadata.name']);
    expect(problems.every((p) => p instanceof ManifestValidationError && p.file === 'x.yaml')).toBe(true);
    expect(problems[2]!.message).toBe('x.yaml:4: <unknown kind>/ns/<unnamed>: metadata.name: is required');
  });

  it('rejects wrong types', () => {
    const problems = checkObject({
      object: { apiVersion: 'v1', kind: 'A', metadata: { name: 3, namespace: [] } },
    });
    expect(problems.map((p) => [p.field, p.detail])).toEqual([
      ['metadata.name', 'must be a string'],
      ['metadata.namespace', 'must be a string'],
    ]);
    expect(checkObject({ object: 'text' })[0]!.detail).toMatch(/expected a Kubernetes object/);
  });

  it('accepts List kinds without a name', () => {
    expect(checkObject({ object: { apiVersion: 'v1', kind: 'List', items: [] } })).toEqual([]);
  });
});

describe('validateObjects', () => {
  const cm = (name: string, ns?: string, apiVersion = 'v1') => ({
    apiVersion,
    kind: 'ConfigMap',
    metadata: { name, ...(ns && { namespace: ns }) },
  });

  it('reports duplicates by group/kind/namespace/name, ignoring the version', () => {
    const problems = validateObjects([
      { object: cm('a', 'x'), file: 'one.yaml' },
      { object: cm('a', 'y'), file: 'two.yaml' },
      { object: { ...cm('a', 'x'), apiVersion: 'v2' }, file: 'three.yaml' },
      { object: { ...cm('a', 'x'), apiVersion: 'other.io/v1' }, file: 'four.yaml' },
    ]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toBeInstanceOf(DuplicateObjectError);
    expect(problems[0]!.message).toBe(
      'three.yaml: ConfigMap/x/a: duplicate object, also defined in one.yaml',
    );
  });

  it('collects structural problems and duplicates together', () => {
    const problems = validateObjects([
      { object: cm('a'), file: 'one.yaml' },
      { object: { kind: 'ConfigMap', metadata: { name: 'b' } }, file: 'two.yaml' },
      { object: cm('a'), file: 'three.yaml' },
    ]);
    expect(problems.map((p) => p.file)).toEqual(['two.yaml', 'three.yaml']);
  });
});
