import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { list, type ReadEntry } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchRevision } from '../git/remote.js';
import { GitServer, type Repo } from '../testing/git-server.js';
import { packageCommit } from './package.js';

interface Listed {
  path: string;
  type: string;
  mode: number | undefined;
  size: number;
  linkpath: string | undefined;
  mtime: number | undefined;
  uid: number | undefined;
  gid: number | undefined;
  uname: string | undefined;
  content: string;
}

async function entries(file: string): Promise<Listed[]> {
  const out: Listed[] = [];
  await list({
    file,
    onReadEntry: (e: ReadEntry) => {
      const chunks: Buffer[] = [];
      e.on('data', (c: Buffer) => chunks.push(c));
      e.on('end', () => {
        out.push({
          path: e.path,
          type: e.type,
          mode: e.mode,
          size: e.size,
          linkpath: e.linkpath,
          mtime: e.mtime?.getTime(),
          uid: e.uid,
          gid: e.gid,
          uname: e.uname,
          content: Buffer.concat(chunks).toString('utf8'),
        });
      });
    },
  });
  return out;
}

let server: GitServer;
let repo: Repo;
let scratch: string;
let n = 0;
const longPath = `${'deep/'.repeat(30)}a-file-with-a-rather-long-name-${'x'.repeat(90)}.yaml`;

beforeAll(async () => {
  server = await GitServer.start();
  scratch = mkdtempSync(join(tmpdir(), 'moor-package-'));
  repo = server.createRepo('site', {
    'kustomization.yaml': 'resources: [app.yaml]\n',
    'app.yaml': 'kind: ConfigMap\n',
    'bin/run.sh': { content: '#!/bin/sh\necho hi\n', executable: true },
    'link.yaml': { symlink: 'app.yaml' },
    'logo.png': 'png',
    '.gitignore': 'tmp/\n',
    '.github/workflows/ci.yml': 'on: push\n',
    'nested/.sops.yaml': 'creation_rules: []\n',
    'docs/.sourceignore': '*.md\n!keep.md\n',
    'docs/guide.md': '# guide\n',
    'docs/keep.md': '# keep\n',
    'docs/page.txt': 'page\n',
    'other/guide.md': '# other\n',
    'secret/token.txt': 'x\n',
    'drafts/a.yaml': 'a\n',
    [longPath]: 'long\n',
  });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

async function build(options: { ignore?: string; gitdir?: string } = {}) {
  const gitdir = options.gitdir ?? join(scratch, `store-${n++}`);
  const fetched = await fetchRevision({ url: server.url('site'), gitdir });
  const destination = join(scratch, `out-${n++}`, `${fetched.commit}.tar.gz`);
  const info = await packageCommit({
    gitdir,
    commit: fetched.commit,
    destination,
    ...(options.ignore !== undefined ? { ignore: options.ignore } : {}),
  });
  return { info, destination, commit: fetched.commit };
}

describe('packageCommit', () => {
  it('archives the tree with normalised, reproducible headers', async () => {
    const { info, destination } = await build();
    const listed = await entries(destination);
    const paths = listed.map((e) => e.path);
    expect(paths).toEqual([...paths].sort());
    expect(info.fileCount).toBe(listed.length);
    expect(info.size).toBe(readFileSync(destination).length);
    expect(info.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    for (const e of listed) {
      expect(e).toMatchObject({ mtime: 0, uid: 0, gid: 0 });
      expect(e.uname ?? '').toBe('');
    }
    // gzip header: MTIME (bytes 4-7) is zero
    expect(readFileSync(destination).readUInt32LE(4)).toBe(0);
  });

  it('keeps the executable bit and symlinks', async () => {
    const listed = await entries((await build()).destination);
    const byPath = new Map(listed.map((e) => [e.path, e]));
    expect(byPath.get('bin/run.sh')).toMatchObject({
      type: 'File',
      mode: 0o755,
      content: '#!/bin/sh\necho hi\n',
    });
    expect(byPath.get('app.yaml')).toMatchObject({ type: 'File', mode: 0o644, content: 'kind: ConfigMap\n' });
    expect(byPath.get('link.yaml')).toMatchObject({ type: 'SymbolicLink', linkpath: 'app.yaml' });
    expect(byPath.get(longPath)).toMatchObject({ type: 'File', content: 'long\n' });
  });

  it("applies Flux's default exclusions and scoped .sourceignore files", async () => {
    const paths = (await entries((await build()).destination)).map((e) => e.path);
    expect(paths).not.toContain('.gitignore');
    expect(paths).not.toContain('logo.png');
    expect(paths).not.toContain('.github/workflows/ci.yml');
    expect(paths).not.toContain('nested/.sops.yaml');
    // docs/.sourceignore applies to docs/ only, with its negation
    expect(paths).not.toContain('docs/guide.md');
    expect(paths).toContain('docs/keep.md');
    expect(paths).toContain('docs/page.txt');
    expect(paths).toContain('docs/.sourceignore');
    expect(paths).toContain('other/guide.md');
  });

  it('applies spec.ignore on top of the defaults, with negations', async () => {
    const { destination } = await build({ ignore: 'secret/\n/drafts\n!logo.png\n' });
    const paths = (await entries(destination)).map((e) => e.path);
    expect(paths).not.toContain('secret/token.txt');
    expect(paths).not.toContain('drafts/a.yaml');
    expect(paths).toContain('logo.png');
    expect(paths).not.toContain('.gitignore');
  });

  it('produces the same bytes for the same tree, across packagings and separate fetches', async () => {
    const gitdir = join(scratch, 'shared-store');
    const a = await build({ gitdir });
    const b = await build({ gitdir });
    const c = await build();
    expect(b.info.digest).toBe(a.info.digest);
    expect(c.info.digest).toBe(a.info.digest);
    expect(readFileSync(c.destination).equals(readFileSync(a.destination))).toBe(true);
  });

  it('produces a different digest when a file changes, and the same when only history changes', async () => {
    const before = await build();
    repo.commit({ 'app.yaml': 'kind: Secret\n' }, 'change');
    const changed = await build();
    expect(changed.info.digest).not.toBe(before.info.digest);
    repo.commit({}, 'empty commit: same tree');
    const sameTree = await build();
    expect(sameTree.commit).not.toBe(changed.commit);
    expect(sameTree.info.digest).toBe(changed.info.digest);
  });
});
