// Packages the tree of a fetched commit as a reproducible tar.gz, without a checkout: the
// tree is walked from the object store, exclusions applied, entries sorted by path, and each
// blob streamed into the archive. Same tree (and same exclusion rules) → byte-identical
// archive and digest: fixed mtime/uid/gid, empty owner names, modes normalised to
// 0644/0755, symlinks kept as symlinks, submodules (gitlinks) skipped, and gzip from
// node:zlib, whose header carries no timestamp or file name.
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { ObjectStore } from '../git/object-store.js';
import { ExclusionMatcher, type IgnoreScope, SOURCE_IGNORE_FILE } from './exclusions.js';
import { writeFileAtomic } from './storage.js';
import { encodeHeader, padding, type TarEntry, trailer } from './tar.js';

/** An entry selected for the archive. */
export interface TreeFile {
  path: string;
  type: 'file' | 'symlink';
  mode: number;
  oid: string;
}

/** What `packageCommit` produced. */
export interface ArtifactInfo {
  /** `sha256:<hex>` of the .tar.gz. */
  digest: string;
  /** Size of the .tar.gz in bytes. */
  size: number;
  /** Number of entries in the archive (regular files and symlinks). */
  fileCount: number;
}

export interface PackageOptions {
  /** Bare object store holding the commit (see fetchRevision), or an opened ObjectStore. */
  gitdir: string | ObjectStore;
  /** Commit (or annotated tag) whose tree is packaged. */
  commit: string;
  /** Absolute destination path of the .tar.gz; written atomically. */
  destination: string;
  /** `spec.ignore`: gitignore-style rules applied on top of defaults and .sourceignore files. */
  ignore?: string;
  /** gzip level; default 6 (like `gzip`/`tar czf`). */
  level?: number;
  /** Entries from elsewhere (spec.include); they replace tree entries of the same path. */
  extra?: readonly ExtraFile[];
}

/** An archive entry whose content is already in memory (an included artifact's file). */
export interface ExtraFile {
  path: string;
  type: 'file' | 'symlink';
  mode: number;
  /** File content; for a symlink, its target. */
  data: Buffer;
}

type Entry = { kind: 'tree'; file: TreeFile } | { kind: 'extra'; file: ExtraFile };

const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** Tree files and extra files in one path-sorted list; an extra file wins over a tree file of the same path. */
function mergeEntries(files: readonly TreeFile[], extra: readonly ExtraFile[]): Entry[] {
  const merged = new Map<string, Entry>();
  for (const f of files) merged.set(f.path, { kind: 'tree', file: f });
  for (const f of extra) merged.set(f.path, { kind: 'extra', file: f });
  return [...merged.values()].sort((a, b) => byPath(a.file, b.file));
}

const MODE_TREE = 0o040000;
const MODE_GITLINK = 0o160000;
const MODE_SYMLINK = 0o120000;
const MODE_EXEC = 0o100755;

/** Walks the commit's tree and returns the entries to archive, sorted by path. */
export async function selectFiles(
  store: ObjectStore,
  commit: string,
  specIgnore?: string,
): Promise<TreeFile[]> {
  const matcher = new ExclusionMatcher(specIgnore);
  const files: TreeFile[] = [];
  const walk = async (treeOid: string, dir: string, scopes: readonly IgnoreScope[]): Promise<void> => {
    const entries = await store.readTree(treeOid);
    const ignoreFile = entries.find((e) => e.name === SOURCE_IGNORE_FILE && (e.mode & 0o170000) === 0o100000);
    if (ignoreFile) {
      const content = (await store.readTyped(ignoreFile.oid, 'blob')).toString('utf8');
      scopes = [...scopes, ExclusionMatcher.scope(dir, content)];
    }
    for (const e of entries) {
      const path = dir + e.name;
      if (e.mode === MODE_GITLINK) continue;
      if (e.mode === MODE_TREE) {
        if (!matcher.excluded(`${path}/`, scopes)) await walk(e.oid, `${path}/`, scopes);
        continue;
      }
      if (matcher.excluded(path, scopes)) continue;
      if (e.mode === MODE_SYMLINK) files.push({ path, type: 'symlink', mode: 0o777, oid: e.oid });
      else files.push({ path, type: 'file', mode: e.mode === MODE_EXEC ? 0o755 : 0o644, oid: e.oid });
    }
  };
  const root = await store.commitTree(await store.peelToCommit(commit));
  await walk(root, '', []);
  return files.sort(byPath);
}

/** The uncompressed tar stream of `files`, in ~1 MiB chunks. */
export async function* tarStream(
  store: ObjectStore,
  files: readonly TreeFile[],
  extra: readonly ExtraFile[] = [],
): AsyncGenerator<Buffer> {
  const CHUNK = 1 << 20;
  let parts: Buffer[] = [];
  let pending = 0;
  const push = (b: Buffer): void => {
    if (b.length === 0) return;
    parts.push(b);
    pending += b.length;
  };
  for (const entry of extra.length > 0
    ? mergeEntries(files, extra)
    : files.map((file) => ({ kind: 'tree' as const, file }))) {
    const f = entry.file;
    const blob = entry.kind === 'tree' ? await store.readTyped(entry.file.oid, 'blob') : entry.file.data;
    const header: TarEntry =
      f.type === 'symlink'
        ? { path: f.path, type: 'symlink', mode: f.mode, size: 0, linkname: blob.toString('utf8') }
        : { path: f.path, type: 'file', mode: f.mode, size: blob.length };
    for (const h of encodeHeader(header)) push(h);
    if (f.type === 'file') {
      push(blob);
      push(padding(blob.length));
    }
    if (pending >= CHUNK) {
      yield Buffer.concat(parts, pending);
      parts = [];
      pending = 0;
    }
  }
  push(trailer());
  yield Buffer.concat(parts, pending);
}

/** Packages the commit's tree into `destination` (atomic) and returns its digest and size. */
export async function packageCommit(options: PackageOptions): Promise<ArtifactInfo> {
  const store = typeof options.gitdir === 'string' ? await ObjectStore.open(options.gitdir) : options.gitdir;
  const files = await selectFiles(store, options.commit, options.ignore);
  const extra = options.extra ?? [];
  const written = await writeFileAtomic(options.destination, Readable.from(tarStream(store, files, extra)), [
    createGzip({ level: options.level ?? 6 }),
  ]);
  const fileCount = extra.length > 0 ? mergeEntries(files, extra).length : files.length;
  return { digest: written.digest, size: written.size, fileCount };
}
