// spec.include: another GitRepository's artifact copied into this one under `toPath`. The
// included artifact is downloaded from its URL (it may belong to another shard) and checked
// against its digest; its files from `fromPath` land at `toPath` (default: its name).
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { GitRepository, GitRepositoryArtifact, GitRepositoryInclude } from '@moor/api';
import { isNotFound, type ResourceClient, RetryableError, StallingError } from '@moor/runtime';
import { Parser, type ReadEntry } from 'tar';
import type { ExtraFile } from './artifact/index.js';

export const IncludeUnavailableReason = 'IncludeUnavailable';

/** The files of one of our own tar.gz artifacts. */
export async function readArchive(targz: Buffer): Promise<ExtraFile[]> {
  const files: ExtraFile[] = [];
  const parser = new Parser({
    onReadEntry: (entry: ReadEntry) => {
      const path = entry.path.replace(/^\.\//, '');
      if (entry.type === 'SymbolicLink') {
        files.push({ path, type: 'symlink', mode: 0o777, data: Buffer.from(entry.linkpath ?? '') });
        entry.resume();
      } else if (entry.type === 'File' || entry.type === 'OldFile') {
        const chunks: Buffer[] = [];
        entry.on('data', (c: Buffer) => chunks.push(c));
        entry.on('end', () =>
          files.push({
            path,
            type: 'file',
            mode: (entry.mode ?? 0o644) & 0o111 ? 0o755 : 0o644,
            data: Buffer.concat(chunks),
          }),
        );
      } else entry.resume();
    },
  });
  await pipeline(Readable.from([targz]), createGunzip(), parser);
  return files;
}

function clean(path: string | undefined, field: string): string {
  const p = posix.normalize((path ?? '').replace(/^\.?\/+/, '')).replace(/\/+$/, '');
  if (p === '.' || p === '') return '';
  if (p.startsWith('..') || posix.isAbsolute(p))
    throw new StallingError(`${field}: "${path}" leaves the artifact`, { reason: 'InvalidSpec' });
  return p;
}

/** The files under `fromPath`, moved to `toPath`. */
export function relocate(
  files: readonly ExtraFile[],
  include: GitRepositoryInclude,
  index: number,
): ExtraFile[] {
  const from = clean(include.fromPath, `spec.include[${index}].fromPath`);
  const to = clean(include.toPath ?? include.repository.name, `spec.include[${index}].toPath`);
  const out: ExtraFile[] = [];
  for (const f of files) {
    if (from && f.path !== from && !f.path.startsWith(`${from}/`)) continue;
    const rest = from ? f.path.slice(from.length).replace(/^\//, '') : f.path;
    out.push({ ...f, path: to ? (rest ? `${to}/${rest}` : to) : rest });
  }
  return out;
}

export interface CurrentInclude {
  include: GitRepositoryInclude;
  index: number;
  artifact: GitRepositoryArtifact & { digest: string };
}

/** The artifact each include points at now; cheap (reads objects, downloads nothing). */
export async function currentIncludes(
  repo: GitRepository,
  client: ResourceClient<GitRepository>,
): Promise<CurrentInclude[]> {
  const namespace = repo.metadata.namespace as string;
  const out: CurrentInclude[] = [];
  for (const [index, include] of (repo.spec.include ?? []).entries()) {
    const field = `spec.include[${index}]`;
    const name = include.repository.name;
    if (name === repo.metadata.name)
      throw new StallingError(`${field}: a GitRepository cannot include itself`, { reason: 'InvalidSpec' });
    let included: GitRepository;
    try {
      included = await client.get(namespace, name);
    } catch (err) {
      if (isNotFound(err)) {
        throw new RetryableError(`${field}: GitRepository ${namespace}/${name} not found`, {
          reason: IncludeUnavailableReason,
        });
      }
      throw err;
    }
    const artifact = included.status?.artifact;
    if (!artifact?.digest) {
      throw new RetryableError(`${field}: GitRepository ${namespace}/${name} has no artifact yet`, {
        reason: IncludeUnavailableReason,
      });
    }
    out.push({ include, index, artifact: { ...artifact, digest: artifact.digest } });
  }
  return out;
}

/** Downloads the included artifacts, checks their digests, and returns their files at their toPath. */
export async function downloadIncludes(
  includes: readonly CurrentInclude[],
  signal?: AbortSignal,
): Promise<ExtraFile[]> {
  const files: ExtraFile[] = [];
  for (const { include, index, artifact } of includes) {
    const what = `spec.include[${index}]: the artifact of GitRepository ${include.repository.name}`;
    const res = await fetch(artifact.url, signal ? { signal } : {}).catch((err: unknown) => {
      throw new RetryableError(`${what} cannot be downloaded: ${(err as Error).message}`, {
        reason: IncludeUnavailableReason,
        cause: err,
      });
    });
    if (!res.ok)
      throw new RetryableError(`${what} answered HTTP ${res.status}`, { reason: IncludeUnavailableReason });
    const body = Buffer.from(await res.arrayBuffer());
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    if (digest !== artifact.digest) {
      throw new RetryableError(`${what} has digest ${digest}, expected ${artifact.digest}`, {
        reason: IncludeUnavailableReason,
      });
    }
    files.push(...relocate(await readArchive(body), include, index));
  }
  return files;
}
