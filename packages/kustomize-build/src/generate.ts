// Prepares the kustomization that `kustomize build` will run, the way Flux does:
//
// 1. If the target directory has no kustomization file, one is generated listing the
//    manifests found below it (recursively). Files that hold no Kubernetes object are
//    skipped; sub-directories with their own kustomization are listed as directories and
//    not descended into. Unparseable YAML is an error, never skipped: a broken manifest
//    silently left out would be pruned from the cluster.
// 2. The Kustomization spec's overlay fields are written into that kustomization file,
//    extending it in place (the artifact is our private copy): targetNamespace →
//    namespace, namePrefix/nameSuffix (override), patches and components (appended),
//    images (replace the entry of the same name, else appended), commonMetadata →
//    labels without selectors + commonAnnotations.
// 3. `buildMetadata: [originAnnotations]` is turned on so each output object says which
//    file it came from; kustomize.ts strips the annotation again.
import { lstat, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Document, isMap, isSeq, parseDocument, stringify, YAMLMap } from 'yaml';
import {
  InvalidPathError,
  InvalidSpecError,
  KustomizationFileError,
  type ManifestParseError,
} from './errors.js';
import { looksLikeKubernetesObject, parseManifests } from './manifests.js';
import { isErrno, realpathInside, repoPath, resolveRelative } from './paths.js';

/** File names kustomize recognises, in its order of preference. */
export const KUSTOMIZATION_FILE_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

/** Extensions of the files listed in a generated kustomization. */
const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** Selects the objects a patch applies to (kustomize's `target`). */
export interface PatchTarget {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
  annotationSelector?: string;
}

/** A strategic-merge or JSON6902 patch, inline, with an optional target. */
export interface Patch {
  patch: string;
  target?: PatchTarget;
}

/** An image override. */
export interface Image {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

/** The Kustomization spec fields that shape the build (Flux Kustomization v1 names). */
export interface OverlaySpec {
  targetNamespace?: string;
  namePrefix?: string;
  nameSuffix?: string;
  patches?: readonly Patch[];
  images?: readonly Image[];
  /** Paths to kustomize Components, relative to `path`. */
  components?: readonly string[];
  commonMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
}

/** The regular kustomization file in `dir`, if any (absolute path). */
export async function findKustomizationFile(dir: string): Promise<string | undefined> {
  for (const name of KUSTOMIZATION_FILE_NAMES) {
    const candidate = path.join(dir, name);
    try {
      if ((await stat(candidate)).isFile()) return candidate;
    } catch (err) {
      if (!isErrno(err, 'ENOENT') && !isErrno(err, 'ENOTDIR')) throw err;
    }
  }
  return undefined;
}

/**
 * Resolves `spec.path` inside the artifact root: relative, not escaping the root (also not
 * through a symlink), and an existing directory. Returns the absolute directory.
 */
export async function resolveTargetPath(root: string, specPath: string | undefined): Promise<string> {
  const given = specPath === undefined || specPath === '' ? '.' : specPath;
  const location = { field: 'spec.path' };
  const resolved = resolveRelative(root, root, given);
  if (!resolved.ok) throw new InvalidPathError(location, `'${given}' ${resolved.reason}`);
  const real = await realpathInside(root, resolved.abs);
  if (!real.ok) throw new InvalidPathError(location, `'${given}' ${real.reason}`);
  if (real.real === undefined)
    throw new InvalidPathError(location, `'${given}' does not exist in the artifact`);
  if (!(await stat(real.real)).isDirectory()) {
    throw new InvalidPathError(location, `'${given}' is not a directory`);
  }
  return resolved.abs;
}

export interface GenerateResult {
  /** Absolute path of the kustomization file to build (existing or generated). */
  file: string;
  generated: boolean;
  /** Parse errors found while scanning manifests; the file is not written when non-empty. */
  problems: ManifestParseError[];
}

/**
 * Returns the existing kustomization file of `dir`, or generates `kustomization.yaml`
 * listing the manifests under it. `root` is only used to name files in errors.
 */
export async function ensureKustomization(root: string, dir: string): Promise<GenerateResult> {
  const existing = await findKustomizationFile(dir);
  if (existing) return { file: existing, generated: false, problems: [] };

  const resources: string[] = [];
  const problems: ManifestParseError[] = [];
  const walk = async (current: string): Promise<void> => {
    const entries = (await readdir(current, { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const entry of entries) {
      const abs = path.join(current, entry.name);
      const rel = path.relative(dir, abs).split(path.sep).join('/');
      if (entry.isDirectory()) {
        // Symlinked directories are not followed (no loops); real ones are.
        if (await findKustomizationFile(abs)) resources.push(rel);
        else await walk(abs);
        continue;
      }
      if (!MANIFEST_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) continue;
      const info = entry.isSymbolicLink() ? await stat(abs).catch(() => undefined) : await lstat(abs);
      if (!info?.isFile()) continue;
      const parsed = parseManifests(await readFile(abs, 'utf8'), repoPath(root, abs));
      problems.push(...parsed.problems);
      if (parsed.problems.length > 0 || parsed.documents.some((d) => looksLikeKubernetesObject(d.value))) {
        resources.push(rel);
      }
    }
  };
  await walk(dir);

  const file = path.join(dir, 'kustomization.yaml');
  if (problems.length === 0) {
    const content = stringify({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources,
    });
    await writeFile(file, content, { flag: 'wx' });
  }
  return { file, generated: true, problems };
}

export interface OverlayResult {
  /** The user's kustomization already asked for origin annotations: keep them on objects. */
  userRequestedOrigin: boolean;
}

/** A user-supplied string that must be a local relative path (components). */
function checkLocalPath(value: string, field: string, file: string): void {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || path.posix.isAbsolute(value) || value.includes('\0')) {
    throw new InvalidPathError(
      { field },
      `'${value}' must be a relative path inside the artifact (in ${file})`,
    );
  }
}

function targetToYaml(target: PatchTarget): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of [
    'group',
    'version',
    'kind',
    'name',
    'namespace',
    'labelSelector',
    'annotationSelector',
  ] as const) {
    const v = target[key];
    if (v !== undefined && v !== '') out[key] = v;
  }
  return out;
}

function ensureSeq(map: YAMLMap<unknown, unknown>, key: string, file: string): unknown[] {
  const current = map.get(key, true);
  if (current === undefined || current === null) return [];
  if (!isSeq(current)) throw new KustomizationFileError({ file, field: key }, 'must be a list');
  return current.toJSON() as unknown[];
}

/**
 * Writes the overlay fields of `spec` into the kustomization `file` (absolute), and turns
 * on origin annotations. Comments and unknown fields of the user's file are preserved;
 * kustomize itself reports unknown fields.
 */
export async function applyOverlay(root: string, file: string, spec: OverlaySpec): Promise<OverlayResult> {
  const rel = repoPath(root, file);
  const doc: Document = parseDocument(await readFile(file, 'utf8'), { uniqueKeys: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const lc = err.linePos?.[0];
    throw new KustomizationFileError(
      { file: rel, ...(lc && { line: lc.line, column: lc.col }) },
      `invalid YAML: ${err.message.split('\n')[0]}`,
      { cause: err },
    );
  }
  if (doc.contents === null) doc.contents = new YAMLMap();
  if (!isMap(doc.contents))
    throw new KustomizationFileError({ file: rel }, 'a kustomization must be a mapping');
  const map = doc.contents as YAMLMap<unknown, unknown>;

  if (spec.targetNamespace) map.set('namespace', spec.targetNamespace);
  if (spec.namePrefix) map.set('namePrefix', spec.namePrefix);
  if (spec.nameSuffix) map.set('nameSuffix', spec.nameSuffix);

  if (spec.patches && spec.patches.length > 0) {
    const patches = ensureSeq(map, 'patches', rel);
    spec.patches.forEach((p, i) => {
      if (typeof p.patch !== 'string' || p.patch.trim() === '') {
        throw new InvalidSpecError({ field: `spec.patches[${i}].patch` }, 'must be a non-empty patch');
      }
      const target = p.target ? targetToYaml(p.target) : {};
      patches.push(Object.keys(target).length > 0 ? { patch: p.patch, target } : { patch: p.patch });
    });
    map.set('patches', doc.createNode(patches));
  }

  if (spec.images && spec.images.length > 0) {
    const images = ensureSeq(map, 'images', rel) as Record<string, unknown>[];
    for (const image of spec.images) {
      const entry: Record<string, string> = { name: image.name };
      if (image.newName) entry.newName = image.newName;
      if (image.newTag) entry.newTag = image.newTag;
      if (image.digest) entry.digest = image.digest;
      const at = images.findIndex((e) => typeof e === 'object' && e !== null && e.name === image.name);
      if (at >= 0) images[at] = entry;
      else images.push(entry);
    }
    map.set('images', doc.createNode(images));
  }

  if (spec.components && spec.components.length > 0) {
    const components = ensureSeq(map, 'components', rel);
    spec.components.forEach((c, i) => {
      checkLocalPath(c, `spec.components[${i}]`, rel);
      components.push(c);
    });
    map.set('components', doc.createNode(components));
  }

  const labels = spec.commonMetadata?.labels;
  if (labels && Object.keys(labels).length > 0) {
    const list = ensureSeq(map, 'labels', rel);
    list.push({ pairs: { ...labels }, includeSelectors: false, includeTemplates: false });
    map.set('labels', doc.createNode(list));
  }
  const annotations = spec.commonMetadata?.annotations;
  if (annotations && Object.keys(annotations).length > 0) {
    const current = map.get('commonAnnotations', true);
    const merged = isMap(current) ? (current.toJSON() as Record<string, string>) : {};
    map.set('commonAnnotations', doc.createNode({ ...merged, ...annotations }));
  }

  const buildMetadata = ensureSeq(map, 'buildMetadata', rel);
  const userRequestedOrigin = buildMetadata.includes('originAnnotations');
  if (!userRequestedOrigin) {
    buildMetadata.push('originAnnotations');
    map.set('buildMetadata', doc.createNode(buildMetadata));
  }

  await writeFile(file, doc.toString({ lineWidth: 0 }));
  return { userRequestedOrigin };
}
