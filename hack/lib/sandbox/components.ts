// The sandbox's components: what each one runs, which ports it owns, and how to tell it is up.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { type Layout, type PortName, type Ports, repoRoot } from './layout.ts';
import type { ProcessSpec } from './processes.ts';

export interface Component {
  name: string;
  ports: PortName[];
  spec(ctx: Context): ProcessSpec;
  /** Resolves true once the component serves. */
  healthy(ctx: Context): Promise<boolean>;
  /** Where a person reaches it, for `status`. */
  address(ctx: Context): string;
  /** Changes when the code it runs changes; a running process with another one is restarted. */
  fingerprint?(): string;
  /** Starts once the cluster is up and Moor's CRDs are installed. */
  needsCluster?: boolean;
}

export interface Context {
  layout: Layout;
  ports: Ports;
  tool(name: string): string;
}

export function findTool(name: string): string {
  for (const dir of (process.env.MOOR_TOOL_PATH ?? '').split(':').filter(Boolean)) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  throw new Error(`tool ${name} not found in the pinned tool cache; run hack/tools`);
}

interface TlsOptions {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized?: boolean;
}

function get(url: string, tls?: TlsOptions): Promise<number> {
  return new Promise((resolve) => {
    const req = (url.startsWith('https:') ? httpsRequest : httpRequest)(
      url,
      { timeout: 2000, ...(tls ?? {}) },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

export function adminTls(l: Layout) {
  return {
    ca: readFileSync(join(l.pki, 'ca.crt')),
    cert: readFileSync(join(l.pki, 'admin.crt')),
    key: readFileSync(join(l.pki, 'admin.key')),
  };
}

const ok = (status: number) => status >= 200 && status < 300;
const url = (port: number, path = '') => `http://127.0.0.1:${port}${path}`;

export const etcd: Component = {
  name: 'etcd',
  ports: ['etcdClient', 'etcdPeer'],
  spec: ({ layout, ports, tool }) => ({
    name: 'etcd',
    command: tool('etcd'),
    args: [
      '--name=moor',
      `--data-dir=${layout.etcdData}`,
      `--listen-client-urls=${url(ports.etcdClient)}`,
      `--advertise-client-urls=${url(ports.etcdClient)}`,
      `--listen-peer-urls=${url(ports.etcdPeer)}`,
      `--initial-advertise-peer-urls=${url(ports.etcdPeer)}`,
      `--initial-cluster=moor=${url(ports.etcdPeer)}`,
      // A sandbox trades durability on power loss for speed.
      '--unsafe-no-fsync',
      '--log-level=warn',
    ],
  }),
  healthy: async ({ ports }) => ok(await get(url(ports.etcdClient, '/health'))),
  address: ({ ports }) => url(ports.etcdClient),
};

export const apiserver: Component = {
  name: 'kube-apiserver',
  ports: ['apiserver'],
  spec: ({ layout, ports, tool }) => {
    const pki = (f: string) => join(layout.pki, f);
    return {
      name: 'kube-apiserver',
      command: tool('kube-apiserver'),
      args: [
        `--etcd-servers=${url(ports.etcdClient)}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${ports.apiserver}`,
        `--tls-cert-file=${pki('apiserver.crt')}`,
        `--tls-private-key-file=${pki('apiserver.key')}`,
        `--client-ca-file=${pki('ca.crt')}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${pki('service-account.pub')}`,
        `--service-account-signing-key-file=${pki('service-account.key')}`,
        '--service-cluster-ip-range=10.96.0.0/16',
        '--authorization-mode=Node,RBAC',
        '--allow-privileged=true',
        '--profiling=false',
        '--v=1',
      ],
    };
  },
  healthy: async ({ layout, ports }) =>
    ok(await get(`https://127.0.0.1:${ports.apiserver}/readyz`, adminTls(layout))),
  address: ({ ports }) => `https://127.0.0.1:${ports.apiserver}`,
};

function kubeComponent(
  name: string,
  port: PortName,
  kubeconfigFile: string,
  extra: (ctx: Context) => string[],
): Component {
  return {
    name,
    ports: [port],
    spec: (ctx) => {
      const kc = join(ctx.layout.dir, kubeconfigFile);
      return {
        name,
        command: ctx.tool(name),
        args: [
          `--kubeconfig=${kc}`,
          `--authentication-kubeconfig=${kc}`,
          `--authorization-kubeconfig=${kc}`,
          '--bind-address=127.0.0.1',
          `--secure-port=${ctx.ports[port]}`,
          '--leader-elect=false',
          '--v=1',
          ...extra(ctx),
        ],
      };
    },
    // /healthz of kcm and scheduler is open to anonymous callers; they serve a self-signed certificate.
    healthy: async ({ ports }) =>
      ok(await get(`https://127.0.0.1:${ports[port]}/healthz`, { rejectUnauthorized: false })),
    address: ({ ports }) => `https://127.0.0.1:${ports[port]}`,
  };
}

export const controllerManager = kubeComponent(
  'kube-controller-manager',
  'controllerManager',
  'controller-manager.kubeconfig',
  ({ layout }) => [
    `--service-account-private-key-file=${join(layout.pki, 'service-account.key')}`,
    `--root-ca-file=${join(layout.pki, 'ca.crt')}`,
    '--use-service-account-credentials=true',
    '--cluster-name=moor-sandbox',
    '--controllers=*',
    '--kube-api-qps=100',
    '--kube-api-burst=200',
  ],
);

export const scheduler = kubeComponent('kube-scheduler', 'scheduler', 'scheduler.kubeconfig', () => []);

export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';

export const kwok: Component = {
  name: 'kwok',
  ports: ['kwok'],
  spec: ({ layout, ports, tool }) => {
    const stages = process.env.MOOR_KWOK_STAGES ?? '';
    // kwok >= 0.8 has no built-in stages: nodes become Ready and renew leases, pods become
    // Ready, finish and go away only through these.
    const stageFiles = [
      'node/fast/node-initialize.yaml',
      'node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
      'pod/fast/pod-ready.yaml',
      'pod/fast/pod-complete.yaml',
      'pod/fast/pod-delete.yaml',
    ].map((f) => join(stages, f));
    for (const f of stageFiles)
      if (!existsSync(f)) throw new Error(`kwok stage config ${f} is missing; run hack/tools`);
    return {
      name: 'kwok',
      command: tool('kwok'),
      args: [
        `--kubeconfig=${join(layout.dir, 'kwok.kubeconfig')}`,
        `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
        '--node-lease-duration-seconds=40',
        '--cidr=10.244.0.0/16',
        '--node-ip=10.0.0.1',
        `--server-address=127.0.0.1:${ports.kwok}`,
        ...stageFiles.map((f) => `--config=${f}`),
      ],
    };
  },
  healthy: async ({ ports }) => ok(await get(url(ports.kwok, '/healthz'))),
  address: ({ ports }) => url(ports.kwok),
};

export const nats: Component = {
  name: 'nats-server',
  ports: ['nats', 'natsMonitor'],
  spec: ({ layout, ports, tool }) => ({
    name: 'nats-server',
    command: tool('nats-server'),
    args: [
      '--addr=127.0.0.1',
      `--port=${ports.nats}`,
      `--http_port=${ports.natsMonitor}`,
      '--jetstream',
      `--store_dir=${layout.natsData}`,
      '--server_name=moor-sandbox',
    ],
  }),
  healthy: async ({ ports }) => ok(await get(url(ports.natsMonitor, '/healthz?js-enabled-only=true'))),
  address: ({ ports }) => `nats://127.0.0.1:${ports.nats}`,
};

const nodeScript = (file: string) => join(import.meta.dirname, file);

export const gitServer: Component = {
  name: 'git-server',
  ports: ['git'],
  spec: ({ layout, ports }) => ({
    name: 'git-server',
    command: process.execPath,
    args: [nodeScript('git-server.ts'), String(ports.git), layout.gitRoot],
  }),
  healthy: async ({ ports }) => ok(await get(url(ports.git, '/healthz'))),
  address: ({ ports }) => url(ports.git),
};

export const webhookSink: Component = {
  name: 'webhook-sink',
  ports: ['webhookSink'],
  spec: ({ layout, ports }) => ({
    name: 'webhook-sink',
    command: process.execPath,
    args: [nodeScript('webhook-sink.ts'), String(ports.webhookSink), layout.sinkLog],
  }),
  healthy: async ({ ports }) => ok(await get(url(ports.webhookSink, '/healthz'))),
  address: ({ ports }) => url(ports.webhookSink),
};

/** A hash of the built JavaScript a controller runs: its own dist/ and the shared packages'. */
function distFingerprint(dirs: string[]): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.js')) hash.update(p).update(readFileSync(p));
    }
  };
  for (const d of dirs) walk(join(repoRoot, d, 'dist'));
  return hash.digest('hex').slice(0, 16);
}

const SHARED_PACKAGES = ['packages/api', 'packages/bus', 'packages/runtime'];

/** Objects labelled moor.dev/shard belong to a test's own controller instance, not the sandbox's. */
const SANDBOX_SHARD_SELECTOR = '!moor.dev/shard';

export const sourceController: Component = {
  name: 'source-controller',
  ports: ['sourceArtifacts', 'sourceProbes'],
  needsCluster: true,
  spec: ({ layout, ports }) => ({
    name: 'source-controller',
    command: process.execPath,
    args: [
      join(repoRoot, 'controllers/source/dist/main.js'),
      `--kubeconfig=${layout.kubeconfig}`,
      // As the ServiceAccount the chart created: its RBAC is what runs.
      `--impersonate=system:serviceaccount:moor-system:source-controller`,
      `--storage-path=${join(layout.dir, 'source-controller')}`,
      `--storage-addr=127.0.0.1:${ports.sourceArtifacts}`,
      `--storage-adv-addr=127.0.0.1:${ports.sourceArtifacts}`,
      `--probe-addr=127.0.0.1:${ports.sourceProbes}`,
      `--nats-url=nats://127.0.0.1:${ports.nats}`,
      `--watch-label-selector=${SANDBOX_SHARD_SELECTOR}`,
      '--leader-elect',
      '--leader-election-namespace=moor-system',
      '--artifact-retention-ttl=10m',
    ],
  }),
  healthy: async ({ ports }) => ok(await get(url(ports.sourceProbes, '/readyz'))),
  address: ({ ports }) => url(ports.sourceArtifacts),
  fingerprint: () => distFingerprint(['controllers/source', ...SHARED_PACKAGES]),
};

export const kustomizeController: Component = {
  name: 'kustomize-controller',
  ports: ['kustomizeProbes'],
  needsCluster: true,
  spec: ({ layout, ports, tool }) => ({
    name: 'kustomize-controller',
    command: process.execPath,
    args: [
      join(repoRoot, 'controllers/kustomize/dist/main.js'),
      `--kubeconfig=${layout.kubeconfig}`,
      // As the ServiceAccount the chart created: its RBAC is what runs.
      `--impersonate=system:serviceaccount:moor-system:kustomize-controller`,
      `--probe-addr=127.0.0.1:${ports.kustomizeProbes}`,
      `--nats-url=nats://127.0.0.1:${ports.nats}`,
      `--watch-label-selector=${SANDBOX_SHARD_SELECTOR}`,
      `--kustomize-binary=${tool('kustomize')}`,
      `--work-dir=${join(layout.dir, 'kustomize-controller')}`,
      '--leader-elect',
      '--leader-election-namespace=moor-system',
    ],
  }),
  healthy: async ({ ports }) => ok(await get(url(ports.kustomizeProbes, '/readyz'))),
  address: ({ ports }) => url(ports.kustomizeProbes, '/metrics'),
  fingerprint: () => distFingerprint(['controllers/kustomize', ...SHARED_PACKAGES]),
};

export const notificationController: Component = {
  name: 'notification-controller',
  ports: ['notificationProbes', 'receiver'],
  needsCluster: true,
  spec: ({ layout, ports }) => ({
    name: 'notification-controller',
    command: process.execPath,
    args: [
      join(repoRoot, 'controllers/notification/dist/main.js'),
      `--kubeconfig=${layout.kubeconfig}`,
      // As the ServiceAccount the chart created: its RBAC is what runs.
      `--impersonate=system:serviceaccount:moor-system:notification-controller`,
      `--probe-addr=127.0.0.1:${ports.notificationProbes}`,
      `--receiver-addr=127.0.0.1:${ports.receiver}`,
      `--nats-url=nats://127.0.0.1:${ports.nats}`,
      `--watch-label-selector=${SANDBOX_SHARD_SELECTOR}`,
      '--leader-elect',
      '--leader-election-namespace=moor-system',
    ],
  }),
  healthy: async ({ ports }) => ok(await get(url(ports.notificationProbes, '/readyz'))),
  address: ({ ports }) => url(ports.receiver),
  fingerprint: () => distFingerprint(['controllers/notification', ...SHARED_PACKAGES]),
};

/** In start order; `down` stops them in reverse. */
export const COMPONENTS: Component[] = [
  etcd,
  apiserver,
  controllerManager,
  scheduler,
  kwok,
  nats,
  gitServer,
  webhookSink,
  sourceController,
  kustomizeController,
  notificationController,
];
