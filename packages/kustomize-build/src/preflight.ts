// Pre-flight checks of the kustomization tree, before kustomize runs.
//
// kustomize runs with `--load-restrictor LoadRestrictionsNone` (as Flux does) so bases may
// live anywhere in the repository; the price is that kustomize itself would read any file
// on the host (`resources: [/etc/passwd]`, `secretGenerator.files: [../../../../etc/x]`).
// This walk follows every local reference of every kustomization reachable from the build
// directory and refuses those leaving the artifact root, lexically or through symlinks.
// Remote bases are refused unless allowed.
//
// While walking, every manifest listed in `resources` is parsed and checked, so that all
// YAML errors (file + line) and structurally broken objects are reported at once, where
// kustomize would stop at the first one with a vaguer message.
import { readFile, realpath, stat } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { type BuildProblemError, InvalidPathError, KustomizationFileError } from './errors.js';
import { findKustomizationFile } from './generate.js';
import { isObject, parseManifests } from './manifests.js';
import { realpathInside, repoPath, resolveRelative } from './paths.js';
import { checkObject } from './validate.js';

export interface PreflightOptions {
  /** Allow remote (git/http) resources and components. Default false. */
  allowRemoteBases?: boolean;
}

/** Looks like a kustomize remote target (only consulted when no such local path exists). */
export function looksRemote(ref: string): boolean {
  return (
    /^[a-z][a-z0-9+.-]*:\/\//i.test(ref) ||
    ref.startsWith('git@') ||
    /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(ref) ||
    ref.includes('?ref=') ||
    ref.includes('.git//')
  );
}

type RefKind = 'resource' | 'component' | 'path';

interface Walker {
  root: string;
  realRoot: string;
  options: PreflightOptions;
  problems: BuildProblemError[];
  visitedDirs: Set<string>;
  lintedFiles: Set<string>;
}

/**
 * Walks the kustomization in `dir` (absolute, inside `root`) and everything it references.
 * Returns all problems found; an empty list means kustomize may run.
 */
export async function preflight(
  root: string,
  dir: string,
  options: PreflightOptions = {},
): Promise<BuildProblemError[]> {
  const w: Walker = {
    root,
    realRoot: await realpath(root),
    options,
    problems: [],
    visitedDirs: new Set(),
    lintedFiles: new Set(),
  };
  await visitKustomization(w, dir);
  return w.problems;
}

async function visitKustomization(w: Walker, dir: string): Promise<void> {
  if (w.visitedDirs.has(dir)) return;
  w.visitedDirs.add(dir);
  const file = await findKustomizationFile(dir);
  if (!file) return; // reported by the referrer
  const rel = repoPath(w.root, file);
  const doc = parseDocument(await readFile(file, 'utf8'), { uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const err of doc.errors) {
      const lc = err.linePos?.[0];
      w.problems.push(
        new KustomizationFileError(
          { file: rel, ...(lc && { line: lc.line, column: lc.col }) },
          `invalid YAML: ${err.message.split('\n')[0]}`,
          { cause: err },
        ),
      );
    }
    return;
  }
  const k: unknown = doc.toJS({ maxAliasCount: 100 });
  if (k === null || k === undefined) return;
  if (!isObject(k)) {
    w.problems.push(new KustomizationFileError({ file: rel }, 'a kustomization must be a mapping'));
    return;
  }

  const strings = (value: unknown): [number, string][] =>
    Array.isArray(value)
      ? value.flatMap((v, i): [number, string][] => (typeof v === 'string' ? [[i, v]] : []))
      : [];
  const check = (ref: string, field: string, kind: RefKind): Promise<void> =>
    checkReference(w, { dir, file: rel, ref, field, kind });

  for (const key of ['resources', 'bases'] as const) {
    for (const [i, ref] of strings(k[key])) await check(ref, `${key}[${i}]`, 'resource');
  }
  for (const [i, ref] of strings(k.components)) await check(ref, `components[${i}]`, 'component');
  for (const [i, ref] of strings(k.crds)) await check(ref, `crds[${i}]`, 'path');
  for (const [i, ref] of strings(k.patchesStrategicMerge)) {
    // Entries may be inline patches; only single-line values are paths.
    if (!ref.includes('\n')) await check(ref, `patchesStrategicMerge[${i}]`, 'path');
  }
  for (const key of ['patches', 'patchesJson6902', 'replacements'] as const) {
    const list = k[key];
    if (!Array.isArray(list)) continue;
    for (const [i, item] of list.entries()) {
      if (isObject(item) && typeof item.path === 'string')
        await check(item.path, `${key}[${i}].path`, 'path');
    }
  }
  for (const key of ['configMapGenerator', 'secretGenerator'] as const) {
    const list = k[key];
    if (!Array.isArray(list)) continue;
    for (const [i, gen] of list.entries()) {
      if (!isObject(gen)) continue;
      for (const [j, f] of strings(gen.files)) {
        const eq = f.indexOf('=');
        await check(eq >= 0 ? f.slice(eq + 1) : f, `${key}[${i}].files[${j}]`, 'path');
      }
      for (const [j, f] of strings(gen.envs)) await check(f, `${key}[${i}].envs[${j}]`, 'path');
      if (typeof gen.env === 'string') await check(gen.env, `${key}[${i}].env`, 'path');
    }
  }
  for (const key of ['generators', 'transformers', 'validators'] as const) {
    for (const [i, ref] of strings(k[key])) {
      if (!ref.includes('\n')) await check(ref, `${key}[${i}]`, 'resource');
    }
  }
  if (isObject(k.openapi) && typeof k.openapi.path === 'string')
    await check(k.openapi.path, 'openapi.path', 'path');
  if (isObject(k.helmGlobals) && typeof k.helmGlobals.chartHome === 'string') {
    await check(k.helmGlobals.chartHome, 'helmGlobals.chartHome', 'path');
  }
}

async function checkReference(
  w: Walker,
  at: { dir: string; file: string; ref: string; field: string; kind: RefKind },
): Promise<void> {
  const location = { file: at.file, field: at.field };
  const resolved = resolveRelative(w.root, at.dir, at.ref);
  if (!resolved.ok) {
    if (looksRemote(at.ref)) return remote(w, at, location);
    w.problems.push(new InvalidPathError(location, `'${at.ref}' ${resolved.reason}`));
    return;
  }
  const real = await realpathInside(w.realRoot, resolved.abs);
  if (!real.ok) {
    w.problems.push(new InvalidPathError(location, `'${at.ref}' ${real.reason}`));
    return;
  }
  if (real.real === undefined) {
    if (looksRemote(at.ref)) return remote(w, at, location);
    // Missing generator/patch files are reported by kustomize with its own context.
    if (at.kind !== 'path') {
      w.problems.push(new KustomizationFileError(location, `'${at.ref}' does not exist`));
    }
    return;
  }
  if (at.kind === 'path') return;
  const info = await stat(real.real);
  if (info.isDirectory()) {
    if (!(await findKustomizationFile(resolved.abs))) {
      w.problems.push(
        new KustomizationFileError(location, `'${at.ref}' is a directory without a kustomization file`),
      );
      return;
    }
    await visitKustomization(w, resolved.abs);
    return;
  }
  if (at.kind === 'component') {
    w.problems.push(
      new KustomizationFileError(location, `'${at.ref}' must be a directory holding a Component`),
    );
    return;
  }
  await lintManifestFile(w, resolved.abs);
}

function remote(w: Walker, at: { ref: string }, location: { file: string; field: string }): void {
  if (!w.options.allowRemoteBases) {
    w.problems.push(new InvalidPathError(location, `remote reference '${at.ref}' is not allowed`));
  }
}

async function lintManifestFile(w: Walker, abs: string): Promise<void> {
  if (w.lintedFiles.has(abs)) return;
  w.lintedFiles.add(abs);
  const file = repoPath(w.root, abs);
  const parsed = parseManifests(await readFile(abs, 'utf8'), file);
  w.problems.push(...parsed.problems);
  for (const doc of parsed.documents) {
    w.problems.push(...checkObject({ object: doc.value, file, line: doc.line }));
  }
}
