// Starting and stopping the sandbox's processes. Each one is started detached, its output
// goes to logs/<name>.log and its pid to pids/<name>.pid. A pid only counts as ours while
// /proc/<pid>/cmdline still names the program we started, so a recycled pid is never killed.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Layout } from './layout.ts';

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
}

function pidFile(l: Layout, name: string): string {
  return join(l.pids, `${name}.pid`);
}

function cmdline(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

interface PidRecord {
  pid: number;
  command: string;
  fingerprint?: string;
}

/** The pid of a running process we started under this name, or undefined. */
export function runningPid(l: Layout, name: string): number | undefined {
  const rec = readPid(l, name);
  if (!rec) return undefined;
  const argv = cmdline(rec.pid);
  if (!argv) return undefined;
  // A zombie or a recycled pid has another command line.
  const state = readFileSync(`/proc/${rec.pid}/stat`, 'utf8').split(') ')[1]?.[0];
  if (state === 'Z') return undefined;
  return argv.some((a) => a === rec.command || a.endsWith(`/${rec.command}`)) ? rec.pid : undefined;
}

export function readPid(l: Layout, name: string): PidRecord | undefined {
  const f = pidFile(l, name);
  if (!existsSync(f)) return undefined;
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as PidRecord;
  } catch {
    return undefined;
  }
}

export function start(l: Layout, spec: ProcessSpec, fingerprint?: string): number {
  const log = openSync(join(l.logs, `${spec.name}.log`), 'a');
  writeFileSync(log, `\n--- ${new Date().toISOString()} starting ${spec.command} ${spec.args.join(' ')}\n`);
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd ?? l.dir,
    env: { ...process.env, ...spec.env },
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.command})`);
  child.unref();
  const record: PidRecord = {
    pid: child.pid,
    command: spec.command,
    ...(fingerprint ? { fingerprint } : {}),
  };
  writeFileSync(pidFile(l, spec.name), JSON.stringify(record));
  return child.pid;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state !== 'Z';
  } catch {
    return false;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !alive(pid);
}

/** Stops the named process if it is ours: SIGTERM, then SIGKILL after the grace period. */
export async function stop(l: Layout, name: string, graceMs = 10_000): Promise<'stopped' | 'not running'> {
  const pid = runningPid(l, name);
  rmSync(pidFile(l, name), { force: true });
  if (pid === undefined) return 'not running';
  try {
    // The whole process group: a process we started may have children of its own.
    process.kill(-pid, 'SIGTERM');
  } catch {
    process.kill(pid, 'SIGTERM');
  }
  if (!(await waitGone(pid, graceMs))) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      process.kill(pid, 'SIGKILL');
    }
    await waitGone(pid, 5_000);
  }
  return 'stopped';
}

export function tailLog(l: Layout, name: string, lines = 20): string {
  const f = join(l.logs, `${name}.log`);
  if (!existsSync(f)) return '';
  return readFileSync(f, 'utf8').split('\n').slice(-lines).join('\n');
}
