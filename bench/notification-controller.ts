// Notification controller benchmarks against the sandbox, with a notification controller process
// of our own (a label shard the sandbox's controller ignores, its own durable consumer), so its
// CPU is its alone:
//   1. throughput: K distinct events published to NATS (MOOR_EVENTS) as fast as they go, through
//      the controller (Alert match, de-duplication record, Slack rendering, HTTP POST) to a local
//      webhook sink answering like Slack; events per second from the first publish until the
//      sink has all K.
//   2. push-to-applied latency: `git push` of a ConfigMap change, then a GitHub push webhook
//      (signed with the Receiver's token) to our controller's Receiver endpoint, until the
//      Kustomization's status.lastAppliedRevision is the new revision. The GitRepository and the
//      Kustomization poll every 10m and are reconciled by the sandbox's source and kustomize
//      controllers.
// Everything it creates (namespace, bare repository, consumer, process) is removed at the end.
//
//   node bench/notification-controller.ts [--events 2000] [--pushes 10]
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { EVENT_SCHEMA_VERSION, type MoorEvent } from '@moor/api';
import { Bus, eventSubject, Streams } from '@moor/bus';
import {
  cpuSeconds,
  git,
  kubeConfig,
  loadAverage,
  percentile,
  sandboxEnv,
  startController,
  stopProcess,
  until,
} from './lib.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '2000' },
    pushes: { type: 'string', default: '10' },
  },
});
const EVENTS = Number(values.events);
const PUSHES = Number(values.pushes);

const env = sandboxEnv();
const kc = kubeConfig(env);
const api = kc.makeApiClient(k8s.CustomObjectsApi);
const coreApi = kc.makeApiClient(k8s.CoreV1Api);
const shard = `bench-notify-${Date.now()}`;
const namespace = shard;
const consumerName = shard;
const work = mkdtempSync(join(tmpdir(), 'moor-bench-'));
const bare = join(env.MOOR_GIT_ROOT as string, `${shard}.git`);
const labels = { 'moor.dev/shard': shard };

const gvr = {
  provider: { group: 'notification.moor.dev', version: 'v1', plural: 'providers', kind: 'Provider' },
  alert: { group: 'notification.moor.dev', version: 'v1', plural: 'alerts', kind: 'Alert' },
  receiver: { group: 'notification.moor.dev', version: 'v1', plural: 'receivers', kind: 'Receiver' },
  git: { group: 'source.moor.dev', version: 'v1', plural: 'gitrepositories', kind: 'GitRepository' },
  ks: { group: 'kustomize.moor.dev', version: 'v1', plural: 'kustomizations', kind: 'Kustomization' },
};
type Kind = keyof typeof gvr;
type Obj = {
  metadata: { generation?: number };
  status?: {
    conditions?: { type: string; status: string }[];
    webhookPath?: string;
    lastAppliedRevision?: string;
    observedGeneration?: number;
  };
};

async function create(kind: Kind, name: string, spec: object, objLabels: Record<string, string> = {}) {
  const { group, version, plural, kind: k } = gvr[kind];
  await api.createNamespacedCustomObject({
    group,
    version,
    plural,
    namespace,
    body: {
      apiVersion: `${group}/${version}`,
      kind: k,
      metadata: { name, namespace, labels: objLabels },
      spec,
    },
  });
}
const get = (kind: Kind, name: string) =>
  api.getNamespacedCustomObject({ ...gvr[kind], namespace, name }) as Promise<Obj>;
const ready = (o: Obj) =>
  o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

/** A free port on 127.0.0.1, for the controller's receiver endpoint. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

// The webhook sink: answers like Slack's incoming webhook, counts what it got.
let received = 0;
let allReceived: (() => void) | undefined;
let expected = Number.POSITIVE_INFINITY;
const sink = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    received++;
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    if (received >= expected) allReceived?.();
  });
});
await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/services/T000/B000/bench`;

const receiverPort = await freePort();
const controller = startController('controllers/notification/dist/main.js', [
  `--kubeconfig=${env.KUBECONFIG}`,
  `--watch-label-selector=moor.dev/shard=${shard}`,
  `--consumer-name=${consumerName}`,
  `--receiver-addr=127.0.0.1:${receiverPort}`,
  '--probe-addr=127.0.0.1:0',
  `--nats-url=${env.NATS_URL}`,
  '--log-level=warn',
]);
const pid = controller.pid as number;
const bus = await Bus.connect({ servers: env.NATS_URL as string, name: shard });

function event(i: number): MoorEvent {
  const revision = `main@sha1:${i.toString(16).padStart(40, '0')}`;
  return {
    schema: EVENT_SCHEMA_VERSION,
    id: randomUUID(),
    involvedObject: { apiVersion: 'kustomize.moor.dev/v1', kind: 'Kustomization', namespace, name: 'bench' },
    severity: 'info',
    reason: 'ReconciliationSucceeded',
    message: `applied revision ${revision}: ConfigMap/${namespace}/c${i} configured`,
    metadata: { revision },
    reportingController: 'kustomize-controller',
    timestamp: new Date().toISOString(),
  };
}

try {
  await coreApi.createNamespace({ body: { metadata: { name: namespace } } });

  // 1. throughput.
  await coreApi.createNamespacedSecret({
    namespace,
    body: { metadata: { name: 'slack' }, stringData: { address: sinkUrl } },
  });
  await create('provider', 'slack', { type: 'slack', secretRef: { name: 'slack' } }, labels);
  await create(
    'alert',
    'all',
    { providerRef: { name: 'slack' }, eventSources: [{ kind: 'Kustomization', name: '*' }] },
    labels,
  );
  await until(async () => (ready(await get('alert', 'all')) ? true : undefined), 60_000, 'the Alert Ready');
  // The dispatcher has its durable consumer once the consumer exists.
  await until(
    async () =>
      (await bus.jsm.consumers.info(Streams.events, consumerName).catch(() => undefined)) ? true : undefined,
    60_000,
    'the controller consuming',
  );
  // Warm up: one event end to end.
  expected = 1;
  await bus.publishEvent(event(0));
  await until(async () => (received >= 1 ? true : undefined), 30_000, 'the warm-up event');

  received = 0;
  expected = EVENTS;
  const done = new Promise<void>((r) => {
    allReceived = r;
  });
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  for (let i = 1; i <= EVENTS; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, EVENTS - i + 1) }, (_, j) => {
        const e = event(i + j);
        return bus.js.publish(eventSubject(e.involvedObject), JSON.stringify(e), { msgID: e.id });
      }),
    );
  }
  const published = performance.now() - t0;
  const timeout = setTimeout(() => allReceived?.(), 600_000);
  await done;
  clearTimeout(timeout);
  const elapsed = performance.now() - t0;
  const cpu = cpuSeconds(pid) - cpu0;
  if (received < EVENTS) throw new Error(`only ${received} of ${EVENTS} events arrived within 10 minutes`);
  console.log(
    `throughput, ${EVENTS} distinct events → slack provider → local sink: ${(EVENTS / (elapsed / 1000)).toFixed(0)} events/s (${(elapsed / 1000).toFixed(1)} s; publishing took ${(published / 1000).toFixed(1)} s), controller CPU ${cpu.toFixed(1)} s (${((cpu / EVENTS) * 1000).toFixed(2)} ms per event), load average ${loadAverage().toFixed(1)}`,
  );

  // 2. push-webhook-to-applied latency.
  const dir = join(work, 'repo');
  const url = `${env.MOOR_GIT_URL}/${shard}.git`;
  git(work, ['init', '-q', '--bare', '--initial-branch=main', bare]);
  git(work, ['init', '-q', '--initial-branch=main', dir]);
  const writeApp = (value: string) => {
    mkdirSync(join(dir, 'deploy'), { recursive: true });
    writeFileSync(
      join(dir, 'deploy', 'configmap.yaml'),
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pushed\n  namespace: ${namespace}\ndata:\n  value: "${value}"\n`,
    );
  };
  writeApp('initial');
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-qm', 'initial']);
  git(dir, ['push', '-q', url, 'main']);
  const first = `main@sha1:${git(dir, ['rev-parse', 'HEAD'])}`;
  await create('git', 'app', { url, interval: '10m', ref: { branch: 'main' } });
  await create('ks', 'app', {
    interval: '10m',
    sourceRef: { kind: 'GitRepository', name: 'app' },
    path: './deploy',
    prune: true,
  });
  await until(
    async () => ((await get('ks', 'app')).status?.lastAppliedRevision === first ? true : undefined),
    120_000,
    'the first revision applied',
  );
  const token = randomBytes(24).toString('hex');
  await coreApi.createNamespacedSecret({
    namespace,
    body: { metadata: { name: 'github' }, stringData: { token } },
  });
  await create(
    'receiver',
    'github',
    {
      type: 'github',
      events: ['push'],
      secretRef: { name: 'github' },
      resources: [{ kind: 'GitRepository', name: 'app' }],
    },
    labels,
  );
  const path = await until(
    async () => (await get('receiver', 'github')).status?.webhookPath,
    60_000,
    'the webhook path',
  );
  const pushToApplied: number[] = [];
  const webhookToApplied: number[] = [];
  for (let i = 0; i < PUSHES; i++) {
    writeApp(`push-${i}`);
    git(dir, ['commit', '-qam', `push ${i}`]);
    const sha = git(dir, ['rev-parse', 'HEAD']);
    const t = performance.now();
    git(dir, ['push', '-q', url, 'main']);
    const body = JSON.stringify({ ref: 'refs/heads/main', after: sha, repository: { clone_url: url } });
    const tw = performance.now();
    const res = await fetch(`http://127.0.0.1:${receiverPort}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-hub-signature-256': `sha256=${createHmac('sha256', token).update(body).digest('hex')}`,
      },
      body,
    });
    if (res.status !== 200) throw new Error(`the Receiver answered ${res.status}: ${await res.text()}`);
    await until(
      async () =>
        (await get('ks', 'app')).status?.lastAppliedRevision === `main@sha1:${sha}` ? true : undefined,
      120_000,
      `revision ${sha} applied`,
    );
    const end = performance.now();
    pushToApplied.push(end - t);
    webhookToApplied.push(end - tw);
  }
  const stats = (v: number[]) =>
    `p50 ${percentile(v, 50).toFixed(0)} ms, p90 ${percentile(v, 90).toFixed(0)} ms, max ${Math.max(...v).toFixed(0)} ms`;
  console.log(
    `push + GitHub webhook → lastAppliedRevision, ${PUSHES} pushes (10m intervals): ${stats(pushToApplied)}`,
  );
  console.log(`  of which webhook → lastAppliedRevision: ${stats(webhookToApplied)}`);
} finally {
  await stopProcess(controller);
  await bus.jsm.consumers.delete(Streams.events, consumerName).catch(() => undefined);
  await bus.close();
  sink.close();
  await coreApi.deleteNamespace({ name: namespace }).catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
  rmSync(bare, { recursive: true, force: true });
}
