// Shared by the benchmarks: the sandbox's environment, a Kubernetes client, process stats
// read from /proc, and small statistics. Benchmarks print numbers; they assert nothing.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
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

// ---- helpers for benchmarks that run their own controllers (bench/kustomize-controller.ts) ----

export function median(values: number[]): number {
  return percentile(values, 50);
}

/** CPU seconds (user+system) of a process's children it has waited for (e.g. kustomize runs). */
export function childCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / CLK_TCK;
}

/** Resets a process's peak RSS (VmHWM) to its current RSS, so a later peak is that phase's own. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** The 1-minute load average: other work on the machine, to read the numbers against. */
export function loadAverage(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

/** A pinned tool's binary, e.g. toolPath('kustomize'), from `hack/tools --print`. */
export function toolPath(name: string): string {
  const dirs = execFileSync(resolve(repoRoot, 'hack/tools'), ['--print'], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`${name} is not among the pinned tools (hack/tools --print)`);
}

/** Like startController, with stdout and stderr going to `logFile`. */
export function startControllerLogged(script: string, args: string[], logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  try {
    return spawn(process.execPath, [resolve(repoRoot, script), ...args], { stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
}

/** SIGTERM, then SIGKILL if the process has not exited within `graceMs`. */
export async function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** A watch event, stamped with performance.now() when it arrived. */
export interface StampedEvent<T> {
  type: string;
  object: T;
  at: number;
}

type Meta = { metadata?: { name?: string; resourceVersion?: string } };

/**
 * A watch of one collection that restarts where it left off (from scratch after 410 Gone), keeps
 * the latest state of each object by name, and stamps every event with its arrival time.
 */
export class CollectionWatch<T extends Meta> {
  readonly latest = new Map<string, T>();
  private readonly listeners = new Set<(e: StampedEvent<T>) => void>();
  private resourceVersion = '';
  private abort: AbortController | undefined;
  private stopped = false;
  private readonly watcher: k8s.Watch;
  private readonly path: string;
  private readonly query: Record<string, string>;
  private synced!: () => void;
  /** Resolves once the objects that existed when the watch started have been seen. */
  readonly ready = new Promise<void>((r) => {
    this.synced = r;
  });

  constructor(kc: k8s.KubeConfig, path: string, query: Record<string, string> = {}) {
    this.watcher = new k8s.Watch(kc);
    this.path = path;
    this.query = query;
  }

  start(): this {
    void this.connect();
    return this;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const initial = this.resourceVersion === '';
    this.abort = await this.watcher.watch(
      this.path,
      {
        ...this.query,
        allowWatchBookmarks: true,
        ...(initial ? { sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan' } : {}),
        resourceVersion: this.resourceVersion,
      },
      (type: string, object: T & { code?: number; metadata?: { annotations?: Record<string, string> } }) => {
        if (type === 'ERROR') {
          if (object.code === 410) this.resourceVersion = '';
          return;
        }
        const rv = object.metadata?.resourceVersion;
        if (rv) this.resourceVersion = rv;
        if (type === 'BOOKMARK') {
          if (object.metadata?.annotations?.['k8s.io/initial-events-end'] === 'true') this.synced();
          return;
        }
        const name = object.metadata?.name ?? '';
        if (type === 'DELETED') this.latest.delete(name);
        else this.latest.set(name, object);
        const event = { type, object, at: performance.now() };
        for (const l of this.listeners) l(event);
      },
      () => {
        if (!this.stopped) setTimeout(() => void this.connect(), 100);
      },
    );
  }

  /** Calls `fn` with every event from now on; returns the unsubscribe function. */
  on(fn: (e: StampedEvent<T>) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * The arrival times of events matching each predicate in turn: `steps[1]` is looked for only
   * after `steps[0]` matched. Register before causing the change, so no event is missed.
   */
  sequence(steps: Array<(o: T) => boolean>, timeoutMs: number, what: string): Promise<number[]> {
    return new Promise((resolvePromise, reject) => {
      const times: number[] = [];
      const timer = setTimeout(() => {
        off();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} (step ${times.length + 1})`));
      }, timeoutMs);
      const off = this.on((e) => {
        if (e.type === 'DELETED') return;
        const step = steps[times.length];
        if (step?.(e.object)) times.push(e.at);
        if (times.length === steps.length) {
          clearTimeout(timer);
          off();
          resolvePromise(times);
        }
      });
    });
  }

  /** Resolves (with the time) once `check` holds for the latest states; checked now and on every event. */
  until(check: (latest: Map<string, T>) => boolean, timeoutMs: number, what: string): Promise<number> {
    if (check(this.latest)) return Promise.resolve(performance.now());
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const off = this.on((e) => {
        if (!check(this.latest)) return;
        clearTimeout(timer);
        off();
        resolvePromise(e.at);
      });
    });
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
  }
}
