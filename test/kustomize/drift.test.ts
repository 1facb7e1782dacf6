// The drift watcher against the real sandbox: objects applied as `moor` with owner labels are
// tracked; kubectl changes to fields we set are reported within seconds, naming kubectl's field
// manager; changes to fields we do not set, our own changes and ignored fields are not.
//
// "Not reported" is shown without waiting for time to pass: after the change that must not be
// reported, the same object gets a change that must be, and the only report is about that one.
// Watch events of one object arrive in order, so a report of the first would come first (or be
// merged into the same evaluation, where its path would show).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawObjectApi } from '../../controllers/kustomize/src/apply/client.js';
import { ownerLabelsFor } from '../../controllers/kustomize/src/apply/manager.js';
import type { KubeObject } from '../../controllers/kustomize/src/apply/objects.js';
import {
  type DriftEvent,
  DriftWatcher,
  type IgnoreRule,
  kubeListWatchFactory,
  type TrackedObject,
  trackedObject,
} from '../../controllers/kustomize/src/drift/index.js';
import { kubeConfig, kubectl, uniqueName, useNamespace, waitFor } from '../harness/index.js';

const ns = useNamespace('drift');
const kustomization = `flux-system/${uniqueName('drift')}`;
const [ksNamespace = '', ksName = ''] = kustomization.split('/');
const labels = ownerLabelsFor(ksName, ksNamespace);

const deployment = (): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: ns.name, labels: { ...labels } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] },
    },
  },
});
const service = (): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: ns.name, labels: { ...labels } },
  spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
});
const configMap = (): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cfg', namespace: ns.name, labels: { ...labels } },
  data: { color: 'blue' },
});

/** Server-side applies as the controller does: field manager `moor`, forced. */
async function applyAsMoor(object: KubeObject): Promise<KubeObject> {
  const api = RawObjectApi.fromKubeConfig(kubeConfig());
  const apiVersion = String(object.apiVersion);
  const info = await api.lookup(apiVersion, String(object.kind));
  if (!info) throw new Error(`${String(object.kind)} is not served`);
  const meta = object.metadata as { name: string; namespace: string };
  return api.send({
    method: 'PATCH',
    path: RawObjectApi.path(apiVersion, info, meta.namespace, meta.name),
    query: { fieldManager: 'moor', force: 'true' },
    body: object,
    contentType: 'application/apply-patch+yaml',
  });
}

const events: Array<DriftEvent & { at: number }> = [];
const errors: Error[] = [];
let watcher: DriftWatcher;

/** Applies the desired set as `moor` and (re)tracks it, as a reconcile in mode Correct would. */
async function reconcile(ignore: readonly IgnoreRule[] = []): Promise<void> {
  const tracked: TrackedObject[] = [];
  for (const desired of [deployment(), service(), configMap()]) {
    tracked.push(trackedObject(desired, await applyAsMoor(desired)));
  }
  watcher.track(kustomization, tracked, { ignore });
}

/** Runs kubectl, then waits for the first report after it that `match` accepts. */
async function driftAfter(
  args: string[],
  match: (event: DriftEvent) => boolean,
): Promise<{ event: DriftEvent; latencyMs: number; reports: DriftEvent[] }> {
  const from = events.length;
  const started = Date.now();
  await kubectl([...args, '-n', ns.name]);
  const event = await waitFor(() => events.slice(from).find(match), {
    description: `a drift report after kubectl ${args.join(' ')}`,
    timeoutMs: 15_000,
    intervalMs: 20,
  });
  const latencyMs = event.at - started;
  console.info(`kubectl ${args.join(' ')} → onDrift in ${latencyMs} ms`);
  return { event, latencyMs, reports: events.slice(from) };
}

const isDeployment = (e: DriftEvent) => e.ref.kind === 'Deployment' && e.ref.name === 'web';

describe('DriftWatcher', () => {
  beforeAll(async () => {
    watcher = new DriftWatcher({
      listWatch: kubeListWatchFactory(kubeConfig()),
      onDrift: (event) => {
        events.push({ ...event, at: Date.now() });
      },
      onError: (error) => errors.push(error),
    });
    await reconcile();
    expect(await watcher.whenSynced()).toBe(true);
  });

  afterAll(() => {
    watcher?.stop();
  });

  it('watches each kind it tracks, and reports nothing right after our apply', () => {
    expect(watcher.watchedKinds()).toEqual(['apps/v1/Deployment', 'v1/ConfigMap', 'v1/Service']);
    expect(events).toEqual([]);
  });

  it('reports kubectl scale at spec.replicas, naming kubectl, within seconds', async () => {
    const { event, latencyMs } = await driftAfter(['scale', 'deployment/web', '--replicas=9'], isDeployment);
    expect(event).toMatchObject({
      kustomization,
      ref: { group: 'apps', version: 'v1', kind: 'Deployment', namespace: ns.name, name: 'web' },
      kind: 'modified',
    });
    expect(event.changes).toEqual([
      expect.objectContaining({
        path: 'spec.replicas',
        desired: 2,
        live: 9,
        manager: 'kubectl',
        operation: 'Update',
        subresource: 'scale',
      }),
    ]);
    expect(latencyMs).toBeLessThan(5_000);
    await reconcile();
  });

  it('reports kubectl set image at the container image, naming kubectl-set', async () => {
    const { event, latencyMs } = await driftAfter(
      ['set', 'image', 'deployment/web', 'web=nginx:1.28'],
      isDeployment,
    );
    expect(event.changes).toEqual([
      expect.objectContaining({
        path: 'spec.template.spec.containers[name=web].image',
        desired: 'nginx:1.27',
        live: 'nginx:1.28',
        manager: 'kubectl-set',
        operation: 'Update',
      }),
    ]);
    expect(latencyMs).toBeLessThan(5_000);
    await reconcile();
  });

  it('reports kubectl patch of a ConfigMap value, naming kubectl-patch', async () => {
    const { event } = await driftAfter(
      ['patch', 'configmap', 'cfg', '--type=merge', '-p', '{"data":{"color":"red","extra":"x"}}'],
      (e) => e.ref.kind === 'ConfigMap',
    );
    expect(event.changes).toEqual([
      expect.objectContaining({ path: 'data.color', desired: 'blue', live: 'red', manager: 'kubectl-patch' }),
    ]);
    await reconcile();
  });

  it('does not report labels and annotations we do not set', async () => {
    await kubectl(['label', 'deployment/web', 'team=payments', '-n', ns.name]);
    await kubectl(['annotate', 'deployment/web', 'example.com/note=hello', '-n', ns.name]);
    const { reports } = await driftAfter(['scale', 'deployment/web', '--replicas=5'], isDeployment);
    expect(reports.map((r) => r.changes.map((c) => c.path))).toEqual([['spec.replicas']]);
    await reconcile();
  });

  it('does not report a change made with our field manager', async () => {
    const changed = deployment();
    (changed.spec as KubeObject).replicas = 3;
    await applyAsMoor(changed); // e.g. a newer revision, applied before track() was told
    const { reports } = await driftAfter(['set', 'image', 'deployment/web', 'web=nginx:1.29'], isDeployment);
    expect(reports.map((r) => r.changes.map((c) => [c.path, c.manager]))).toEqual([
      [['spec.template.spec.containers[name=web].image', 'kubectl-set']],
    ]);
    await reconcile();
  });

  it('does not report a field an ignore rule covers', async () => {
    await reconcile([{ paths: ['/spec/replicas'], target: { kind: 'Deployment' } }]);
    await kubectl(['scale', 'deployment/web', '--replicas=7', '-n', ns.name]);
    const { reports } = await driftAfter(['set', 'image', 'deployment/web', 'web=nginx:1.30'], isDeployment);
    expect(reports.map((r) => r.changes.map((c) => c.path))).toEqual([
      ['spec.template.spec.containers[name=web].image'],
    ]);
    await reconcile();
  });

  it('reports a deleted Service as kind deleted', async () => {
    const { event, latencyMs } = await driftAfter(
      ['delete', 'service', 'web', '--wait=false'],
      (e) => e.ref.kind === 'Service',
    );
    expect(event).toMatchObject({
      kustomization,
      ref: { group: '', version: 'v1', kind: 'Service', namespace: ns.name, name: 'web' },
      kind: 'deleted',
      changes: [],
    });
    expect(latencyMs).toBeLessThan(5_000);
    await reconcile();
  });

  it('stops watching kinds nobody tracks any more', () => {
    watcher.untrack(kustomization);
    expect(watcher.watchedKinds()).toEqual([]);
    expect(errors).toEqual([]);
  });
});
