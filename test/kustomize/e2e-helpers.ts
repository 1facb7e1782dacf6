// Shared pieces of the kustomize controller's end-to-end tests: an app's manifests as a user
// would commit them, a GitRepository + Kustomization pair driven by the sandbox's controllers,
// and readers for what a user sees (objects, history records in JetStream, Kubernetes Events).
import type * as k8s from '@kubernetes/client-node';
import type { Kustomization, KustomizationSpec, ReconcileRecord } from '@moor/api';
import { Bus, readHistory } from '@moor/bus';
import { afterAll, beforeAll } from 'vitest';
import {
  apps,
  core,
  createRepo,
  gitRepositories,
  isReady,
  kustomizations,
  objects,
  sandboxEnv,
  type TestRepo,
  uniqueName,
  waitFor,
} from '../harness/index.js';

export const OWNER_NAME = 'kustomize.moor.dev/name';
export const OWNER_NAMESPACE = 'kustomize.moor.dev/namespace';

export const namespaceYaml = (ns: string) => `apiVersion: v1
kind: Namespace
metadata:
  name: ${ns}
`;

export const deploymentYaml = (
  ns: string,
  name: string,
  replicas: number,
  extra: { podSpec?: string; spec?: string } = {},
) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  replicas: ${replicas}
${extra.spec ?? ''}  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
${extra.podSpec ?? ''}      containers:
        - name: web
          image: nginx:1.27
`;

export const serviceYaml = (ns: string, name: string) => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  selector:
    app: ${name}
  ports:
    - port: 80
      targetPort: 8080
`;

export const configMapYaml = (
  ns: string,
  name: string,
  data: Record<string, string>,
  annotations: Record<string, string> = {},
) => {
  const ann = Object.entries(annotations);
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
  namespace: ${ns}
${ann.length ? `  annotations:\n${ann.map(([k, v]) => `    ${k}: "${v}"`).join('\n')}\n` : ''}data:
${Object.entries(data)
  .map(([k, v]) => `  ${k}: "${v}"`)
  .join('\n')}
`;
};

/** The four-object app of the issue: Namespace, Deployment, Service, ConfigMap, under deploy/. */
export function appFiles(ns: string, replicas = 1): Record<string, string> {
  return {
    'deploy/namespace.yaml': namespaceYaml(ns),
    'deploy/deployment.yaml': deploymentYaml(ns, 'web', replicas),
    'deploy/service.yaml': serviceYaml(ns, 'web'),
    'deploy/configmap.yaml': configMapYaml(ns, 'web-config', { color: 'blue' }),
  };
}

/**
 * A cluster-scoped namespace that a Kustomization creates (it is part of the app); deleted after
 * the file's tests whatever happened.
 */
export function appNamespace(prefix: string): string {
  const name = uniqueName(prefix);
  afterAll(async () => {
    await core()
      .deleteNamespace({ name })
      .catch(() => undefined);
  });
  return name;
}

export const revisionOf = (sha: string, branch = 'main') => `${branch}@sha1:${sha}`;

/**
 * A Git repository with `files` and a GitRepository for it in `namespace`, Ready with the
 * initial commit's artifact.
 */
export async function gitSource(
  namespace: string,
  prefix: string,
  files: Record<string, string>,
  labels: Record<string, string> = {},
): Promise<{ repo: TestRepo; name: string; revision: string }> {
  const repo = await createRepo(prefix, files);
  const name = uniqueName(prefix);
  await gitRepositories.create(
    namespace,
    name,
    { url: repo.url, interval: '10m', ref: { branch: 'main' } },
    labels,
  );
  const revision = revisionOf(await repo.head());
  if (!labels['moor.dev/shard']) {
    await gitRepositories.waitFor(
      namespace,
      name,
      (r) => isReady(r) && r.status?.artifact?.revision === revision,
      `Ready at ${revision}`,
    );
  }
  return { repo, name, revision };
}

/** Pushes a commit and tells the source controller, as a Git host webhook would. */
export async function pushAndNotify(
  repo: TestRepo,
  namespace: string,
  source: string,
  change: (r: TestRepo) => Promise<string> | string,
): Promise<string> {
  const sha = await change(repo);
  await repo.push();
  await gitRepositories.requestReconcile(namespace, source);
  return revisionOf(sha);
}

export function ksSpec(source: string, overrides: Partial<KustomizationSpec> = {}): KustomizationSpec {
  return {
    interval: '10m',
    sourceRef: { kind: 'GitRepository', name: source },
    path: './deploy',
    prune: true,
    ...overrides,
  };
}

export const readyCondition = (ks: Kustomization) => ks.status?.conditions?.find((c) => c.type === 'Ready');

/** Ready=True for the current generation with this revision applied. */
export const appliedAt = (revision: string) => (ks: Kustomization) =>
  isReady(ks) && ks.status?.lastAppliedRevision === revision;

/** A history reader connected to the sandbox's NATS for the file's tests. */
export function useHistory(): {
  records(namespace: string, name: string): Promise<ReconcileRecord[]>;
  waitForRecord(
    namespace: string,
    name: string,
    match: (r: ReconcileRecord) => boolean,
    description: string,
    timeoutMs?: number,
  ): Promise<ReconcileRecord>;
} {
  let bus: Bus | undefined;
  beforeAll(async () => {
    bus = await Bus.connect({ servers: sandboxEnv().NATS_URL, name: uniqueName('e2e-history') });
  });
  afterAll(async () => {
    await bus?.close();
  });
  const records = async (namespace: string, name: string) => {
    if (!bus) throw new Error('history reader not connected');
    return readHistory(bus.js, { kustomization: { namespace, name } });
  };
  return {
    records,
    waitForRecord: (namespace, name, match, description, timeoutMs = 20_000) =>
      waitFor(async () => (await records(namespace, name)).find(match), {
        description: `a history record of ${namespace}/${name}: ${description}`,
        timeoutMs,
        intervalMs: 250,
      }),
  };
}

/** Kubernetes Events about a Kustomization with this reason. */
export async function eventsFor(namespace: string, name: string, reason: string): Promise<k8s.CoreV1Event[]> {
  const list = await core().listNamespacedEvent({
    namespace,
    fieldSelector: `involvedObject.kind=Kustomization,involvedObject.name=${name},reason=${reason}`,
  });
  return list.items;
}

export async function waitForEvent(
  namespace: string,
  name: string,
  reason: string,
  match: (e: k8s.CoreV1Event) => boolean = () => true,
): Promise<k8s.CoreV1Event> {
  return waitFor(async () => (await eventsFor(namespace, name, reason)).find(match), {
    description: `an Event ${reason} on Kustomization ${namespace}/${name}`,
    timeoutMs: 20_000,
    intervalMs: 250,
  });
}

/** Reads an object, undefined when it does not exist (or is being deleted). */
export async function live(
  apiVersion: string,
  kind: string,
  name: string,
  namespace?: string,
): Promise<k8s.KubernetesObject | undefined> {
  try {
    const o = await objects().read({ apiVersion, kind, metadata: { name, ...(namespace && { namespace }) } });
    return o.metadata?.deletionTimestamp ? undefined : o;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

export async function replicasOf(namespace: string, name: string): Promise<number | undefined> {
  const d = await apps().readNamespacedDeployment({ name, namespace });
  return d.spec?.replicas;
}

/** Waits until a Deployment's spec.replicas is `n`; returns how long that took. */
export async function waitForReplicas(
  namespace: string,
  name: string,
  n: number,
  timeoutMs = 15_000,
): Promise<number> {
  const started = Date.now();
  await waitFor(async () => (await replicasOf(namespace, name)) === n, {
    description: `Deployment ${namespace}/${name} at ${n} replicas`,
    timeoutMs,
    intervalMs: 50,
  });
  return Date.now() - started;
}

export { kustomizations };
