// The dependency direction of the workspace, checked on the real import graph:
//   api  <-  bus  <-  runtime  <-  controllers/*, cli
//   api  <-  shared libraries (packages/kustomize-build)  <-  controllers/*, cli
// A controller never imports another controller, the CLI never imports a controller (what both
// need lives in a shared library), and every @moor/* import is declared in package.json and
// referenced in tsconfig.json.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');

interface Pkg {
  dir: string;
  name: string;
  layer: 'api' | 'bus' | 'runtime' | 'shared' | 'controller' | 'cli' | 'test';
  deps: string[];
  refs: string[];
}

const ALLOWED: Record<Pkg['layer'], Pkg['layer'][]> = {
  api: [],
  bus: ['api'],
  runtime: ['api', 'bus'],
  // Libraries a controller and the CLI share (the kustomize build stage): no NATS, no runtime.
  shared: ['api'],
  controller: ['api', 'bus', 'runtime', 'shared'],
  cli: ['api', 'bus', 'runtime', 'shared'],
  test: ['api', 'bus', 'runtime', 'shared', 'controller', 'cli'],
};

/** Workspace packages that are shared libraries (layer `shared`). */
const SHARED = ['packages/kustomize-build'];

function layerOf(dir: string): Pkg['layer'] {
  if (dir.startsWith('controllers/')) return 'controller';
  if (dir === 'packages/api') return 'api';
  if (dir === 'packages/bus') return 'bus';
  if (dir === 'packages/runtime') return 'runtime';
  if (SHARED.includes(dir)) return 'shared';
  if (dir === 'cli') return 'cli';
  if (dir === 'test') return 'test';
  throw new Error(`${dir} is a workspace package with no layer; add it to hack/checks/layering.test.ts`);
}

function workspaceDirs(): string[] {
  const globs = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] })
    .workspaces;
  return globs.flatMap((g) =>
    g.endsWith('/*')
      ? readdirSync(join(root, g.slice(0, -2)))
          .map((d) => `${g.slice(0, -2)}/${d}`)
          .filter((d) => statSync(join(root, d, 'package.json'), { throwIfNoEntry: false }))
      : [g],
  );
}

function loadPackages(): Pkg[] {
  return workspaceDirs().map((dir) => {
    const pj = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    let refs: string[] = [];
    const tsconfig = statSync(join(root, dir, 'tsconfig.json'), { throwIfNoEntry: false });
    if (tsconfig) {
      const tc = JSON.parse(readFileSync(join(root, dir, 'tsconfig.json'), 'utf8'));
      refs = (tc.references ?? []).map((r: { path: string }) => relative(root, resolve(root, dir, r.path)));
    }
    return {
      dir,
      name: pj.name,
      layer: layerOf(dir),
      deps: Object.keys({ ...pj.dependencies, ...pj.devDependencies }).filter((d) => d.startsWith('@moor/')),
      refs,
    };
  });
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|tsx|mts)$/.test(e.name)) out.push(p);
  }
  return out;
}

const IMPORT = /(?:import|export)\s[^'"]*?from\s*['"](@moor\/[^'"/]+)|import\(\s*['"](@moor\/[^'"/]+)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => (m[1] ?? m[2]) as string);
}

describe('workspace layering', () => {
  const pkgs = loadPackages();
  const byName = new Map(pkgs.map((p) => [p.name, p]));

  it('finds every package', () => {
    expect(pkgs.map((p) => p.layer)).toEqual(
      expect.arrayContaining(['api', 'bus', 'runtime', 'shared', 'controller', 'cli']),
    );
  });

  for (const pkg of pkgs) {
    it(`${pkg.name} depends only on layers below it`, () => {
      const bad = pkg.deps.filter((d) => {
        const target = byName.get(d);
        return !target || !ALLOWED[pkg.layer].includes(target.layer);
      });
      expect(bad, `${pkg.dir}/package.json declares dependencies its layer may not have`).toEqual([]);
    });

    it(`${pkg.name} imports only what it declares and references`, () => {
      const problems: string[] = [];
      for (const file of sourceFiles(join(root, pkg.dir))) {
        for (const imported of importsOf(file)) {
          const where = relative(root, file);
          if (imported === pkg.name) continue;
          if (!pkg.deps.includes(imported))
            problems.push(`${where} imports ${imported}, not in package.json`);
          const target = byName.get(imported);
          if (target && pkg.layer !== 'test' && !pkg.refs.includes(target.dir)) {
            problems.push(`${where} imports ${imported}, not referenced in ${pkg.dir}/tsconfig.json`);
          }
        }
      }
      expect(problems).toEqual([]);
    });
  }

  it('recognises a forbidden import (the check can fail)', () => {
    const file = join(dirname(import.meta.filename), 'fixtures', 'forbidden-import.ts.txt');
    expect(importsOf(file)).toEqual(['@moor/kustomize-controller', '@moor/runtime']);
  });
});
