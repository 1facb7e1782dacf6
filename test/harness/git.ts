// Git repositories for tests, served by the sandbox's smart-HTTP server: a bare repository
// created under MOOR_GIT_ROOT, and a work tree whose commits are pushed over HTTP, exactly as
// a developer would push.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll } from 'vitest';
import { sandboxEnv } from './env.js';
import { uniqueName } from './kube.js';

const run = promisify(execFile);

export type RepoAuth = { basic: { username: string; password: string } } | { bearer: string };

async function git(cwd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run('git', args, {
      cwd,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'Moor Test',
        GIT_AUTHOR_EMAIL: 'test@moor.dev',
        GIT_COMMITTER_NAME: 'Moor Test',
        GIT_COMMITTER_EMAIL: 'test@moor.dev',
        GIT_TERMINAL_PROMPT: '0',
      },
    });
    return stdout.trim();
  } catch (err) {
    const e = err as { stderr?: string };
    throw new Error(`git ${args.join(' ')} in ${cwd} failed: ${e.stderr?.trim()}`, { cause: err });
  }
}

export class TestRepo {
  readonly name: string;
  /** The clone URL, http://127.0.0.1:PORT/NAME.git. */
  readonly url: string;
  readonly bareDir: string;
  readonly workDir: string;
  private auth: RepoAuth | undefined;

  constructor(name: string) {
    const env = sandboxEnv();
    this.name = name;
    this.url = `${env.MOOR_GIT_URL}/${name}.git`;
    this.bareDir = join(env.MOOR_GIT_ROOT, `${name}.git`);
    this.workDir = mkdtempSync(join(tmpdir(), `moor-repo-${name}-`));
  }

  async init(branch = 'main'): Promise<this> {
    mkdirSync(this.bareDir, { recursive: true });
    await git(this.bareDir, ['init', '--bare', `--initial-branch=${branch}`]);
    await git(this.workDir, ['init', `--initial-branch=${branch}`]);
    await git(this.workDir, ['remote', 'add', 'origin', this.url]);
    return this;
  }

  /** From now on the server demands these credentials; pushes from this work tree send them. */
  requireAuth(auth: RepoAuth): void {
    writeFileSync(join(this.bareDir, 'moor-auth.json'), JSON.stringify(auth));
    this.auth = auth;
  }

  private authArgs(): string[] {
    if (!this.auth) return [];
    const header =
      'bearer' in this.auth
        ? `Authorization: Bearer ${this.auth.bearer}`
        : `Authorization: Basic ${Buffer.from(`${this.auth.basic.username}:${this.auth.basic.password}`).toString('base64')}`;
    return ['-c', `http.extraHeader=${header}`];
  }

  write(files: Record<string, string>): this {
    for (const [path, content] of Object.entries(files)) {
      const full = join(this.workDir, path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
    }
    return this;
  }

  remove(...paths: string[]): this {
    for (const p of paths) rmSync(join(this.workDir, p), { recursive: true, force: true });
    return this;
  }

  /** Commits everything in the work tree; returns the commit SHA. */
  async commit(message: string): Promise<string> {
    await git(this.workDir, ['add', '--all']);
    await git(this.workDir, ['commit', '--quiet', '--allow-empty', '-m', message]);
    return git(this.workDir, ['rev-parse', 'HEAD']);
  }

  async tag(name: string, annotated = false): Promise<void> {
    await git(this.workDir, annotated ? ['tag', '-a', name, '-m', name] : ['tag', name]);
  }

  /** The SHA of the work tree's HEAD. */
  head(): Promise<string> {
    return git(this.workDir, ['rev-parse', 'HEAD']);
  }

  async revert(sha: string): Promise<string> {
    await git(this.workDir, ['revert', '--no-edit', sha]);
    return git(this.workDir, ['rev-parse', 'HEAD']);
  }

  async push(ref = 'HEAD'): Promise<void> {
    const branch = await git(this.workDir, ['rev-parse', '--abbrev-ref', 'HEAD']);
    await git(this.workDir, [
      ...this.authArgs(),
      'push',
      '--quiet',
      '--tags',
      'origin',
      ref === 'HEAD' ? branch : ref,
    ]);
  }

  /** Writes, commits and pushes in one step; returns the commit SHA. */
  async commitAndPush(files: Record<string, string>, message = 'update'): Promise<string> {
    this.write(files);
    const sha = await this.commit(message);
    await this.push();
    return sha;
  }

  dispose(): void {
    rmSync(this.workDir, { recursive: true, force: true });
    rmSync(this.bareDir, { recursive: true, force: true });
  }
}

/** A repository with an initial commit of `files`, pushed; removed after the file's tests. */
export async function createRepo(prefix: string, files: Record<string, string>): Promise<TestRepo> {
  const repo = await new TestRepo(uniqueName(prefix)).init();
  afterAll(() => repo.dispose());
  await repo.commitAndPush(files, 'initial commit');
  return repo;
}
