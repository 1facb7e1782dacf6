// Artifact storage layout, atomic writes and garbage collection. Layout (as in Flux):
//   <root>/<kind>/<namespace>/<name>/<sha>.tar.gz   e.g. gitrepository/default/podinfo/0a1b….tar.gz
// Writes go to a temp file in the same directory and are renamed into place, so a reader
// (the artifact HTTP server) never sees a partial archive.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Size and digest of a written file. */
export interface WrittenFile {
  /** `sha256:<hex>` of the bytes written. */
  digest: string;
  size: number;
}

const SEGMENT = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

function checkSegment(what: string, value: string): string {
  if (!SEGMENT.test(value) || value.length > 253) throw new Error(`invalid ${what} ${JSON.stringify(value)}`);
  return value;
}

/** Relative path of an artifact: `<kind>/<namespace>/<name>/<sha>.tar.gz` (kind lower-cased). */
export function artifactPath(kind: string, namespace: string, name: string, sha: string): string {
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha))
    throw new Error(`invalid revision sha ${JSON.stringify(sha)}`);
  return [
    checkSegment('kind', kind.toLowerCase()),
    checkSegment('namespace', namespace),
    checkSegment('name', name),
    `${sha}.tar.gz`,
  ].join('/');
}

/** Resolves `rel` under `root`, refusing paths that escape it. */
export function resolveUnder(root: string, rel: string): string {
  const full = join(root, rel);
  const back = relative(root, full);
  if (back === '' || back.startsWith('..') || back.split(sep).includes('..')) {
    throw new Error(`path ${JSON.stringify(rel)} escapes the storage root`);
  }
  return full;
}

/**
 * Streams `source` (through `transforms`, e.g. gzip) into `path` atomically, hashing the bytes
 * that reach the file. On failure the temp file is removed and `path` is untouched.
 */
export async function writeFileAtomic(
  path: string,
  source: Readable | AsyncIterable<Buffer>,
  transforms: readonly Transform[] = [],
): Promise<WrittenFile> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  try {
    const input = source instanceof Readable ? source : Readable.from(source);
    await pipeline([input, ...transforms, meter, createWriteStream(tmp, { flush: true })]);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

/** Garbage-collection policy for one object's artifact directory. */
export interface GcPolicy {
  /** Keep at most this many archives (newest by mtime), the current one included. */
  keep?: number;
  /** Delete archives older than this; the current one is never deleted. */
  ttlMs?: number;
  /** Clock, for tests. */
  now?: number;
}

/**
 * Deletes old archives (`*.tar.gz`) and stale temp files in `dir`, never `current` (a file
 * name or path). Returns the deleted paths, oldest first.
 */
export async function garbageCollect(dir: string, current: string, policy: GcPolicy): Promise<string[]> {
  const now = policy.now ?? Date.now();
  const currentName = basename(current);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const files: { path: string; mtime: number; name: string }[] = [];
  for (const name of names) {
    if (name === currentName) continue;
    const isTemp = name.startsWith('.') && name.endsWith('.tmp');
    if (!name.endsWith('.tar.gz') && !isTemp) continue;
    const path = join(dir, name);
    try {
      const st = await stat(path);
      if (!st.isFile()) continue;
      files.push({ path, mtime: st.mtimeMs, name });
    } catch {
      // deleted concurrently
    }
  }
  // Newest first; name breaks ties so the order is deterministic.
  files.sort((a, b) => b.mtime - a.mtime || (a.name < b.name ? -1 : 1));
  const doomed = new Set<string>();
  const keepOthers = policy.keep === undefined ? Number.POSITIVE_INFINITY : Math.max(0, policy.keep - 1);
  let kept = 0;
  for (const f of files) {
    const isTemp = f.name.endsWith('.tmp');
    const expired = policy.ttlMs !== undefined && now - f.mtime > policy.ttlMs;
    // Temp files are only collected once they are clearly abandoned.
    if (isTemp) {
      if (now - f.mtime > (policy.ttlMs ?? 3_600_000)) doomed.add(f.path);
      continue;
    }
    if (expired || kept >= keepOthers) doomed.add(f.path);
    else kept++;
  }
  const removed = files.filter((f) => doomed.has(f.path)).reverse();
  for (const f of removed) await rm(f.path, { force: true });
  return removed.map((f) => f.path);
}
