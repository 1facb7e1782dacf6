// Where the sandbox keeps its state, and which ports it uses. Ports are picked free once,
// remembered in state.json, and picked again only when another program took one, so two
// sandboxes (a developer's and CI's, in different clones) never collide.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '..', '..', '..');

export function sandboxDir(): string {
  return resolve(process.env.MOOR_SANDBOX_DIR ?? join(repoRoot, '.moor', 'sandbox'));
}

export interface Layout {
  dir: string;
  pki: string;
  logs: string;
  pids: string;
  etcdData: string;
  natsData: string;
  gitRoot: string;
  sinkLog: string;
  kubeconfig: string;
  stateFile: string;
}

export function layout(dir = sandboxDir()): Layout {
  const l: Layout = {
    dir,
    pki: join(dir, 'pki'),
    logs: join(dir, 'logs'),
    pids: join(dir, 'pids'),
    etcdData: join(dir, 'etcd'),
    natsData: join(dir, 'nats'),
    gitRoot: join(dir, 'git'),
    sinkLog: join(dir, 'webhook-sink', 'requests.jsonl'),
    kubeconfig: join(dir, 'kubeconfig'),
    stateFile: join(dir, 'state.json'),
  };
  return l;
}

export function ensureDirs(l: Layout): void {
  for (const d of [
    l.dir,
    l.pki,
    l.logs,
    l.pids,
    l.etcdData,
    l.natsData,
    l.gitRoot,
    join(l.dir, 'webhook-sink'),
  ]) {
    mkdirSync(d, { recursive: true });
  }
}

export const PORT_NAMES = [
  'etcdClient',
  'etcdPeer',
  'apiserver',
  'controllerManager',
  'scheduler',
  'kwok',
  'nats',
  'natsMonitor',
  'git',
  'webhookSink',
  'sourceArtifacts',
  'sourceProbes',
  'kustomizeProbes',
  'notificationProbes',
  'receiver',
] as const;
export type PortName = (typeof PORT_NAMES)[number];
export type Ports = Record<PortName, number>;

export interface State {
  ports: Ports;
  /** What chart and values were installed last, so a warm `up` skips helm. */
  chartFingerprint?: string;
}

export function readState(l: Layout): State | undefined {
  if (!existsSync(l.stateFile)) return undefined;
  return JSON.parse(readFileSync(l.stateFile, 'utf8')) as State;
}

export function writeState(l: Layout, s: State): void {
  writeFileSync(l.stateFile, `${JSON.stringify(s, null, 2)}\n`);
}

export function portIsFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const srv = createServer();
    srv.once('error', () => res(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => res(true)));
  });
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

/** Keeps remembered ports that are still ours to use; picks new ones for the rest. */
export async function allocatePorts(
  previous: Ports | undefined,
  inUseByUs: (name: PortName) => boolean,
): Promise<Ports> {
  const ports = {} as Ports;
  const taken = new Set<number>();
  for (const name of PORT_NAMES) {
    const old = previous?.[name];
    if (old && !taken.has(old) && (inUseByUs(name) || (await portIsFree(old)))) {
      ports[name] = old;
    } else {
      let p = await freePort();
      while (taken.has(p)) p = await freePort();
      ports[name] = p;
    }
    taken.add(ports[name]);
  }
  return ports;
}
