// The build stage of the kustomize controller, shared with `moor diff`: artifact in, validated
// objects out, nothing touches the cluster. Steps, each in its own module:
//
//   unpack.ts     verify the digest, unpack the tar.gz safely (or copy a given directory)
//   generate.ts   resolve spec.path, generate a kustomization if missing, write the overlay
//   preflight.ts  refuse references leaving the artifact, lint every listed manifest
//   kustomize.ts  run `kustomize build`, parse the output, read each object's origin
//   substitute.ts postBuild variable substitution
//   validate.ts   required fields and duplicates
//
// Problems are collected per stage and thrown together as one BuildError; a stage that
// fails stops the build since later stages would only report consequences.
import { cp, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BuildError, BuildProblemError, CorruptArchiveError } from './errors.js';
import { applyOverlay, ensureKustomization, type OverlaySpec, resolveTargetPath } from './generate.js';
import { type BuiltObject, parseBuildOutput, runKustomize } from './kustomize.js';
import { preflight } from './preflight.js';
import { type SubstitutionOptions, substituteObjects } from './substitute.js';
import { type UnpackLimits, unpackArtifact } from './unpack.js';
import { validateObjects } from './validate.js';

export * from './errors.js';
export type { Image, OverlaySpec, Patch, PatchTarget } from './generate.js';
export type { BuiltObject, ObjectOrigin } from './kustomize.js';
export type { SubstitutionOptions } from './substitute.js';
export type { UnpackLimits } from './unpack.js';
export { verifyDigest } from './unpack.js';

/** The artifact to build: a directory (copied, never modified) or tar.gz bytes. */
export type ArtifactInput = { dir: string } | { bytes: Uint8Array; digest: string };

export interface BuildOptions {
  artifact: ArtifactInput;
  /** `spec.path`, relative to the artifact root; default the root. */
  path?: string;
  /** Overlay fields of the Kustomization spec. */
  overlay?: OverlaySpec;
  /** `spec.postBuild`; when absent no substitution happens. */
  postBuild?: SubstitutionOptions;
  /** kustomize executable; default `kustomize` from PATH. */
  kustomizeBinary?: string;
  /** Timeout of `kustomize build`; default 120 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
  limits?: UnpackLimits & { maxOutputBytes?: number };
  /** Allow remote bases/components (fetched by kustomize). Default false. */
  allowRemoteBases?: boolean;
  /** Parent for the working directory; default the OS temp dir. */
  workDir?: string;
}

export interface BuildResult {
  /** The objects in kustomize's output order, each with its origin in the artifact. */
  objects: BuiltObject[];
  /** Whether a kustomization.yaml had to be generated at `path`. */
  generatedKustomization: boolean;
  /** Warnings kustomize printed (deprecations...). */
  warnings: string[];
}

async function prepareWorkspace(options: BuildOptions): Promise<string> {
  const parent = options.workDir ?? tmpdir();
  if ('bytes' in options.artifact) {
    const { dir } = await unpackArtifact(options.artifact.bytes, {
      digest: options.artifact.digest,
      ...(options.limits && { limits: options.limits }),
      parentDir: parent,
    });
    return dir;
  }
  const dir = await mkdtemp(path.join(parent, 'moor-artifact-'));
  try {
    // Symlinks are copied as links; preflight resolves them against the copy's root.
    await cp(options.artifact.dir, dir, { recursive: true, verbatimSymlinks: true, dereference: false });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw new CorruptArchiveError(`cannot copy artifact directory: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return dir;
}

function asBuildError(err: unknown): unknown {
  return err instanceof BuildProblemError ? new BuildError([err]) : err;
}

/**
 * Builds a Kustomization's artifact into objects. Throws BuildError (listing every
 * problem, each with file/object/field) when the input is at fault; other errors are
 * operational (disk, spawn).
 */
export async function build(options: BuildOptions): Promise<BuildResult> {
  let root: string;
  try {
    root = await realpath(await prepareWorkspace(options));
  } catch (err) {
    throw asBuildError(err);
  }
  try {
    const dir = await resolveTargetPath(root, options.path);

    const generated = await ensureKustomization(root, dir);
    if (generated.problems.length > 0) throw new BuildError(generated.problems);

    // Preflight before the overlay: problems point at the user's own files.
    const overlay = options.overlay ?? {};
    const pre = await preflight(root, dir, { allowRemoteBases: options.allowRemoteBases ?? false });
    if (pre.length > 0) throw new BuildError(pre);
    const { userRequestedOrigin } = await applyOverlay(root, generated.file, overlay);
    // Components named in the spec are new references: check them too.
    if (overlay.components && overlay.components.length > 0) {
      const again = await preflight(root, dir, { allowRemoteBases: options.allowRemoteBases ?? false });
      if (again.length > 0) throw new BuildError(again);
    }

    const output = await runKustomize({
      dir,
      root,
      ...(options.kustomizeBinary !== undefined && { binary: options.kustomizeBinary }),
      ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
      ...(options.signal && { signal: options.signal }),
      ...(options.limits?.maxOutputBytes !== undefined && { maxOutputBytes: options.limits.maxOutputBytes }),
    });
    let objects = parseBuildOutput(output.yaml, { root, dir, keepOriginAnnotation: userRequestedOrigin });

    if (options.postBuild) {
      const substituted = substituteObjects(objects, options.postBuild);
      if (substituted.problems.length > 0) throw new BuildError(substituted.problems);
      objects = substituted.objects;
    }

    const problems = validateObjects(objects.map((o) => ({ object: o.object, file: o.origin.path })));
    if (problems.length > 0) throw new BuildError(problems);

    return { objects, generatedKustomization: generated.generated, warnings: output.warnings };
  } catch (err) {
    throw asBuildError(err);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
export { buildOptionsFor } from './from-spec.js';
