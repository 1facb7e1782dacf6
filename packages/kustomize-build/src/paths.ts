// Path helpers shared by the build stages. Paths shown to users are relative to the
// artifact root with POSIX separators; paths used on disk are absolute.
import { realpath } from 'node:fs/promises';
import path from 'node:path';

/** True when `child` is `root` itself or below it (both absolute, lexically). */
export function isInside(root: string, child: string): boolean {
  const rel = path.relative(root, child);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

/** `abs` relative to `root`, POSIX separators, `.` for the root itself. */
export function repoPath(root: string, abs: string): string {
  const rel = path.relative(root, abs).split(path.sep).join('/');
  return rel === '' ? '.' : rel;
}

/**
 * Resolves a user-supplied relative path (spec.path, a kustomization reference) against
 * `base`, refusing absolute paths and anything that leaves `root` lexically. Returns the
 * absolute path, or a reason it was refused.
 */
export function resolveRelative(
  root: string,
  base: string,
  userPath: string,
): { ok: true; abs: string } | { ok: false; reason: string } {
  if (userPath.includes('\0')) return { ok: false, reason: 'contains a NUL byte' };
  if (path.posix.isAbsolute(userPath) || path.win32.isAbsolute(userPath)) {
    return { ok: false, reason: 'absolute paths are not allowed' };
  }
  const abs = path.resolve(base, userPath);
  if (!isInside(root, abs)) return { ok: false, reason: 'points outside the artifact root' };
  return { ok: true, abs };
}

/**
 * The real path of `abs` if it exists, after checking that it (following every symlink)
 * stays inside `realRoot`. `undefined` when `abs` does not exist.
 */
export async function realpathInside(
  realRoot: string,
  abs: string,
): Promise<{ ok: true; real: string | undefined } | { ok: false; reason: string }> {
  let real: string;
  try {
    real = await realpath(abs);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return { ok: true, real: undefined };
    throw err;
  }
  if (!isInside(realRoot, real)) {
    return { ok: false, reason: 'resolves (through a symlink) outside the artifact root' };
  }
  return { ok: true, real };
}

/** Narrowing helper for Node's system errors. */
export function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}
