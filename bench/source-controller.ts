// Source controller benchmarks against the sandbox, with a controller process of our own (a
// label shard the sandbox's controller ignores) so its CPU and memory are its alone:
//   1. push-to-artifact latency for a 1,000-file repository: `git push`, then a reconcile
//      request (what a Receiver's webhook does), until status.artifact has the new revision.
//   2. 500 unchanged GitRepositories polling at a 1-minute interval: CPU and RSS.
//
//   node bench/source-controller.ts [--repos 500] [--watch-seconds 150] [--pushes 10]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import {
  cpuSeconds,
  git,
  kubeConfig,
  memoryMiB,
  percentile,
  sandboxEnv,
  startController,
  until,
} from './lib.ts';

const { values } = parseArgs({
  options: {
    repos: { type: 'string', default: '500' },
    'watch-seconds': { type: 'string', default: '150' },
    pushes: { type: 'string', default: '10' },
  },
});
const REPOS = Number(values.repos);
const WATCH_SECONDS = Number(values['watch-seconds']);
const PUSHES = Number(values.pushes);

const env = sandboxEnv();
const kc = kubeConfig(env);
const api = kc.makeApiClient(k8s.CustomObjectsApi);
const coreApi = kc.makeApiClient(k8s.CoreV1Api);
const gvr = { group: 'source.moor.dev', version: 'v1', plural: 'gitrepositories' };
const shard = `bench-${Date.now()}`;
const namespace = shard;
const work = mkdtempSync(join(tmpdir(), 'moor-bench-'));
const storage = join(work, 'storage');

type Repo = {
  status?: { artifact?: { revision?: string }; conditions?: { type: string; status: string }[] };
};
const get = (name: string) => api.getNamespacedCustomObject({ ...gvr, namespace, name }) as Promise<Repo>;

const bareRepos: string[] = [];
function makeRepo(name: string, files: number): { url: string; dir: string } {
  const bare = join(env.MOOR_GIT_ROOT as string, `${name}.git`);
  bareRepos.push(bare);
  const dir = join(work, name);
  git(work, ['init', '-q', '--bare', '--initial-branch=main', bare]);
  git(work, ['init', '-q', '--initial-branch=main', dir]);
  for (let i = 0; i < files; i++) {
    const sub = join(dir, 'deploy', `d${i % 50}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(
      join(sub, `cm-${i}.yaml`),
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n  n: "${i}"\n`,
    );
  }
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-qm', 'initial']);
  const url = `${env.MOOR_GIT_URL}/${name}.git`;
  git(dir, ['push', '-q', url, 'main']);
  return { url, dir };
}

async function createRepoObject(name: string, url: string, interval: string): Promise<void> {
  await api.createNamespacedCustomObject({
    ...gvr,
    namespace,
    body: {
      apiVersion: 'source.moor.dev/v1',
      kind: 'GitRepository',
      metadata: { name, namespace, labels: { 'moor.dev/shard': shard } },
      spec: { url, interval },
    },
  });
}

const controller = startController('controllers/source/dist/main.js', [
  `--kubeconfig=${env.KUBECONFIG}`,
  `--storage-path=${storage}`,
  '--storage-addr=127.0.0.1:0',
  '--probe-addr=127.0.0.1:0',
  `--nats-url=${env.NATS_URL}`,
  `--watch-label-selector=moor.dev/shard=${shard}`,
  '--log-level=warn',
]);
const pid = controller.pid as number;

try {
  await coreApi.createNamespace({ body: { metadata: { name: namespace } } });

  // 1. push-to-artifact latency.
  const big = makeRepo(`${shard}-1k`, 1000);
  await createRepoObject('big', big.url, '60m');
  await until(
    async () => ((await get('big')).status?.artifact ? true : undefined),
    60_000,
    'the first artifact',
  );
  const latencies: number[] = [];
  for (let i = 0; i < PUSHES; i++) {
    writeFileSync(
      join(big.dir, 'deploy', 'd0', 'cm-0.yaml'),
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-0\ndata:\n  n: "push-${i}"\n`,
    );
    git(big.dir, ['commit', '-qam', `push ${i}`]);
    const sha = git(big.dir, ['rev-parse', 'HEAD']);
    git(big.dir, ['push', '-q', big.url, 'main']);
    const t0 = performance.now();
    await api.patchNamespacedCustomObject(
      {
        ...gvr,
        namespace,
        name: 'big',
        body: { metadata: { annotations: { 'reconcile.moor.dev/requestedAt': new Date().toISOString() } } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await until(
      async () => ((await get('big')).status?.artifact?.revision === `main@sha1:${sha}` ? true : undefined),
      60_000,
      `revision ${sha}`,
    );
    latencies.push(performance.now() - t0);
  }
  console.log(
    `push-to-artifact, 1,000 files, ${PUSHES} pushes: p50 ${percentile(latencies, 50).toFixed(0)} ms, p90 ${percentile(latencies, 90).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms`,
  );

  // 2. many unchanged repositories polling.
  const small = makeRepo(`${shard}-small`, 20);
  const t0 = performance.now();
  for (let i = 0; i < REPOS; i += 25) {
    await Promise.all(
      Array.from({ length: Math.min(25, REPOS - i) }, (_, j) =>
        createRepoObject(`poll-${i + j}`, small.url, '1m'),
      ),
    );
  }
  await until(
    async () => {
      const list = (await api.listNamespacedCustomObject({ ...gvr, namespace })) as { items: Repo[] };
      const ready = list.items.filter((r) =>
        r.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      return ready.length >= REPOS + 1 ? true : undefined;
    },
    600_000,
    `${REPOS} GitRepositories Ready`,
  );
  console.log(
    `cold start of ${REPOS} GitRepositories (one repository): ${((performance.now() - t0) / 1000).toFixed(1)} s to all Ready`,
  );
  const cpu0 = cpuSeconds(pid);
  const w0 = performance.now();
  const samples: number[] = [];
  while (performance.now() - w0 < WATCH_SECONDS * 1000) {
    await new Promise((r) => setTimeout(r, 1000));
    samples.push(memoryMiB(pid).rss);
  }
  const cpu = cpuSeconds(pid) - cpu0;
  const wall = (performance.now() - w0) / 1000;
  const mem = memoryMiB(pid);
  console.log(
    `${REPOS} unchanged GitRepositories at a 1m interval, over ${wall.toFixed(0)} s: CPU ${((cpu / wall) * 100).toFixed(1)}% of one core (${((cpu / ((wall / 60) * REPOS)) * 1000).toFixed(1)} ms per poll), RSS avg ${(samples.reduce((a, b) => a + b, 0) / samples.length).toFixed(0)} MiB, peak ${mem.peak.toFixed(0)} MiB`,
  );
} finally {
  // Delete while our controller still runs, so it finalizes (removes artifacts, purges NATS).
  await coreApi.deleteNamespace({ name: namespace }).catch(() => undefined);
  await until(
    async () =>
      (await coreApi.readNamespace({ name: namespace }).catch(() => undefined)) ? undefined : true,
    180_000,
    `namespace ${namespace} to be deleted`,
  ).catch((err: unknown) => console.error(`cleanup: ${(err as Error).message}`));
  controller.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
  for (const b of bareRepos) rmSync(b, { recursive: true, force: true });
}
