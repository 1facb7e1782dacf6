// Benchmark: resolve + shallow fetch + package of a GitRepository artifact, against
// `git clone --depth 1` + `tar czf` of the same repository served by the sandbox's Git
// smart-HTTP server. Run after `npx tsc -b`:  node bench/source-packaging.ts [files...]
// Each measured run happens in a fresh child process, so its peak RSS is its own.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fetchRevision, packageCommit, resolveRemoteRef } from '@moor/source-controller';
import { GIT_ENV, GitServer, git } from '../controllers/source/dist/testing/git-server.js';

const SELF = fileURLToPath(import.meta.url);

interface Measured {
  ms: number;
  maxRssMb: number;
  bytes: number;
  files?: number;
  phases?: Record<string, number>;
}

/** Child mode: one resolve + fetch + package, printed as JSON. */
async function runOurs(url: string, work: string): Promise<void> {
  const start = performance.now();
  const resolved = await resolveRemoteRef({ url });
  const t1 = performance.now();
  const fetched = await fetchRevision({ url, gitdir: join(work, 'store'), resolved });
  const t2 = performance.now();
  const info = await packageCommit({
    gitdir: fetched.gitdir,
    commit: fetched.commit,
    destination: join(work, `${fetched.commit}.tar.gz`),
  });
  const ms = performance.now() - start;
  const result: Measured = {
    ms,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    bytes: info.size,
    files: info.fileCount,
    phases: { resolve: t1 - start, fetch: t2 - t1, package: performance.now() - t2 },
  };
  process.stdout.write(JSON.stringify(result));
}

function measureOurs(url: string): Measured {
  const work = mkdtempSync(join(tmpdir(), 'moor-bench-ours-'));
  try {
    const child = spawnSync(process.execPath, [SELF, '--child', url, work], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`benchmark child failed: ${child.stderr}`);
    return JSON.parse(child.stdout) as Measured;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function measureGit(url: string): Measured {
  const work = mkdtempSync(join(tmpdir(), 'moor-bench-git-'));
  try {
    const env = { ...process.env, ...GIT_ENV };
    const start = performance.now();
    execFileSync('git', ['clone', '--quiet', '--depth', '1', url, join(work, 'clone')], { env });
    const cloned = performance.now();
    execFileSync('tar', ['czf', join(work, 'out.tar.gz'), '-C', join(work, 'clone'), '--exclude=.git', '.'], {
      env,
    });
    const ms = performance.now() - start;
    return {
      ms,
      maxRssMb: Number.NaN,
      bytes: statSync(join(work, 'out.tar.gz')).size,
      phases: { clone: cloned - start, tar: performance.now() - cloned },
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Creates a repository of `count` files spread over directories (~1 KiB each, some executable). */
function createRepo(server: GitServer, count: number): string {
  const name = `bench-${count}`;
  const files: Record<string, string> = {};
  const repo = server.createRepo(name, { 'README.md': `# ${count} files\n` });
  for (let i = 0; i < count - 1; i++) {
    const dir = `dir-${i % 50}/sub-${i % 7}`;
    files[`${dir}/file-${i}.yaml`] =
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n${'  key: value-'.concat(String(i), '\n').repeat(40)}`;
  }
  for (const [path, content] of Object.entries(files)) {
    const full = join(repo.dir, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, content);
  }
  git(repo.dir, 'add', '--all');
  git(repo.dir, 'commit', '--quiet', '-m', 'bench');
  git(repo.dir, 'push', '--quiet', 'origin', 'HEAD:refs/heads/main');
  return server.url(name);
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number).filter(Boolean);
  const server = await GitServer.start();
  try {
    for (const count of sizes.length ? sizes : [1_000, 10_000]) {
      const url = createRepo(server, count);
      measureOurs(url); // warm the server's and the OS's caches once
      const runs = 3;
      const ours: Measured[] = [];
      const theirs: Measured[] = [];
      for (let i = 0; i < runs; i++) {
        ours.push(measureOurs(url));
        theirs.push(measureGit(url));
      }
      const oursMs = median(ours.map((r) => r.ms));
      const gitMs = median(theirs.map((r) => r.ms));
      const rss = Math.max(...ours.map((r) => r.maxRssMb));
      const phases = (r: Measured[]) =>
        Object.keys(r[0]!.phases ?? {})
          .map((k) => `${k} ${median(r.map((m) => m.phases?.[k] ?? 0)).toFixed(0)}`)
          .join(', ');
      console.log(
        `${count} files: moor resolve+fetch+package ${oursMs.toFixed(0)} ms (peak RSS ${rss.toFixed(0)} MB, ` +
          `${ours[0]!.files} entries, ${(ours[0]!.bytes / 1024).toFixed(0)} KiB; ${phases(ours)} ms) | ` +
          `git clone --depth 1 + tar czf ${gitMs.toFixed(0)} ms (${(theirs[0]!.bytes / 1024).toFixed(0)} KiB; ` +
          `${phases(theirs)} ms) | ` +
          `ratio ${(oursMs / gitMs).toFixed(2)}x (median of ${runs})`,
      );
    }
  } finally {
    await server.stop();
  }
}

if (process.argv[2] === '--child') {
  await runOurs(process.argv[3]!, process.argv[4]!);
} else {
  await main();
}
