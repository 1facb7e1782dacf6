// Runs the kustomize binary and turns its output into objects that know where they came
// from.
//
// `kustomize build <dir> --load-restrictor LoadRestrictionsNone`, as Flux builds: bases may
// live anywhere in the artifact (preflight.ts keeps them inside it). Plugins, exec/container
// functions and Helm stay disabled (kustomize's defaults). The child gets a minimal
// environment, a timeout and the caller's abort signal. Paths in kustomize's messages are
// rewritten relative to the artifact root, so no temp-dir path reaches a user.
import { spawn } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { KustomizeBuildError, type ProblemLocation } from './errors.js';
import { findKustomizationFile } from './generate.js';
import { isObject, type KubeObject, parseManifests } from './manifests.js';
import { repoPath } from './paths.js';

/** The annotation kustomize writes with `buildMetadata: [originAnnotations]`. */
export const ORIGIN_ANNOTATION = 'config.kubernetes.io/origin';

export interface KustomizeOptions {
  /** kustomize executable; default `kustomize` from PATH. */
  binary?: string;
  /** Absolute directory holding the kustomization to build. */
  dir: string;
  /** Absolute artifact root: messages and origins are made relative to it. */
  root: string;
  /** Default 120 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Cap on kustomize's stdout; default 256 MiB. */
  maxOutputBytes?: number;
}

export interface KustomizeOutput {
  /** The multi-document YAML kustomize printed. */
  yaml: string;
  /** Warnings kustomize printed on stderr (paths made relative). */
  warnings: string[];
}

/** Where a built object was defined. */
export interface ObjectOrigin {
  /**
   * The file the object was read from, relative to the artifact root; for generated
   * objects (configMapGenerator...) the kustomization that configured the generator.
   * For remote bases, relative to the remote repository.
   */
  path: string;
  /** For generated objects: the generator, e.g. `{ apiVersion: 'builtin', kind: 'ConfigMapGenerator' }`. */
  generator?: { apiVersion?: string; kind?: string; name?: string };
  /** For remote bases: repository and ref. */
  repo?: string;
  ref?: string;
}

/** One object of the build output. */
export interface BuiltObject {
  object: KubeObject;
  origin: ObjectOrigin;
}

/** Replaces absolute root paths in `text` with repo-relative ones. */
export function relativizeMessage(text: string, roots: readonly string[]): string {
  let out = text;
  for (const root of [...new Set(roots)].sort((a, b) => b.length - a.length)) {
    if (!root || root === path.sep) continue;
    out = out.split(`${root}${path.sep}`).join('').split(root).join('.');
  }
  return out;
}

/** Strips kustomize's `Error: ` prefix and trailing blank lines. */
function cleanStderr(stderr: string): { message: string; warnings: string[] } {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  const warnings = lines
    .filter((l) => l.startsWith('# Warning:'))
    .map((l) => l.replace(/^# Warning:\s*/, ''));
  const errors = lines.filter((l) => !l.startsWith('# Warning:')).map((l) => l.replace(/^Error:\s*/, ''));
  return { message: errors.join('\n'), warnings };
}

/** Best guess at the kustomization a kustomize error is about. */
async function locateError(message: string, rootDir: string, root: string): Promise<ProblemLocation> {
  const targets = [...message.matchAll(/couldn't make target for path '([^']+)'/g)];
  const last = targets.at(-1)?.[1];
  const dir = last !== undefined ? path.resolve(rootDir, last) : rootDir;
  const file = await findKustomizationFile(dir).catch(() => undefined);
  return file ? { file: repoPath(root, file) } : {};
}

/** Runs `kustomize build`; throws KustomizeBuildError on failure, timeout or abort. */
export async function runKustomize(options: KustomizeOptions): Promise<KustomizeOutput> {
  const binary = options.binary ?? 'kustomize';
  const timeoutMs = options.timeoutMs ?? 120_000;
  const maxOutput = options.maxOutputBytes ?? 256 * 1024 * 1024;
  const roots = [options.root, await realpath(options.root).catch(() => options.root)];
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const buildLocation: ProblemLocation = {};
  const kfile = await findKustomizationFile(options.dir);
  if (kfile) buildLocation.file = repoPath(options.root, kfile);

  if (signal.aborted)
    throw new KustomizeBuildError(buildLocation, 'kustomize build aborted before it started');

  return await new Promise<KustomizeOutput>((resolve, reject) => {
    const child = spawn(binary, ['build', options.dir, '--load-restrictor', 'LoadRestrictionsNone'], {
      cwd: options.dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: options.root, LANG: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
      signal,
      killSignal: 'SIGKILL',
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outSize = 0;
    let overflow = false;
    child.stdout.on('data', (chunk: Buffer) => {
      outSize += chunk.length;
      if (outSize > maxOutput) {
        overflow = true;
        child.kill('SIGKILL');
        return;
      }
      out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (err.reduce((n, b) => n + b.length, 0) < 1024 * 1024) err.push(chunk);
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (signal.aborted) {
        const why = timeout.aborted ? `timed out after ${timeoutMs} ms` : 'was aborted';
        reject(new KustomizeBuildError(buildLocation, `kustomize build ${why}`, { cause: e }));
      } else if (e.code === 'ENOENT') {
        reject(new KustomizeBuildError({}, `kustomize binary '${binary}' not found`, { cause: e }));
      } else {
        reject(new KustomizeBuildError(buildLocation, `cannot run kustomize: ${e.message}`, { cause: e }));
      }
    });
    child.on('close', (code, sig) => {
      if (signal.aborted) return; // reported by 'error'
      const rawStderr = Buffer.concat(err).toString('utf8');
      const { message, warnings } = cleanStderr(relativizeMessage(rawStderr, roots));
      if (overflow) {
        reject(new KustomizeBuildError(buildLocation, `kustomize output exceeds ${maxOutput} bytes`));
        return;
      }
      if (code !== 0) {
        const detail = message || `kustomize exited with ${sig ?? `code ${code}`}`;
        locateError(rawStderr, options.dir, options.root).then(
          (loc) =>
            reject(
              new KustomizeBuildError(loc.file ? loc : buildLocation, `kustomize build failed: ${detail}`),
            ),
          reject,
        );
        return;
      }
      resolve({ yaml: Buffer.concat(out).toString('utf8'), warnings });
    });
  });
}

function parseOrigin(value: unknown, buildDirRel: string): ObjectOrigin | undefined {
  if (typeof value !== 'string') return undefined;
  let data: unknown;
  try {
    data = parseYaml(value);
  } catch {
    return undefined;
  }
  if (!isObject(data)) return undefined;
  const origin: Partial<ObjectOrigin> = {};
  const remote = typeof data.repo === 'string';
  const local = (p: string): string => (remote ? p : path.posix.normalize(path.posix.join(buildDirRel, p)));
  if (typeof data.path === 'string') origin.path = local(data.path);
  else if (typeof data.configuredIn === 'string') origin.path = local(data.configuredIn);
  if (isObject(data.configuredBy)) {
    const by = data.configuredBy;
    origin.generator = {
      ...(typeof by.apiVersion === 'string' && { apiVersion: by.apiVersion }),
      ...(typeof by.kind === 'string' && { kind: by.kind }),
      ...(typeof by.name === 'string' && { name: by.name }),
    };
  }
  if (remote) origin.repo = data.repo as string;
  if (typeof data.ref === 'string') origin.ref = data.ref;
  return origin.path !== undefined ? (origin as ObjectOrigin) : undefined;
}

/**
 * Splits kustomize's output into objects with their origin. The origin annotation is
 * removed from the object unless `keepOriginAnnotation` (the user asked for it).
 */
export function parseBuildOutput(
  yaml: string,
  options: { root: string; dir: string; keepOriginAnnotation?: boolean },
): BuiltObject[] {
  const buildDirRel = repoPath(options.root, options.dir);
  const parsed = parseManifests(yaml, '<kustomize output>');
  if (parsed.problems.length > 0) {
    throw new KustomizeBuildError({}, `cannot parse kustomize output: ${parsed.problems[0]!.message}`, {
      cause: parsed.problems[0],
    });
  }
  const fallback = path.posix.join(buildDirRel, 'kustomization.yaml');
  return parsed.documents.map((doc): BuiltObject => {
    if (!isObject(doc.value)) {
      throw new KustomizeBuildError({}, `kustomize output document ${doc.index} is not an object`);
    }
    const object = doc.value;
    const metadata = isObject(object.metadata) ? object.metadata : undefined;
    const annotations = metadata && isObject(metadata.annotations) ? metadata.annotations : undefined;
    const origin = parseOrigin(annotations?.[ORIGIN_ANNOTATION], buildDirRel) ?? { path: fallback };
    if (annotations && metadata && !options.keepOriginAnnotation) {
      delete annotations[ORIGIN_ANNOTATION];
      if (Object.keys(annotations).length === 0) delete metadata.annotations;
    }
    return { object, origin };
  });
}
