// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${var}` in plain strings is the syntax under test.
import { describe, expect, it } from 'vitest';
import { SubstitutionError } from './errors.js';
import type { BuiltObject } from './kustomize.js';
import { ExpansionError, expand, findField, resolveVariables, substituteObjects } from './substitute.js';

const vars: Record<string, string> = { name: 'web', empty: '', Mixed: 'hello' };
const lookup = (n: string): string | undefined => vars[n];

describe('expand', () => {
  it.each([
    ['${name}', 'web'],
    ['a-${name}-b', 'a-web-b'],
    ['${missing}', ''],
    ['${missing:=dflt}', 'dflt'],
    ['${empty:=dflt}', 'dflt'],
    ['${name:=dflt}', 'web'],
    ['${missing:-dflt}', 'dflt'],
    ['${missing=dflt}', 'dflt'],
    ['${name:+alt}', 'alt'],
    ['${missing:+alt}', ''],
    ['${missing:=${name}-x}', 'web-x'],
    ['${missing:=a b: c}', 'a b: c'],
    ['$${name}', '${name}'],
    ['$$', '$'],
    ['$name and $ alone', '$name and $ alone'],
    ['${#Mixed}', '5'],
    ['${Mixed^^}', 'HELLO'],
    ['${Mixed^}', 'Hello'],
    ['${Mixed,,}', 'hello'],
  ])('%s → %s', (input, output) => {
    expect(expand(input, lookup)).toBe(output);
  });

  it('fails in strict mode on an unset variable without default, naming it', () => {
    expect(() => expand('x: ${missing}', lookup, true)).toThrow(/variable 'missing' is not set/);
    expect(expand('x: ${missing:=1}', lookup, true)).toBe('x: 1');
    expect(expand('x: ${empty}', lookup, true)).toBe('x: ');
  });

  it.each(['${name', '${}', '${name:1}', '${name/a/b}', '${missing:=x'])('rejects malformed %s', (input) => {
    expect(() => expand(input, lookup)).toThrow(ExpansionError);
  });

  it('fails on ${var:?message} when unset', () => {
    expect(() => expand('${missing:?need it}', lookup)).toThrow('need it');
  });
});

function obj(object: Record<string, unknown>, file = 'apps/web.yaml'): BuiltObject {
  return { object, origin: { path: file } };
}

const deployment = (extra: Record<string, unknown> = {}): BuiltObject =>
  obj({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'prod', ...extra },
    spec: {
      replicas: '${replicas:=1}',
      template: { spec: { containers: [{ name: 'c', image: 'nginx:${tag}' }] } },
    },
  });

describe('substituteObjects', () => {
  it('substitutes on the YAML text and re-parses, so numbers become numbers', () => {
    const { objects, problems } = substituteObjects([deployment()], {
      substitute: { replicas: '3', tag: '1.25' },
    });
    expect(problems).toEqual([]);
    const spec = objects[0]!.object.spec as {
      replicas: unknown;
      template: { spec: { containers: { image: string }[] } };
    };
    expect(spec.replicas).toBe(3);
    expect(spec.template.spec.containers[0]!.image).toBe('nginx:1.25');
    expect(objects[0]!.origin).toEqual({ path: 'apps/web.yaml' });
  });

  it('applies defaults and keeps escapes literal', () => {
    const cm = obj({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: { a: '${tag}', b: '$${tag}', c: '${unset:=fallback}' },
    });
    const { objects } = substituteObjects([cm], { substitute: { tag: 'v1' } });
    expect(objects[0]!.object.data).toEqual({ a: 'v1', b: '${tag}', c: 'fallback' });
  });

  it('lets substitute win over substituteFrom, later sources over earlier, and strips newlines', () => {
    const { vars: merged } = resolveVariables({
      substituteFrom: [
        { source: 'ConfigMap/a', data: { x: 'from-a', y: 'from-a' } },
        { source: 'Secret/b', data: { y: 'from-b\n', z: 'from-b' } },
      ],
      substitute: { z: 'inline' },
    });
    expect(Object.fromEntries(merged)).toEqual({ x: 'from-a', y: 'from-b', z: 'inline' });
  });

  it('rejects invalid variable names', () => {
    const { problems } = substituteObjects([deployment()], { substitute: { 'bad-name': 'x', '1st': 'y' } });
    expect(problems.map((p) => p.variable)).toEqual(['bad-name', '1st']);
    expect(problems[0]!.field).toBe('spec.postBuild.substitute.bad-name');
  });

  it.each([
    ['annotation', 'kustomize.toolkit.fluxcd.io/substitute', 'annotations'],
    ['annotation', 'kustomize.moor.dev/substitute', 'annotations'],
    ['label', 'kustomize.toolkit.fluxcd.io/substitute', 'labels'],
  ])('skips objects with the disabled %s %s', (_what, key, where) => {
    const item = deployment({ [where]: { [key]: 'disabled' } });
    const { objects } = substituteObjects([item], { substitute: { replicas: '3', tag: 'x' } });
    expect((objects[0]!.object.spec as { replicas: unknown }).replicas).toBe('${replicas:=1}');
  });

  it('does nothing without variables (as Flux), unless strict', () => {
    const { objects } = substituteObjects([deployment()], {});
    expect((objects[0]!.object.spec as { replicas: unknown }).replicas).toBe('${replicas:=1}');
    const strict = substituteObjects([deployment()], { strict: true });
    expect(strict.problems).toHaveLength(1);
  });

  it('in strict mode reports every unset variable with object, file and field', () => {
    const other = obj(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { k: '${other}' } },
      'apps/cm.yaml',
    );
    const { problems } = substituteObjects([deployment(), other], {
      substitute: { replicas: '2' },
      strict: true,
    });
    expect(problems).toHaveLength(2);
    const [first, second] = problems as [SubstitutionError, SubstitutionError];
    expect(first).toBeInstanceOf(SubstitutionError);
    expect(first.variable).toBe('tag');
    expect(first.file).toBe('apps/web.yaml');
    expect(first.object).toMatchObject({ kind: 'Deployment', namespace: 'prod', name: 'web' });
    expect(first.field).toBe('spec.template.spec.containers[0].image');
    expect(first.message).toBe(
      "apps/web.yaml: Deployment/prod/web: spec.template.spec.containers[0].image: variable substitution failed: variable 'tag' is not set",
    );
    expect(second.variable).toBe('other');
    expect(second.file).toBe('apps/cm.yaml');
  });

  it('reports a result that is no longer valid YAML', () => {
    const cm = obj({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { k: '${v}' } });
    const { problems } = substituteObjects([cm], { substitute: { v: 'a: b: c' } });
    expect(problems[0]?.message).toMatch(/ConfigMap\/c: the object is not valid YAML after substitution/);
  });
});

describe('findField', () => {
  it('finds keys and values, with list indices', () => {
    expect(findField({ a: { b: [{ c: 'x' }, { c: 'y${v}' }] } }, '${v}')).toBe('a.b[1].c');
    expect(findField({ a: { '${k}': 1 } }, '${k}')).toBe('a.${k}');
    expect(findField({ a: 1 }, '${k}')).toBeUndefined();
  });
});
