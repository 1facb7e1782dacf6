// Kustomize controller benchmarks against the sandbox, with a source controller and a kustomize
// controller of our own (a label shard the sandbox's controllers ignore) so CPU and memory are
// theirs alone:
//   1. drift correction: `kubectl scale` of a managed Deployment (the scale subresource, field
//      manager kubectl) until the controller has put spec.replicas back to the Git value, both
//      stamped by a watch of the Deployment; N trials.
//   2. push-to-applied latency: `git push` of a ConfigMap change, then a reconcile request on the
//      GitRepository (what a Receiver's webhook does), until the Kustomization's
//      status.lastAppliedRevision is the new revision.
//   3. cold sync of K Kustomizations from one repository, each applying a Deployment, Service,
//      ConfigMap and ServiceAccount into its own namespace (targetNamespace): time to all Ready,
//      the controller's CPU (its own and its kustomize children's) and peak RSS, then steady RSS.
// Everything it creates (namespaces, the bare repository, processes, NATS records of its
// namespace) is removed at the end, on failure and on Ctrl-C too.
//
//   node bench/kustomize-controller.ts [--trials 50] [--kustomizations 200] [--pushes 10]
//     [--settle-seconds 30] [--scale-with api|kubectl] [--concurrent N] [--log-level info] [--keep-logs]
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs, promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import {
  CollectionWatch,
  childCpuSeconds,
  cpuSeconds,
  git,
  kubeConfig,
  loadAverage,
  median,
  memoryMiB,
  percentile,
  repoRoot,
  resetPeakRss,
  sandboxEnv,
  startControllerLogged,
  stopProcess,
  toolPath,
} from './lib.ts';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '50' },
    kustomizations: { type: 'string', default: '200' },
    pushes: { type: 'string', default: '10' },
    'settle-seconds': { type: 'string', default: '30' },
    'scale-with': { type: 'string', default: 'api' },
    concurrent: { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
    'keep-logs': { type: 'boolean', default: false },
  },
});
const TRIALS = Number(values.trials);
const KUSTOMIZATIONS = Number(values.kustomizations);
const PUSHES = Number(values.pushes);
const SETTLE_SECONDS = Number(values['settle-seconds']);
const SCALE_WITH = values['scale-with'] === 'kubectl' ? 'kubectl' : 'api';

const env = sandboxEnv();
const kc = kubeConfig(env);
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const core = kc.makeApiClient(k8s.CoreV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);
const run = promisify(execFile);

const shard = `bench-ks-${Date.now()}`;
const namespace = shard; // the GitRepository and the Kustomizations
const appNamespace = `${shard}-app`; // what Kustomization `app` applies (parts 1 and 2)
const coldNamespace = (i: number) => `${shard}-t${i}`; // what Kustomization `cold-<i>` applies
const shardLabels = { 'moor.dev/shard': shard };
const work = mkdtempSync(join(tmpdir(), 'moor-bench-ks-'));
const logDir = values['keep-logs'] ? mkdtempSync(join(tmpdir(), 'moor-bench-ks-logs-')) : join(work, 'logs');
mkdirSync(logDir, { recursive: true });
const sourceLog = join(logDir, 'source-controller.log');
const kustomizeLog = join(logDir, 'kustomize-controller.log');
const bare = join(env.MOOR_GIT_ROOT as string, `${shard}.git`);
const repoUrl = `${env.MOOR_GIT_URL}/${shard}.git`;
const repoDir = join(work, 'repo');

const ksGvr = { group: 'kustomize.moor.dev', version: 'v1', plural: 'kustomizations' };
const repoGvr = { group: 'source.moor.dev', version: 'v1', plural: 'gitrepositories' };
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

type Condition = { type: string; status: string; reason?: string; message?: string };
type Kustomization = {
  metadata: { name: string; generation?: number; labels?: Record<string, string> };
  status?: {
    conditions?: Condition[];
    lastAppliedRevision?: string;
    observedGeneration?: number;
    history?: { id: string; trigger: string; durationMs: number; result: string }[];
  };
};
type GitRepository = { metadata: { name: string }; status?: { artifact?: { revision?: string } } };
type Deployment = { metadata: { name: string }; spec?: { replicas?: number } };

const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
const mib = (v: number) => `${v.toFixed(0)} MiB`;

// ---- cleanup: registered before anything exists, run once, on success, failure or a signal ----

const watches: { stop(): void }[] = [];
const processes: ReturnType<typeof startControllerLogged>[] = [];
let stopping = false;
let cleaned: Promise<void> | undefined;

async function removeFinalizers(gvr: typeof ksGvr): Promise<void> {
  const list = (await custom.listNamespacedCustomObject({ ...gvr, namespace }).catch(() => ({
    items: [],
  }))) as { items: { metadata: { name: string; finalizers?: string[] } }[] };
  const named = list.items.filter((o) => o.metadata.finalizers?.length);
  for (let i = 0; i < named.length; i += 25) {
    await Promise.all(
      named
        .slice(i, i + 25)
        .map((o) =>
          custom
            .patchNamespacedCustomObject(
              { ...gvr, namespace, name: o.metadata.name, body: { metadata: { finalizers: null } } },
              mergePatch,
            )
            .catch(() => undefined),
        ),
    );
  }
}

async function cleanup(): Promise<void> {
  stopping = true;
  for (const w of watches) w.stop();
  // Controllers first: nothing re-adds a finalizer or re-applies an object once they are gone.
  await Promise.all(processes.map((p) => stopProcess(p)));
  // Without their controllers, our objects' finalizers would hold the namespace in Terminating.
  await removeFinalizers(ksGvr).catch(() => undefined);
  await removeFinalizers(repoGvr).catch(() => undefined);
  const ours = await core
    .listNamespace({ labelSelector: `moor.dev/shard=${shard}` })
    .then((l) => l.items.map((n) => n.metadata?.name as string))
    .catch(() => [namespace]);
  for (let i = 0; i < ours.length; i += 25) {
    await Promise.all(
      ours.slice(i, i + 25).map((name) => core.deleteNamespace({ name }).catch(() => undefined)),
    );
  }
  // Events, artifact announcements and history records the controllers wrote about our objects.
  try {
    const nc = await connect({ servers: env.NATS_URL as string, name: 'bench-cleanup' });
    try {
      const jsm = await jetstreamManager(nc);
      for (const [stream, channel] of [
        ['MOOR_EVENTS', 'events'],
        ['MOOR_ARTIFACTS', 'artifacts'],
        ['MOOR_HISTORY', 'history'],
      ] as const) {
        await jsm.streams
          .purge(stream, { filter: `moor.${channel}.*.${namespace}.*` })
          .catch(() => undefined);
      }
    } finally {
      await nc.close();
    }
  } catch (err) {
    console.error(`cleanup: could not purge NATS records of ${namespace}: ${(err as Error).message}`);
  }
  rmSync(bare, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
  // Namespace deletion is the cluster's work; wait for it (bounded) so the next run starts clean.
  const deadline = Date.now() + 180_000;
  for (;;) {
    const left = await core
      .listNamespace({ labelSelector: `moor.dev/shard=${shard}` })
      .then((l) => l.items.length)
      .catch(() => 0);
    if (left === 0) break;
    if (Date.now() > deadline) {
      console.error(`cleanup: ${left} namespaces labelled moor.dev/shard=${shard} still terminating`);
      break;
    }
    await sleep(1000);
  }
  if (values['keep-logs']) console.log(`controller logs kept in ${logDir}`);
}

const cleanupOnce = () => {
  cleaned ??= cleanup();
  return cleaned;
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: cleaning up`);
    void cleanupOnce().finally(() => process.exit(130));
  });
}
process.once('exit', () => {
  for (const p of processes) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

// ---- our controllers, and a guard that fails fast if one of them dies ----

let died: (err: Error) => void = () => {};
const death = new Promise<never>((_, reject) => {
  died = reject;
});
death.catch(() => undefined);
const guard = <T>(p: Promise<T>): Promise<T> => Promise.race([p, death]);

function start(name: string, script: string, args: string[], log: string) {
  const child = startControllerLogged(
    script,
    [
      `--kubeconfig=${env.KUBECONFIG}`,
      '--probe-addr=127.0.0.1:0',
      `--nats-url=${env.NATS_URL}`,
      `--watch-label-selector=moor.dev/shard=${shard}`,
      `--log-level=${values['log-level']}`,
      ...args,
    ],
    log,
  );
  processes.push(child);
  child.once('exit', (code, signal) => {
    if (!stopping) died(new Error(`${name} exited (${code ?? signal}); its log: ${log}`));
  });
  return child.pid as number;
}

// ---- the repository: app/ (parts 1 and 2) and fleet/ (part 3) ----

function manifests(replicas: number, data: string): Record<string, string> {
  return {
    'kustomization.yaml':
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - serviceaccount.yaml\n  - configmap.yaml\n  - service.yaml\n  - deployment.yaml\n',
    'serviceaccount.yaml': 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n',
    'configmap.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  value: "${data}"\n`,
    'service.yaml':
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n    - port: 80\n      targetPort: 8080\n',
    'deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      serviceAccountName: web
      containers:
        - name: web
          image: nginx:1.27
          ports:
            - containerPort: 8080
`,
  };
}

function writeDir(dir: string, files: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
}

const APP_REPLICAS = 2;

async function createNamespaces(names: string[]): Promise<void> {
  for (let i = 0; i < names.length; i += 25) {
    await Promise.all(
      names
        .slice(i, i + 25)
        .map((name) => core.createNamespace({ body: { metadata: { name, labels: shardLabels } } })),
    );
  }
}

async function createKustomization(name: string, path: string, target: string, interval: string) {
  await custom.createNamespacedCustomObject({
    ...ksGvr,
    namespace,
    body: {
      apiVersion: 'kustomize.moor.dev/v1',
      kind: 'Kustomization',
      metadata: { name, namespace, labels: { ...shardLabels, 'bench.moor.dev/part': path } },
      spec: {
        interval,
        sourceRef: { kind: 'GitRepository', name: 'repo' },
        path: `./${path}`,
        prune: true,
        targetNamespace: target,
      },
    },
  });
}

const isReady = (k: Kustomization | undefined, revision: string) =>
  k !== undefined &&
  k.status?.lastAppliedRevision === revision &&
  k.status.observedGeneration === k.metadata.generation &&
  (k.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

async function requestReconcile(gvr: typeof ksGvr, name: string): Promise<void> {
  await custom.patchNamespacedCustomObject(
    {
      ...gvr,
      namespace,
      name,
      body: { metadata: { annotations: { 'reconcile.moor.dev/requestedAt': new Date().toISOString() } } },
    },
    mergePatch,
  );
}

async function scale(replicas: number): Promise<void> {
  if (SCALE_WITH === 'kubectl') {
    await run('kubectl', ['scale', 'deployment/web', `--replicas=${replicas}`, '-n', appNamespace], {
      env: { ...process.env, PATH: env.PATH, KUBECONFIG: env.KUBECONFIG },
    });
    return;
  }
  // What `kubectl scale` sends: a merge patch of the scale subresource, as field manager kubectl.
  await apps.patchNamespacedDeploymentScale(
    { name: 'web', namespace: appNamespace, body: { spec: { replicas } }, fieldManager: 'kubectl' },
    mergePatch,
  );
}

/** The controller's log lines (pino JSON) from `sinceMs` (wall clock) on. */
function logLines(file: string, sinceMs = 0): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const l = JSON.parse(line) as Record<string, unknown>;
      if (Date.parse(String(l.time)) >= sinceMs) lines.push(l);
    } catch {}
  }
  return lines;
}

/** The sandbox's own kustomize controller (which ignores our shard), for a side measurement. */
function sandboxKustomizePid(): number | undefined {
  try {
    const out = readFileSync(
      join(env.MOOR_SANDBOX_DIR as string, 'pids', 'kustomize-controller.pid'),
      'utf8',
    );
    return (JSON.parse(out) as { pid?: number }).pid;
  } catch {
    return undefined;
  }
}

const load0 = loadAverage();
const t00 = performance.now();
try {
  console.log(
    `kustomize controller benchmark, shard ${shard}: ${TRIALS} drift trials, ${PUSHES} pushes, ${KUSTOMIZATIONS} Kustomizations`,
  );
  const head = git(repoRoot, ['rev-parse', '--short', 'HEAD']);
  const dirty = git(repoRoot, ['diff', '--name-only', 'HEAD', '--', 'controllers', 'packages'])
    .split('\n')
    .filter(Boolean);
  console.log(
    `controllers from dist/ built from ${head}${dirty.length ? ` plus uncommitted changes to ${dirty.length} files under controllers/ and packages/ (${dirty.slice(0, 4).join(', ')}${dirty.length > 4 ? ', …' : ''})` : ''}`,
  );
  console.log(
    `note: a shared 2-core machine (other engineers' tests run at the same time): 1-minute load average ${load0.toFixed(2)} at the start; latencies are percentiles over trials, read them as such`,
  );

  // The repository.
  git(work, ['init', '-q', '--bare', '--initial-branch=main', bare]);
  git(work, ['init', '-q', '--initial-branch=main', repoDir]);
  writeDir(join(repoDir, 'app'), manifests(APP_REPLICAS, 'push-0'));
  writeDir(join(repoDir, 'fleet'), manifests(1, 'fleet'));
  git(repoDir, ['add', '-A']);
  git(repoDir, ['commit', '-qm', 'initial']);
  git(repoDir, ['push', '-q', repoUrl, 'main']);

  await createNamespaces([namespace, appNamespace]);

  const sourcePid = start(
    'source controller',
    'controllers/source/dist/main.js',
    [`--storage-path=${join(work, 'storage')}`, '--storage-addr=127.0.0.1:0'],
    sourceLog,
  );
  const pid = start(
    'kustomize controller',
    'controllers/kustomize/dist/main.js',
    [
      `--kustomize-binary=${toolPath('kustomize')}`,
      `--work-dir=${join(work, 'kustomize')}`,
      ...(values.concurrent ? [`--concurrent=${values.concurrent}`] : []),
    ],
    kustomizeLog,
  );

  const deployments = new CollectionWatch<Deployment>(
    kc,
    `/apis/apps/v1/namespaces/${appNamespace}/deployments`,
  ).start();
  const kustomizations = new CollectionWatch<Kustomization>(
    kc,
    `/apis/kustomize.moor.dev/v1/namespaces/${namespace}/kustomizations`,
  ).start();
  const repos = new CollectionWatch<GitRepository>(
    kc,
    `/apis/source.moor.dev/v1/namespaces/${namespace}/gitrepositories`,
  ).start();
  watches.push(deployments, kustomizations, repos);
  await guard(Promise.all([deployments.ready, kustomizations.ready, repos.ready]));

  await custom.createNamespacedCustomObject({
    ...repoGvr,
    namespace,
    body: {
      apiVersion: 'source.moor.dev/v1',
      kind: 'GitRepository',
      metadata: { name: 'repo', namespace, labels: shardLabels },
      spec: { url: repoUrl, interval: '60m' },
    },
  });
  let revision = `main@sha1:${git(repoDir, ['rev-parse', 'HEAD'])}`;
  const tFirst = performance.now();
  await createKustomization('app', 'app', appNamespace, '60m');
  await guard(
    kustomizations.until((m) => isReady(m.get('app'), revision), 120_000, 'Kustomization app Ready'),
  );
  console.log(
    `first sync of one Kustomization (4 objects), controllers just started: ${fmt(performance.now() - tFirst)}`,
  );

  // ---- 1. drift correction after kubectl scale ----
  const totals: number[] = [];
  const afterLanding: number[] = [];
  const requestTimes: number[] = [];
  const started: number[] = []; // wall clock, to find the controller's log lines of each trial
  let missed = 0;
  const section1From = Date.now();
  for (let i = 0; i < TRIALS; i++) {
    const replicas = 3 + (i % 5);
    const before = kustomizations.latest.get('app')?.status?.history?.[0]?.id;
    const seen = deployments.sequence(
      [(d) => d.spec?.replicas === replicas, (d) => d.spec?.replicas === APP_REPLICAS],
      30_000,
      `trial ${i + 1}: replicas ${replicas}, then back to ${APP_REPLICAS}`,
    );
    seen.catch(() => undefined);
    started.push(Date.now());
    const t0 = performance.now();
    await scale(replicas);
    requestTimes.push(performance.now() - t0);
    try {
      const [landed, corrected] = (await guard(seen)) as [number, number];
      totals.push(corrected - t0);
      afterLanding.push(corrected - landed);
    } catch (err) {
      if (err instanceof Error && err.message.includes('exited')) throw err;
      missed++;
      console.log(`  ${(err as Error).message}; asking for a reconcile to restore it`);
      await requestReconcile(ksGvr, 'app');
      await guard(
        deployments.until(
          (m) => m.get('web')?.spec?.replicas === APP_REPLICAS,
          60_000,
          'replicas restored by a requested reconcile',
        ),
      );
    }
    // Let the correcting reconcile finish (its status write is the last step) before the next trial.
    await guard(
      kustomizations.until(
        (m) => {
          const h = m.get('app')?.status?.history?.[0]?.id;
          return h !== undefined && h !== before;
        },
        30_000,
        'the correcting reconcile to write its status',
      ),
    ).catch(() => undefined);
    await sleep(250);
  }
  const line1 = (v: number[]) =>
    `p50 ${fmt(percentile(v, 50))}, p99 ${fmt(percentile(v, 99))}, max ${fmt(Math.max(...v))}`;
  if (totals.length > 0) {
    console.log(
      `1. drift correction, ${totals.length}/${TRIALS} trials corrected (scale via ${SCALE_WITH === 'api' ? 'the scale subresource, field manager kubectl' : 'the pinned kubectl'}):`,
    );
    console.log(`   scale request sent → spec.replicas back to ${APP_REPLICAS}: ${line1(totals)}`);
    console.log(`   scale seen by a watch → corrected, seen by a watch: ${line1(afterLanding)}`);
    console.log(`   the scale request itself: p50 ${fmt(median(requestTimes))}`);
  }
  if (missed > 0) console.log(`   ${missed} trials NOT corrected within 30 s`);
  // Where the time goes, from the controller's log: when it reported the drift (after its debounce).
  const driftLines = logLines(kustomizeLog, section1From).filter(
    (l) => l.msg === 'drift' && String(l.object).startsWith('Deployment/'),
  );
  if (driftLines.length > 0) {
    const detect: number[] = [];
    for (const [i, t] of started.entries()) {
      const next = started[i + 1] ?? Number.POSITIVE_INFINITY;
      const first = driftLines.map((l) => Date.parse(String(l.time))).find((x) => x >= t && x < next);
      if (first !== undefined) detect.push(first - t);
    }
    const applied = logLines(kustomizeLog, section1From).filter(
      (l) => l.msg === 'applied' && l.trigger === 'Drift',
    );
    console.log(
      `   from the controller's log: drift reported (debounce included) p50 ${fmt(median(detect))} after the scale request, in ${detect.length} trials; ${driftLines.length} drift reports, ${applied.length} reconciles triggered by drift`,
    );
  }
  console.log(`   kustomize controller RSS now ${mib(memoryMiB(pid).rss)}`);
  const durations = (kustomizations.latest.get('app')?.status?.history ?? [])
    .filter((h) => h.trigger === 'Drift')
    .map((h) => h.durationMs);
  if (durations.length > 0)
    console.log(
      `   whole correcting reconcile (status.history durationMs, last ${durations.length}): p50 ${fmt(median(durations))}`,
    );

  // ---- 2. push-to-applied ----
  const pushLatency: number[] = [];
  const toArtifact: number[] = [];
  const artifactToApplied: number[] = [];
  const pushTimes: number[] = [];
  for (let i = 1; i <= PUSHES; i++) {
    writeFileSync(
      join(repoDir, 'app', 'configmap.yaml'),
      manifests(APP_REPLICAS, `push-${i}`)['configmap.yaml'] as string,
    );
    git(repoDir, ['commit', '-qam', `push ${i}`]);
    revision = `main@sha1:${git(repoDir, ['rev-parse', 'HEAD'])}`;
    const p0 = performance.now();
    git(repoDir, ['push', '-q', repoUrl, 'main']);
    pushTimes.push(performance.now() - p0);
    const rev = revision;
    const artifact = repos.until(
      (m) => m.get('repo')?.status?.artifact?.revision === rev,
      60_000,
      `artifact ${rev}`,
    );
    const applied = kustomizations.until((m) => isReady(m.get('app'), rev), 60_000, `applied ${rev}`);
    artifact.catch(() => undefined);
    applied.catch(() => undefined);
    const t0 = performance.now();
    await requestReconcile(repoGvr, 'repo');
    const tArtifact = await guard(artifact);
    const tApplied = await guard(applied);
    pushLatency.push(tApplied - t0);
    toArtifact.push(tArtifact - t0);
    artifactToApplied.push(tApplied - tArtifact);
    await sleep(250);
  }
  console.log(
    `2. push-to-applied, ${PUSHES} pushes (reconcile request on the GitRepository → lastAppliedRevision):`,
  );
  console.log(
    `   p50 ${fmt(percentile(pushLatency, 50))}, p90 ${fmt(percentile(pushLatency, 90))}, max ${fmt(Math.max(...pushLatency))}`,
  );
  console.log(
    `   of which request → artifact p50 ${fmt(median(toArtifact))}, artifact → applied p50 ${fmt(median(artifactToApplied))} (p90 ${fmt(percentile(artifactToApplied, 90))}); git push itself p50 ${fmt(median(pushTimes))}`,
  );

  console.log(`   kustomize controller RSS now ${mib(memoryMiB(pid).rss)}`);

  // ---- 3. cold sync of K Kustomizations ----
  const names = Array.from({ length: KUSTOMIZATIONS }, (_, i) => `cold-${i}`);
  const n0 = performance.now();
  await createNamespaces(names.map((_, i) => coldNamespace(i)));
  const nsSeconds = (performance.now() - n0) / 1000;
  await sleep(2000); // let the namespace burst settle before measuring
  const sandboxPid = sandboxKustomizePid();
  let sandbox0: { cpu: number; rss: number } | undefined;
  try {
    if (sandboxPid) sandbox0 = { cpu: cpuSeconds(sandboxPid), rss: memoryMiB(sandboxPid).rss };
  } catch {}
  const peakReset = resetPeakRss(pid);
  const rss0 = memoryMiB(pid).rss;
  let sampledPeak = rss0;
  const sampler = setInterval(() => {
    sampledPeak = Math.max(sampledPeak, memoryMiB(pid).rss);
  }, 250);
  const cpu0 = cpuSeconds(pid);
  const child0 = childCpuSeconds(pid);
  const src0 = cpuSeconds(sourcePid);
  const readyAt = new Map<string, number>();
  const offReady = kustomizations.on((e) => {
    const name = e.object.metadata.name;
    if (name.startsWith('cold-') && !readyAt.has(name) && isReady(e.object, revision))
      readyAt.set(name, e.at);
  });
  const load1 = loadAverage();
  const c0 = performance.now();
  const coldWall0 = Date.now();
  for (let i = 0; i < names.length; i += 25) {
    await Promise.all(
      names
        .slice(i, i + 25)
        .map((name, j) => createKustomization(name, 'fleet', coldNamespace(i + j), '10m')),
    );
  }
  const created = performance.now() - c0;
  let allReady = true;
  await guard(
    kustomizations.until(
      () => readyAt.size >= KUSTOMIZATIONS,
      480_000,
      `${KUSTOMIZATIONS} Kustomizations Ready`,
    ),
  ).catch((err: Error) => {
    if (err.message.includes('exited')) throw err;
    allReady = false;
  });
  const wall = (performance.now() - c0) / 1000;
  clearInterval(sampler);
  offReady();
  const cpu = cpuSeconds(pid) - cpu0;
  const childCpu = childCpuSeconds(pid) - child0;
  const srcCpu = cpuSeconds(sourcePid) - src0;
  const mem = memoryMiB(pid);
  const times = [...readyAt.values()].map((t) => (t - c0) / 1000);
  console.log(
    `3. cold sync of ${KUSTOMIZATIONS} Kustomizations × 4 objects, one repository (concurrency ${values.concurrent ?? 'default 4'}; ${nsSeconds.toFixed(1)} s to create their namespaces beforehand, not counted):`,
  );
  console.log(
    allReady
      ? `   ${wall.toFixed(1)} s from the first create to all Ready (creates took ${(created / 1000).toFixed(1)} s); first Ready at ${Math.min(...times).toFixed(1)} s, half at ${percentile(times, 50).toFixed(1)} s; ${(KUSTOMIZATIONS / wall).toFixed(1)} Kustomizations/s`
      : `   NOT all Ready within 480 s: ${readyAt.size}/${KUSTOMIZATIONS} Ready after ${wall.toFixed(1)} s`,
  );
  console.log(
    `   kustomize controller: CPU ${cpu.toFixed(1)} s of its own (${((cpu / wall) * 100).toFixed(0)}% of one core, ${((cpu / KUSTOMIZATIONS) * 1000).toFixed(0)} ms per Kustomization) + ${childCpu.toFixed(1)} s in kustomize children; peak RSS ${mib(peakReset ? mem.peak : sampledPeak)} (${peakReset ? 'VmHWM, reset before the sync' : 'sampled every 250 ms'}; ${mib(rss0)} before)`,
  );
  console.log(`   source controller meanwhile: CPU ${srcCpu.toFixed(1)} s`);
  if (sandboxPid && sandbox0) {
    try {
      console.log(
        `   the sandbox's own kustomize controller (not our shard) meanwhile: CPU ${(cpuSeconds(sandboxPid) - sandbox0.cpu).toFixed(1)} s, RSS ${mib(sandbox0.rss)} → ${mib(memoryMiB(sandboxPid).rss)}`,
      );
    } catch {
      console.log(`   the sandbox's own kustomize controller was restarted meanwhile (not by us)`);
    }
  }
  console.log(
    `   1-minute load average: ${load1.toFixed(2)} before the sync, ${loadAverage().toFixed(2)} after`,
  );
  // Steady state afterwards: nothing changes; every Kustomization has a 10m interval.
  const s0 = performance.now();
  const sCpu0 = cpuSeconds(pid) + childCpuSeconds(pid);
  const samples: number[] = [];
  while (performance.now() - s0 < SETTLE_SECONDS * 1000) {
    await guard(sleep(1000));
    samples.push(memoryMiB(pid).rss);
  }
  const sWall = (performance.now() - s0) / 1000;
  console.log(
    `   steady afterwards (${sWall.toFixed(0)} s, ${KUSTOMIZATIONS + 1} Kustomizations idle): RSS median ${mib(median(samples))}, last ${mib(samples.at(-1) ?? 0)}; CPU ${(((cpuSeconds(pid) + childCpuSeconds(pid) - sCpu0) / sWall) * 100).toFixed(1)}% of one core`,
  );
  // What the controller did for them, from its log (info level): reconciles that applied, by trigger.
  if (values['log-level'] === 'info' || values['log-level'] === 'debug') {
    const lines = logLines(kustomizeLog, coldWall0);
    const applied = lines.filter((l) => l.msg === 'applied' && String(l.name).startsWith('cold-'));
    const triggers = new Map<string, number>();
    for (const l of applied) triggers.set(String(l.trigger), (triggers.get(String(l.trigger)) ?? 0) + 1);
    const afterReady = applied.filter((l) => Date.parse(String(l.time)) > coldWall0 + wall * 1000).length;
    const failed = lines.filter((l) => l.msg === 'reconcile failed');
    console.log(
      `   from its log, sync and steady window: ${applied.length} successful reconciles of the ${KUSTOMIZATIONS} (${[...triggers].map(([t, n]) => `${t} ${n}`).join(', ')}; ${afterReady} of them after all were Ready), ${failed.length} failed reconciles${failed.length ? ` (first: ${String(failed[0]?.err).slice(0, 200)})` : ''}`,
    );
  }
  console.log(
    `total ${((performance.now() - t00) / 1000).toFixed(0)} s; 1-minute load average at the end ${loadAverage().toFixed(2)}`,
  );
} catch (err) {
  console.error(`benchmark failed: ${(err as Error).stack ?? err}`);
  console.error(
    `controller logs: ${logDir}${values['keep-logs'] ? '' : ' (removed; --keep-logs keeps them)'}`,
  );
  if (!values['keep-logs']) {
    for (const f of [kustomizeLog, sourceLog]) {
      try {
        const tail = readFileSync(f, 'utf8').split('\n').slice(-15).join('\n');
        console.error(`--- last lines of ${f}:\n${tail}`);
      } catch {}
    }
  }
  process.exitCode = 1;
} finally {
  await cleanupOnce();
}
