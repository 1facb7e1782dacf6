// Where `moor diff --path DIR` builds from. DIR is the directory the Kustomization's spec.path
// names, in a local checkout (as `flux diff ks --path`). The artifact root is the enclosing Git
// working tree (the nearest ancestor holding .git), so bases and components outside DIR
// (`../base`) resolve, and a reference leaving the repository is refused as the controller
// refuses it; outside a Git working tree DIR itself is the root. The tree is copied without
// .git, as the source controller's artifact has none.
import { cp, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CliError, UsageError } from '../../errors.js';

export interface Checkout {
  /** The artifact root (absolute). */
  root: string;
  /** DIR relative to the root, POSIX separators; '.' when DIR is the root. */
  path: string;
  /** Whether the root is a Git working tree (else it is DIR itself). */
  git: boolean;
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

/** Resolves --path against the working directory and finds its artifact root. */
export async function resolveCheckout(dir: string, cwd = process.cwd()): Promise<Checkout> {
  const abs = path.resolve(cwd, dir);
  const st = await stat(abs).catch(() => undefined);
  if (!st) throw new UsageError(`--path ${dir}: no such directory`);
  if (!st.isDirectory()) throw new UsageError(`--path ${dir}: not a directory`);
  let root = abs;
  let git = false;
  for (let d = abs; ; d = path.dirname(d)) {
    if (await exists(path.join(d, '.git'))) {
      root = d;
      git = true;
      break;
    }
    if (path.dirname(d) === d) break;
  }
  const rel = path.relative(root, abs).split(path.sep).join('/');
  return { root, path: rel === '' ? '.' : rel, git };
}

/** A copy of the checkout without .git directories, in a temp dir the caller removes. */
export async function copyCheckout(root: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'moor-diff-'));
  try {
    await cp(root, dir, {
      recursive: true,
      verbatimSymlinks: true,
      dereference: false,
      filter: (src) => path.basename(src) !== '.git',
    });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw new CliError(`cannot copy ${root}: ${(err as Error).message}`);
  }
  return dir;
}

/** spec.path as the controller resolves it: relative to the root, './' and '/' trimmed. */
export function normalizeSpecPath(specPath: string | undefined): string {
  const p = path.posix.normalize((specPath ?? '').replace(/^\/+/, '') || '.');
  return p.replace(/\/+$/, '') || '.';
}
