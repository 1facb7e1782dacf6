// Verifies a source artifact against its digest and unpacks it safely.
//
// The archive is untrusted input. Entries are checked before anything is written:
// absolute names, `..` components, device/fifo entries and unknown types are refused;
// symlinks must point inside the root; no entry may be written through a symlink (a link
// to `.` would otherwise let `link/../..` escape); hard links become copies of a regular
// file already extracted. Sizes are checked against the limits from each header, before
// the content is read. After extraction every symlink is resolved for real, which also
// catches chains of links that only escape together.
import { createHash } from 'node:crypto';
import {
  copyFile,
  lstat,
  mkdir,
  mkdtemp,
  readlink,
  realpath,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Parser, type ReadEntry } from 'tar';
import {
  ArchiveLimitError,
  type BuildProblemError,
  CorruptArchiveError,
  DigestMismatchError,
  InvalidDigestError,
  UnsafeArchiveEntryError,
} from './errors.js';
import { isInside } from './paths.js';

/** Limits applied while unpacking. */
export interface UnpackLimits {
  /** Sum of the uncompressed sizes of all regular files. Default 256 MiB. */
  maxTotalSize?: number;
  /** Number of entries of any type. Default 100 000. */
  maxFiles?: number;
}

export const DEFAULT_UNPACK_LIMITS: Required<UnpackLimits> = {
  maxTotalSize: 256 * 1024 * 1024,
  maxFiles: 100_000,
};

export interface UnpackOptions {
  /** `sha256:<hex>`; when given, the bytes are verified before anything is read. */
  digest?: string;
  limits?: UnpackLimits;
  /** Parent of the fresh directory; default the OS temp dir. */
  parentDir?: string;
}

export interface UnpackResult {
  /** Fresh directory holding the artifact's content; the caller removes it. */
  dir: string;
  /** Entries extracted (files, directories, links). */
  entries: number;
  /** Total uncompressed size of regular files. */
  totalSize: number;
}

const DIGEST_RE = /^sha256:([0-9a-f]{64})$/;

/** Throws DigestMismatchError unless `bytes` hash to `digest` (`sha256:<hex>`). */
export function verifyDigest(bytes: Uint8Array, digest: string): void {
  const match = DIGEST_RE.exec(digest.toLowerCase());
  if (!match) throw new InvalidDigestError(digest);
  const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  if (actual !== `sha256:${match[1]}`) throw new DigestMismatchError(digest, actual);
}

type Planned =
  | { kind: 'dir'; path: string }
  | { kind: 'file'; path: string; mode: number; data: Buffer }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'hardlink'; path: string; target: string };

/**
 * Normalises an entry name to a relative POSIX path, or throws. `''` means the root itself.
 */
export function normaliseEntryPath(name: string): string {
  if (name.includes('\0')) throw new UnsafeArchiveEntryError(name, 'name contains a NUL byte');
  const slashed = name.replaceAll('\\', '/');
  if (slashed.startsWith('/') || /^[a-zA-Z]:/.test(slashed)) {
    throw new UnsafeArchiveEntryError(name, 'absolute path');
  }
  const parts = slashed.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new UnsafeArchiveEntryError(name, "path contains '..'");
  return parts.join('/');
}

/** Reads every entry, validating as it goes; nothing touches the disk. */
async function planEntries(bytes: Uint8Array, limits: Required<UnpackLimits>): Promise<Planned[]> {
  const planned: Planned[] = [];
  const kinds = new Map<string, Planned['kind']>();
  let failure: BuildProblemError | Error | undefined;
  let count = 0;
  let total = 0;

  const fail = (err: BuildProblemError | Error, entry?: ReadEntry): void => {
    failure ??= err;
    entry?.resume();
  };

  /** Refuses entries below a symlink from this archive. */
  const checkNoSymlinkParent = (p: string, original: string): void => {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      const kind = kinds.get(prefix);
      if (kind === 'symlink') {
        throw new UnsafeArchiveEntryError(original, `path goes through symlink '${prefix}'`);
      }
      if (kind === 'file' || kind === 'hardlink') {
        throw new UnsafeArchiveEntryError(original, `parent '${prefix}' is not a directory`);
      }
    }
  };

  const parser = new Parser({
    strict: true,
    onwarn: (_code, message) => fail(new CorruptArchiveError(message)),
  });
  parser.on('entry', (entry: ReadEntry) => {
    if (failure) return void entry.resume();
    const original = entry.path;
    try {
      const p = normaliseEntryPath(original);
      count++;
      if (count > limits.maxFiles) throw new ArchiveLimitError(original, 'maxFiles', limits.maxFiles);
      if (p !== '') checkNoSymlinkParent(p, original);
      switch (entry.type) {
        case 'Directory':
        case 'GNUDumpDir': {
          if (p !== '') {
            if (kinds.has(p) && kinds.get(p) !== 'dir') {
              throw new UnsafeArchiveEntryError(original, 'directory replaces a non-directory entry');
            }
            planned.push({ kind: 'dir', path: p });
            kinds.set(p, 'dir');
          }
          entry.resume();
          return;
        }
        case 'File':
        case 'OldFile':
        case 'ContiguousFile': {
          if (p === '') throw new UnsafeArchiveEntryError(original, 'file entry names the root');
          if (kinds.get(p) === 'dir')
            throw new UnsafeArchiveEntryError(original, 'file replaces a directory');
          total += entry.size;
          if (total > limits.maxTotalSize) {
            throw new ArchiveLimitError(original, 'maxTotalSize', limits.maxTotalSize);
          }
          const chunks: Buffer[] = [];
          const mode = (entry.mode ?? 0o644) & 0o111 ? 0o755 : 0o644;
          // Planned now, filled when the content has been read: keeps archive order.
          const file: Planned = { kind: 'file', path: p, mode, data: Buffer.alloc(0) };
          planned.push(file);
          kinds.set(p, 'file');
          entry.on('data', (chunk: Buffer) => chunks.push(chunk));
          entry.on('end', () => {
            file.data = Buffer.concat(chunks);
          });
          return;
        }
        case 'SymbolicLink': {
          const target = entry.linkpath ?? '';
          if (p === '') throw new UnsafeArchiveEntryError(original, 'symlink entry names the root');
          if (target === '' || path.posix.isAbsolute(target) || /^[a-zA-Z]:/.test(target)) {
            throw new UnsafeArchiveEntryError(original, `symlink to absolute or empty target '${target}'`);
          }
          const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(p), target));
          if (resolved === '..' || resolved.startsWith('../')) {
            throw new UnsafeArchiveEntryError(original, `symlink target '${target}' is outside the root`);
          }
          if (kinds.get(p) === 'dir')
            throw new UnsafeArchiveEntryError(original, 'symlink replaces a directory');
          planned.push({ kind: 'symlink', path: p, target });
          kinds.set(p, 'symlink');
          entry.resume();
          return;
        }
        case 'Link': {
          const target = normaliseEntryPath(entry.linkpath ?? '');
          if (kinds.get(target) !== 'file') {
            throw new UnsafeArchiveEntryError(
              original,
              `hard link target '${entry.linkpath ?? ''}' is not a regular file earlier in the archive`,
            );
          }
          checkNoSymlinkParent(target, original);
          planned.push({ kind: 'hardlink', path: p, target });
          kinds.set(p, 'hardlink');
          entry.resume();
          return;
        }
        default:
          throw new UnsafeArchiveEntryError(original, `entries of type ${entry.type} are not allowed`);
      }
    } catch (err) {
      fail(err instanceof Error ? err : new Error(String(err)), entry);
    }
  });

  const done = new Promise<void>((resolve, reject) => {
    parser.on('end', () => resolve());
    parser.on('error', (err: Error) => reject(new CorruptArchiveError(err.message, { cause: err })));
  });
  done.catch(() => undefined); // awaited below unless we bail out first
  // Feed in slices so a failure stops the work early.
  const slice = 1024 * 1024;
  for (let offset = 0; offset < bytes.length && !failure; offset += slice) {
    parser.write(
      Buffer.from(bytes.buffer, bytes.byteOffset + offset, Math.min(slice, bytes.length - offset)),
    );
  }
  // On failure the parser is simply dropped: aborting it would decorate our error.
  if (failure) throw failure;
  parser.end();
  try {
    await done;
  } catch (err) {
    throw failure ?? err;
  }
  if (failure) throw failure;
  if (count === 0) throw new CorruptArchiveError('archive is empty or not a tar.gz');
  return planned;
}

async function writePlanned(dir: string, planned: Planned[]): Promise<void> {
  for (const item of planned) {
    const abs = path.join(dir, ...item.path.split('/'));
    if (!isInside(dir, abs)) throw new UnsafeArchiveEntryError(item.path, 'resolves outside the root');
    if (item.kind === 'dir') {
      await mkdir(abs, { recursive: true, mode: 0o755 });
      continue;
    }
    await mkdir(path.dirname(abs), { recursive: true, mode: 0o755 });
    // A later entry with the same name replaces the earlier one, as tar does; removing
    // first (and 'wx' below) means we never write through a pre-existing link.
    await rm(abs, { force: true });
    switch (item.kind) {
      case 'file':
        await writeFile(abs, item.data, { mode: item.mode, flag: 'wx' });
        break;
      case 'symlink':
        await symlink(item.target, abs);
        break;
      case 'hardlink':
        await copyFile(path.join(dir, ...item.target.split('/')), abs);
        break;
    }
  }
}

/** Resolves every extracted symlink for real; refuses any that lands outside `dir`. */
async function checkSymlinks(dir: string, planned: Planned[]): Promise<void> {
  const realRoot = await realpath(dir);
  for (const item of planned) {
    if (item.kind !== 'symlink') continue;
    const abs = path.join(dir, ...item.path.split('/'));
    let real: string;
    try {
      real = await realpath(abs);
    } catch {
      // Dangling (or a loop): resolve the target against the link's real parent.
      const parent = await realpath(path.dirname(abs));
      real = path.resolve(parent, await readlink(abs));
    }
    if (!isInside(realRoot, real)) {
      throw new UnsafeArchiveEntryError(
        item.path,
        `symlink target '${item.target}' resolves outside the root`,
      );
    }
  }
}

/**
 * Verifies `bytes` against `options.digest` (when given) and unpacks the tar.gz into a
 * fresh directory. On any failure the directory is removed and a typed error thrown.
 */
export async function unpackArtifact(bytes: Uint8Array, options: UnpackOptions = {}): Promise<UnpackResult> {
  if (options.digest !== undefined) verifyDigest(bytes, options.digest);
  const limits = { ...DEFAULT_UNPACK_LIMITS, ...definedOnly(options.limits) };
  const planned = await planEntries(bytes, limits);
  const dir = await mkdtemp(path.join(options.parentDir ?? tmpdir(), 'moor-artifact-'));
  try {
    await writePlanned(dir, planned);
    await checkSymlinks(dir, planned);
    const totalSize = planned.reduce((n, p) => n + (p.kind === 'file' ? p.data.length : 0), 0);
    // Sanity: the directory must still be a directory we own (not replaced by a link).
    if (!(await lstat(dir)).isDirectory()) throw new Error(`${dir} is no longer a directory`);
    return { dir, entries: planned.length, totalSize };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
