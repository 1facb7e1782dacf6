// hack/sandbox: up | down | status | env [--json] | logs NAME
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { installChart, RELEASE_NAMESPACE } from './chart.ts';
import { COMPONENTS, type Component, type Context, findTool, KWOK_NODE_ANNOTATION } from './components.ts';
import { demoObjects, NEXT_STEPS, seedDemoRepository } from './demo.ts';
import {
  allocatePorts,
  ensureDirs,
  type Layout,
  layout,
  type Ports,
  readState,
  repoRoot,
  writeState,
} from './layout.ts';
import { ensurePki, kubeconfig } from './pki.ts';
import { readPid, runningPid, start, stop, tailLog } from './processes.ts';

const CONTEXT = 'moor-sandbox';
const FAKE_NODES = ['moor-worker-0', 'moor-worker-1'];

function say(msg: string): void {
  process.stderr.write(`[sandbox] ${msg}\n`);
}

function context(l: Layout, ports: Ports): Context {
  return { layout: l, ports, tool: findTool };
}

async function waitHealthy(c: Component, ctx: Context, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await c.healthy(ctx)) return;
    if (runningPid(ctx.layout, c.name) === undefined) {
      throw new Error(
        `${c.name} exited while starting; its log ends with:\n${tailLog(ctx.layout, c.name, 25)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `${c.name} was not healthy after ${timeoutMs / 1000}s; its log ends with:\n${tailLog(ctx.layout, c.name, 25)}`,
  );
}

async function ensureRunning(c: Component, ctx: Context, timeoutMs = 60_000): Promise<void> {
  // The code it runs and the command line it runs with: a change to either restarts it.
  const fingerprint = c.fingerprint
    ? `${c.fingerprint()}-${createHash('sha256')
        .update(JSON.stringify(c.spec(ctx)))
        .digest('hex')
        .slice(0, 8)}`
    : undefined;
  if (runningPid(ctx.layout, c.name) !== undefined) {
    if (fingerprint && readPid(ctx.layout, c.name)?.fingerprint !== fingerprint) {
      say(`${c.name}: its code changed; restarting`);
      await stop(ctx.layout, c.name);
    } else {
      if (await c.healthy(ctx)) return;
      await waitHealthy(c, ctx, timeoutMs);
      return;
    }
  }
  const t = Date.now();
  start(ctx.layout, c.spec(ctx), fingerprint);
  await waitHealthy(c, ctx, timeoutMs);
  say(`${c.name} up in ${((Date.now() - t) / 1000).toFixed(1)}s at ${c.address(ctx)}`);
}

function kubectl(l: Layout, args: string[], input?: string): string {
  return execFileSync(findTool('kubectl'), [`--kubeconfig=${l.kubeconfig}`, ...args], {
    input,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

function fakeNode(name: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [KWOK_NODE_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/os': 'linux',
        'kubernetes.io/hostname': name,
        'node-role.kubernetes.io/worker': '',
        type: 'kwok',
      },
    },
    status: {
      allocatable: { cpu: '32', memory: '256Gi', pods: '110' },
      capacity: { cpu: '32', memory: '256Gi', pods: '110' },
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        kubeletVersion: 'fake',
        kubeProxyVersion: 'fake',
      },
    },
  });
}

/** Moor's CRDs from crds/, the single source of truth, applied and waited for. */
function installCrds(l: Layout): void {
  const dir = join(repoRoot, 'crds');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  if (files.length === 0) return;
  kubectl(l, [
    'apply',
    '--server-side',
    '--force-conflicts',
    '--field-manager=moor-sandbox',
    ...files.flatMap((f) => ['-f', join(dir, f)]),
  ]);
  kubectl(l, [
    'wait',
    '--for=condition=Established',
    '--timeout=30s',
    ...files.flatMap((f) => ['-f', join(dir, f)]),
  ]);
}

async function up(): Promise<void> {
  const t0 = Date.now();
  const l = layout();
  ensureDirs(l);
  ensurePki(l.pki);
  const owner = new Map<string, Component>();
  for (const c of COMPONENTS) for (const p of c.ports) owner.set(p, c);
  const ports = await allocatePorts(readState(l)?.ports, (name) => {
    const c = owner.get(name);
    return c !== undefined && runningPid(l, c.name) !== undefined;
  });
  writeState(l, { ...readState(l), ports });
  const server = `https://127.0.0.1:${ports.apiserver}`;
  writeFileSync(l.kubeconfig, kubeconfig(l.pki, 'admin', server, CONTEXT), { mode: 0o600 });
  for (const client of ['controller-manager', 'scheduler', 'kwok']) {
    writeFileSync(join(l.dir, `${client}.kubeconfig`), kubeconfig(l.pki, client, server, CONTEXT), {
      mode: 0o600,
    });
  }
  const ctx = context(l, ports);
  const byName = (n: string) => COMPONENTS.find((c) => c.name === n) as Component;

  // The control plane starts in order; NATS, Git and the sink start beside it.
  const services = Promise.all(
    ['nats-server', 'git-server', 'webhook-sink'].map((n) => ensureRunning(byName(n), ctx)),
  );
  await ensureRunning(byName('etcd'), ctx);
  await ensureRunning(byName('kube-apiserver'), ctx, 120_000);
  await Promise.all(
    ['kube-controller-manager', 'kube-scheduler', 'kwok'].map((n) => ensureRunning(byName(n), ctx)),
  );
  kubectl(
    l,
    ['apply', '--server-side', '--field-manager=moor-sandbox', '-f', '-'],
    FAKE_NODES.map(fakeNode).join('\n'),
  );
  kubectl(l, ['wait', '--for=condition=Ready', '--timeout=60s', ...FAKE_NODES.map((n) => `node/${n}`)]);
  installCrds(l);
  kubectl(
    l,
    ['apply', '--server-side', '--field-manager=moor-sandbox', '-f', '-'],
    `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${RELEASE_NAMESPACE}\n`,
  );
  const chart = installChart(l, ports, readState(l)?.chartFingerprint);
  writeState(l, { ports, chartFingerprint: chart.fingerprint });
  if (chart.installed)
    say('installed charts/moor into moor-system (the controllers run as its ServiceAccounts)');
  await services;
  for (const c of COMPONENTS.filter((c) => c.needsCluster)) await ensureRunning(c, ctx);
  if (process.env.MOOR_SANDBOX_NO_DEMO !== '1') await seedDemo(l, ports);
  say(`ready in ${((Date.now() - t0) / 1000).toFixed(1)}s; use it with: eval "$(hack/sandbox env)"`);
}

async function seedDemo(l: Layout, ports: Ports): Promise<void> {
  const url = seedDemoRepository(l, ports);
  kubectl(l, ['apply', '--server-side', '--field-manager=moor-sandbox', '-f', '-'], demoObjects(url, ports));
  try {
    kubectl(l, [
      'wait',
      '--for=condition=Ready',
      '--timeout=90s',
      '-n',
      RELEASE_NAMESPACE,
      'kustomization/demo',
    ]);
  } catch (err) {
    const detail = (err as { stderr?: string }).stderr ?? '';
    throw new Error(
      `the demo Kustomization did not become Ready; see hack/sandbox logs kustomize-controller\n${detail}`,
    );
  }
  process.stderr.write(NEXT_STEPS);
}

async function down(): Promise<void> {
  const l = layout();
  for (const c of [...COMPONENTS].reverse()) {
    const result = await stop(l, c.name);
    if (result === 'stopped') say(`${c.name} stopped`);
  }
}

function status(): number {
  const l = layout();
  const state = readState(l);
  if (!state) {
    say(`no sandbox at ${l.dir}; start one with hack/sandbox up`);
    return 1;
  }
  const ctx = context(l, state.ports);
  let down = 0;
  for (const c of COMPONENTS) {
    const pid = runningPid(l, c.name);
    if (pid === undefined) down++;
    console.log(
      `${c.name.padEnd(24)} ${(pid ? `running (pid ${pid})` : 'stopped').padEnd(22)} ${c.address(ctx)}`,
    );
  }
  return down === 0 ? 0 : 3;
}

function environment(): Record<string, string> {
  const l = layout();
  const state = readState(l);
  if (!state) throw new Error(`no sandbox at ${l.dir}; start one with hack/sandbox up`);
  const { ports } = state;
  const toolPath = process.env.MOOR_TOOL_PATH ?? '';
  return {
    MOOR_SANDBOX_DIR: l.dir,
    KUBECONFIG: l.kubeconfig,
    NATS_URL: `nats://127.0.0.1:${ports.nats}`,
    MOOR_GIT_URL: `http://127.0.0.1:${ports.git}`,
    MOOR_GIT_ROOT: l.gitRoot,
    MOOR_WEBHOOK_SINK_URL: `http://127.0.0.1:${ports.webhookSink}`,
    MOOR_WEBHOOK_SINK_LOG: l.sinkLog,
    MOOR_RECEIVER_URL: `http://127.0.0.1:${ports.receiver}`,
    // The kustomize controller's history API (`moor history` uses it when NATS is not reachable).
    MOOR_HISTORY_URL: `http://127.0.0.1:${ports.kustomizeProbes}`,
    PATH: [toolPath, dirname(process.execPath), process.env.PATH ?? ''].filter(Boolean).join(':'),
  };
}

const shellQuote = (v: string) => `'${v.replaceAll("'", "'\\''")}'`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'up':
      await up();
      return 0;
    case 'down':
      await down();
      return 0;
    case 'status':
      return status();
    case 'env': {
      const env = environment();
      if (rest.includes('--json')) console.log(JSON.stringify(env, null, 2));
      else for (const [k, v] of Object.entries(env)) console.log(`export ${k}=${shellQuote(v)}`);
      return 0;
    }
    case 'logs': {
      const name = rest[0];
      const f = name ? join(layout().logs, `${name}.log`) : '';
      if (!name || !existsSync(f)) {
        say(`usage: hack/sandbox logs NAME, NAME one of: ${COMPONENTS.map((c) => c.name).join(', ')}`);
        return 2;
      }
      process.stdout.write(readFileSync(f, 'utf8'));
      return 0;
    }
    default:
      say('usage: hack/sandbox up | down | status | env [--json] | logs NAME');
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    say(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
