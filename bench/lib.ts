// Shared by the benchmarks: the sandbox's environment, a Kubernetes client, process stats
// read from /proc, and small statistics. Benchmarks print numbers; they assert nothing.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as k8s from '@kubernetes/client-node';

export const repoRoot = resolve(import.meta.dirname, '..');

export function sandboxEnv(): Record<string, string> {
  const out = execFileSync(resolve(repoRoot, 'hack/sandbox'), ['env', '--json'], { encoding: 'utf8' });
  return JSON.parse(out) as Record<string, string>;
}

export function kubeConfig(env: Record<string, string>): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(env.KUBECONFIG as string);
  return kc;
}

const CLK_TCK = 100;

/** CPU seconds (user+system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Resident set size now and at its peak, in MiB. */
export function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export async function until<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts a controller process of the repository's build (dist/) with the sandbox's kubeconfig. */
export function startController(script: string, args: string[]): ChildProcess {
  const child = spawn(process.execPath, [resolve(repoRoot, script), ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

export function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'b',
      GIT_AUTHOR_EMAIL: 'b@b',
      GIT_COMMITTER_NAME: 'b',
      GIT_COMMITTER_EMAIL: 'b@b',
    },
  }).trim();
}
