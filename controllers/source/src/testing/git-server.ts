// Test fixture: the sandbox's Git smart-HTTP server (hack/lib/sandbox/git-server.ts, which
// wraps `git http-backend`) on a free port with a temporary root, plus helpers that build
// repositories with the git CLI. Readiness is polled on /healthz against a deadline.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVER_SCRIPT = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../../hack/lib/sandbox/git-server.ts',
);

/** Environment that makes git deterministic and independent of the user's config. */
export const GIT_ENV: Record<string, string> = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Moor Test',
  GIT_AUTHOR_EMAIL: 'test@moor.invalid',
  GIT_COMMITTER_NAME: 'Moor Test',
  GIT_COMMITTER_EMAIL: 'test@moor.invalid',
  GIT_AUTHOR_DATE: '2024-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2024-01-01T00:00:00Z',
};

/** Runs git in `cwd` and returns its trimmed stdout. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    env: { ...process.env, ...GIT_ENV },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
  }).trim();
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? res(addr.port) : rej(new Error('no port'))));
    });
  });
}

/** File content for `writeTree`: a string, or an executable / symlink. */
export type FixtureFile = string | { content: string; executable: true } | { symlink: string };

/** Writes files (relative path → content) into a working tree. */
export function writeTree(dir: string, files: Readonly<Record<string, FixtureFile>>): void {
  for (const [path, spec] of Object.entries(files)) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    rmSync(full, { force: true });
    if (typeof spec === 'string') writeFileSync(full, spec);
    else if ('symlink' in spec) symlinkSync(spec.symlink, full);
    else {
      writeFileSync(full, spec.content);
      chmodSync(full, 0o755);
    }
  }
}

/** A running server and the directory of its bare repositories. */
export class GitServer {
  private constructor(
    readonly root: string,
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly work: string,
  ) {}

  /** Starts the server and waits (deadline `timeoutMs`) until /healthz answers 200. */
  static async start(timeoutMs = 15_000): Promise<GitServer> {
    const base = mkdtempSync(join(tmpdir(), 'moor-git-'));
    const root = join(base, 'repos');
    const work = join(base, 'work');
    mkdirSync(root);
    mkdirSync(work);
    const port = await freePort();
    const child = spawn(process.execPath, [SERVER_SCRIPT, String(port), root], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const server = new GitServer(root, port, child, work);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`git server exited ${child.exitCode}: ${stderr}`);
      try {
        const res = await fetch(`${server.baseUrl}/healthz`, { signal: AbortSignal.timeout(1000) });
        if (res.ok) return server;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await server.stop();
        throw new Error(`git server not healthy within ${timeoutMs} ms: ${stderr}`);
      }
      await new Promise<void>((r) => setImmediate(r));
    }
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  url(name: string): string {
    return `${this.baseUrl}/${name}.git`;
  }

  /** Stops the server and removes every repository. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(dirname(this.root), { recursive: true, force: true });
  }

  /**
   * Creates bare repository `name` with a first commit of `files` on `branch` and returns a
   * working clone (pushes with `commit`).
   */
  createRepo(name: string, files: Readonly<Record<string, FixtureFile>>, branch = 'main'): Repo {
    const bare = join(this.root, `${name}.git`);
    git(this.root, 'init', '--quiet', '--bare', `--initial-branch=${branch}`, bare);
    const dir = join(this.work, name);
    mkdirSync(dir);
    git(dir, 'init', '--quiet', `--initial-branch=${branch}`);
    git(dir, 'remote', 'add', 'origin', bare);
    const repo = new Repo(dir, bare, branch);
    repo.commit(files, 'initial');
    return repo;
  }

  /** Protects repository `name` with basic or bearer auth. */
  protect(name: string, auth: { basic: { username: string; password: string } } | { bearer: string }): void {
    writeFileSync(join(this.root, `${name}.git`, 'moor-auth.json'), JSON.stringify(auth));
  }
}

/** A working clone of a served repository. */
export class Repo {
  constructor(
    readonly dir: string,
    readonly bare: string,
    private branch: string,
  ) {}

  /** Writes `files`, removes `remove`, commits everything on the current branch and pushes; returns the sha. */
  commit(
    files: Readonly<Record<string, FixtureFile>>,
    message: string,
    remove: readonly string[] = [],
  ): string {
    writeTree(this.dir, files);
    for (const path of remove) rmSync(join(this.dir, path), { force: true });
    git(this.dir, 'add', '--all');
    git(this.dir, 'commit', '--quiet', '--allow-empty', '-m', message);
    git(this.dir, 'push', '--quiet', 'origin', `HEAD:refs/heads/${this.branch}`);
    return this.head();
  }

  head(): string {
    return git(this.dir, 'rev-parse', 'HEAD');
  }

  checkout(branch: string, create = false): void {
    git(this.dir, 'checkout', '--quiet', ...(create ? ['-b'] : []), branch);
    this.branch = branch;
  }

  /** Creates a lightweight tag, or an annotated one with a message, and pushes it. */
  tag(name: string, annotated?: string): void {
    if (annotated) git(this.dir, 'tag', '-a', name, '-m', annotated);
    else git(this.dir, 'tag', name);
    git(this.dir, 'push', '--quiet', 'origin', `refs/tags/${name}`);
  }

  /** Pushes HEAD to an arbitrary ref, e.g. refs/pull/1/head. */
  pushRef(ref: string): void {
    git(this.dir, 'push', '--quiet', 'origin', `HEAD:${ref}`);
  }
}
