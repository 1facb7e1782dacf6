// The apply stage against the real sandbox: staged server-side apply with a change set,
// all-at-once dry-run errors, CRDs with their custom resources in one set, pruning with owner
// labels and prune-disabled annotations, kstatus waits, and force-recreation on immutable fields.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ApplyError,
  type ApplyEvent,
  type ApplyInput,
  DryRunError,
  ImmutableFieldError,
  inventoryOf,
  type KubeObject,
  type ObjectRef,
  ObjectRequestError,
  ownerLabelsFor,
  ResourceManager,
  refOf,
  staleEntries,
  UnknownKindError,
  WaitFailedError,
  WaitTimeoutError,
} from '../../controllers/kustomize/src/apply/index.js';
import { computeStatus } from '../../packages/runtime/src/kstatus.js';
import { core, kubeConfig, kubectl, objects, uniqueName, useNamespace, waitFor } from '../harness/index.js';

const owner = ownerLabelsFor(uniqueName('apply'), 'flux-system');

function manager(): ResourceManager {
  return new ResourceManager(kubeConfig(), { computeStatus, ownerLabels: owner });
}

const input = (object: KubeObject, path: string): ApplyInput => ({ object, origin: { path } });

function configMap(namespace: string, name: string, data: Record<string, string>, extra: KubeObject = {}) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, ...extra }, data };
}

function deployment(namespace: string, name: string, replicas: number, podSpec: KubeObject = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image: 'nginx:1.27' }], ...podSpec },
      },
    },
  };
}

/** Reads an object as JSON, undefined when it does not exist. */
async function live(ref: Pick<ObjectRef, 'kind' | 'namespace' | 'name'> & { apiVersion: string }) {
  try {
    return await objects().read({
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      metadata: { name: ref.name, ...(ref.namespace && { namespace: ref.namespace }) },
    });
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

describe('ResourceManager.applyAllStaged', () => {
  const nsName = uniqueName('apply-app');
  afterAll(async () => {
    await core()
      .deleteNamespace({ name: nsName })
      .catch(() => undefined);
  });
  const set = (replicas: number) => [
    input({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: nsName } }, 'ns.yaml'),
    input(deployment(nsName, 'web', replicas), 'app/deploy.yaml'),
    input(
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: nsName },
        spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
      },
      'app/svc.yaml',
    ),
    input(configMap(nsName, 'cfg', { color: 'blue' }), 'app/cm.yaml'),
  ];
  const actions = (entries: { ref: ObjectRef; action: string }[]) =>
    Object.fromEntries(entries.map((e) => [`${e.ref.kind}/${e.ref.name}`, e.action]));

  it('creates a new set namespace first, reporting stages and objects as events', async () => {
    // Before the Namespace exists, its objects cannot be dry-run: they are deferred, not errors.
    const dry = await manager().dryRunAll(set(1));
    expect(dry.entries.map((e) => [e.ref.kind, e.action])).toEqual([['Namespace', 'created']]);
    expect(dry.deferred.map((e) => e.ref.kind)).toEqual(['Deployment', 'Service', 'ConfigMap']);

    const events: ApplyEvent[] = [];
    const entries = await manager().applyAllStaged(set(1), { onEvent: (e) => events.push(e) });

    expect(actions(entries)).toEqual({
      [`Namespace/${nsName}`]: 'created',
      'Deployment/web': 'created',
      'Service/web': 'created',
      'ConfigMap/cfg': 'created',
    });
    expect(entries.find((e) => e.ref.kind === 'Deployment')).toMatchObject({
      ref: { group: 'apps', version: 'v1', namespace: nsName, name: 'web' },
      file: 'app/deploy.yaml',
    });
    const stages = events.flatMap((e) => (e.type === 'StageStarted' ? [e.stage] : []));
    expect(stages).toEqual(['definitions', 'resources']);
    expect(events.filter((e) => e.type === 'ObjectApplied')).toHaveLength(4);
    const cm = await core().readNamespacedConfigMap({ name: 'cfg', namespace: nsName });
    expect(cm.metadata?.labels).toMatchObject(owner);
    expect(cm.metadata?.managedFields?.map((f) => [f.manager, f.operation])).toEqual([['moor', 'Apply']]);
  });

  it('reports an identical re-apply as unchanged without writing', async () => {
    // Only we write the ConfigMap (controllers update the Deployment's status meanwhile).
    const before = await core().readNamespacedConfigMap({ name: 'cfg', namespace: nsName });
    const entries = await manager().applyAllStaged(set(1));
    expect(new Set(entries.map((e) => e.action))).toEqual(new Set(['unchanged']));
    const after = await core().readNamespacedConfigMap({ name: 'cfg', namespace: nsName });
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
  });

  it('reports a changed replicas field as configured with spec.replicas among the changed fields', async () => {
    const entries = await manager().applyAllStaged(set(2));
    const deploy = entries.find((e) => e.ref.kind === 'Deployment');
    expect(deploy?.action).toBe('configured');
    expect(deploy?.changedFields).toContain('spec.replicas');
    expect(entries.filter((e) => e.ref.kind !== 'Deployment').map((e) => e.action)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
    const d = await live({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: nsName, name: 'web' });
    expect((d as { spec?: { replicas?: number } }).spec?.replicas).toBe(2);
  });

  it('takes over fields an out-of-band kubectl edit added, so the next apply removes them', async () => {
    await kubectl([
      'patch',
      'configmap',
      'cfg',
      '-n',
      nsName,
      '--type=merge',
      '-p',
      '{"data":{"extra":"x"}}',
    ]);
    const entries = await manager().applyAllStaged(set(2));
    const cm = entries.find((e) => e.ref.kind === 'ConfigMap');
    expect(cm?.action).toBe('configured');
    expect(cm?.changedFields).toContain('data.extra');
    const after = await core().readNamespacedConfigMap({ name: 'cfg', namespace: nsName });
    expect(after.data).toEqual({ color: 'blue' });
    expect(after.metadata?.managedFields?.some((f) => f.manager?.startsWith('kubectl'))).toBe(false);
  });
});

describe('ResourceManager.dryRunAll', () => {
  const ns = useNamespace('apply-dry');

  it('reports every invalid object at once, each with its file, and writes nothing', async () => {
    const set = [
      input(configMap(ns.name, 'fine', { a: '1' }), 'ok/cm.yaml'),
      input(
        {
          apiVersion: `nope-${randomBytes(3).toString('hex')}.moor.test/v1`,
          kind: 'Widget',
          metadata: { name: 'w', namespace: ns.name },
        },
        'bad/widget.yaml',
      ),
      input(
        {
          ...deployment(ns.name, 'bad', 1),
          spec: { ...(deployment(ns.name, 'bad', 1).spec as KubeObject), replicas: 'three' },
        },
        'bad/deploy.yaml',
      ),
    ];
    const error = await manager()
      .dryRunAll(set)
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(error).toBeInstanceOf(DryRunError);
    const errors = (error as DryRunError).errors;
    expect(errors).toHaveLength(2);
    const unknown = errors.find((e) => e instanceof UnknownKindError);
    expect(unknown?.message).toMatch(new RegExp(`^bad/widget\\.yaml: Widget/${ns.name}/w: `));
    const schema = errors.find((e) => e instanceof ObjectRequestError);
    expect(schema?.message).toMatch(
      new RegExp(`^bad/deploy\\.yaml: Deployment/${ns.name}/bad: dry-run apply failed: `),
    );
    expect(schema?.message).toContain('replicas');
    expect((error as DryRunError).message).toContain('bad/widget.yaml');

    expect(
      await live({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns.name, name: 'fine' }),
    ).toBeUndefined();
    expect(
      await live({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns.name, name: 'bad' }),
    ).toBeUndefined();
  });

  it('predicts what a valid set would do, without writing', async () => {
    const result = await manager().dryRunAll([input(configMap(ns.name, 'new', { a: '1' }), 'cm.yaml')]);
    expect(result.entries.map((e) => [e.ref.name, e.action])).toEqual([['new', 'created']]);
    expect(
      await live({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns.name, name: 'new' }),
    ).toBeUndefined();
  });
});

describe('a CRD and its custom resources in one set', () => {
  const ns = useNamespace('apply-crd');
  const group = `apply-${randomBytes(4).toString('hex')}.moor.test`;
  const crdName = `gadgets.${group}`;
  afterAll(async () => {
    await kubectl(['delete', 'crd', crdName, '--ignore-not-found', '--wait=false']);
  });
  const crd: KubeObject = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: crdName },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
            },
          },
        },
      ],
    },
  };
  const gadget = (): KubeObject => ({
    apiVersion: `${group}/v1`,
    kind: 'Gadget',
    metadata: { name: 'g1', namespace: ns.name },
    spec: { anything: { goes: true } },
  });

  it('dry-run defers the custom resource, and a staged apply creates both', async () => {
    const set = [input(gadget(), 'gadget.yaml'), input(crd, 'crd.yaml')];
    const dry = await manager().dryRunAll(set);
    expect(dry.deferred.map((e) => e.ref.kind)).toEqual(['Gadget']);

    const entries = await manager().applyAllStaged(set);
    expect(entries.map((e) => [e.ref.kind, e.action])).toEqual([
      ['CustomResourceDefinition', 'created'],
      ['Gadget', 'created'],
    ]);
    const cr = await live({ apiVersion: `${group}/v1`, kind: 'Gadget', namespace: ns.name, name: 'g1' });
    expect((cr as { spec?: unknown }).spec).toEqual({ anything: { goes: true } });
    // The schema's x-kubernetes-* keys reached the server untouched.
    const { stdout } = await kubectl(['get', 'crd', crdName, '-o', 'json']);
    expect(stdout).toContain('"x-kubernetes-preserve-unknown-fields": true');
  });
});

describe('ResourceManager.prune', () => {
  const ns = useNamespace('apply-prune');
  const emptyNs = uniqueName('apply-prune-empty');
  const keptNs = uniqueName('apply-prune-kept');
  afterAll(async () => {
    for (const name of [emptyNs, keptNs])
      await core()
        .deleteNamespace({ name })
        .catch(() => undefined);
  });

  it('deletes our removed objects, keeps prune-disabled and relabelled ones, and namespaces last', async () => {
    const disabled = { annotations: { 'kustomize.moor.dev/prune': 'disabled' } };
    const old = [
      input({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: emptyNs } }, 'ns.yaml'),
      input({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: keptNs } }, 'ns.yaml'),
      input(configMap(ns.name, 'stays', { a: '1' }), 'cm.yaml'),
      input(configMap(ns.name, 'removed', { a: '1' }), 'cm.yaml'),
      input(configMap(ns.name, 'disabled', { a: '1' }, disabled), 'cm.yaml'),
      input(configMap(ns.name, 'disowned', { a: '1' }), 'cm.yaml'),
      input(
        configMap(
          keptNs,
          'flux-disabled',
          { a: '1' },
          { annotations: { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' } },
        ),
        'cm.yaml',
      ),
    ];
    const applied = await manager().applyAllStaged(old);
    await kubectl(['label', 'configmap', 'disowned', '-n', ns.name, 'kustomize.moor.dev/name-']);

    const stale = staleEntries(
      inventoryOf(applied.map((e) => e.ref)),
      inventoryOf([refOf({ ...configMap(ns.name, 'stays', {}) })]),
    );
    expect(stale).toHaveLength(6);
    const events: ApplyEvent[] = [];
    const result = await manager().prune(stale, { ownerLabels: owner, onEvent: (e) => events.push(e) });

    expect(result.deleted.map((e) => `${e.ref.kind}/${e.ref.name}`)).toEqual([
      'ConfigMap/removed',
      `Namespace/${emptyNs}`,
    ]);
    expect(Object.fromEntries(result.skipped.map((e) => [e.ref.name, e.reason]))).toEqual({
      disabled: 'pruning is disabled by annotation',
      disowned: 'no longer carries our owner labels',
      'flux-disabled': 'pruning is disabled by annotation',
      [keptNs]: `it holds objects that are kept: ConfigMap/${keptNs}/flux-disabled`,
    });
    const pruned = events.flatMap((e) => (e.type === 'ObjectPruned' ? [e.entry.ref.kind] : []));
    expect(pruned).toEqual(['ConfigMap', 'Namespace']);

    expect(
      await live({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns.name, name: 'removed' }),
    ).toBeUndefined();
    for (const name of ['stays', 'disabled', 'disowned']) {
      expect(await live({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns.name, name })).toBeDefined();
    }
    const keptNamespace = await core().readNamespace({ name: keptNs });
    expect(keptNamespace.metadata?.deletionTimestamp).toBeUndefined();
    const gone = await core()
      .readNamespace({ name: emptyNs })
      .then(
        (n) => n.metadata?.deletionTimestamp !== undefined,
        () => true,
      );
    expect(gone).toBe(true);
  });
});

describe('ResourceManager.waitForSet', () => {
  const ns = useNamespace('apply-wait');
  const unschedulable = { nodeSelector: { 'moor.dev/no-such-node': 'true' } };

  it('returns once a Deployment is Current', async () => {
    const [entry] = await manager().applyAllStaged([input(deployment(ns.name, 'ready', 1), 'd.yaml')]);
    const results = await manager().waitForSet([entry!.ref], { timeoutMs: 90_000, pollMs: 250 });
    expect(results).toEqual([
      { ref: entry!.ref, status: 'Current', message: 'Deployment is available. Replicas: 1' },
    ]);
  });

  it('fails fast when a Deployment exceeds its progress deadline', async () => {
    const stuck = deployment(ns.name, 'deadline', 1, unschedulable);
    (stuck.spec as KubeObject).progressDeadlineSeconds = 2;
    const [entry] = await manager().applyAllStaged([input(stuck, 'd.yaml')]);
    const started = Date.now();
    const error = await manager()
      .waitForSet([entry!.ref], { timeoutMs: 150_000, pollMs: 250 })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WaitFailedError);
    expect(Date.now() - started).toBeLessThan(150_000);
    expect((error as WaitFailedError).failed[0]?.message).toMatch(/^Progress deadline exceeded/);
    expect((error as WaitFailedError).message).toContain(`Deployment/${ns.name}/deadline`);
  });

  it('times out with every pending object and its message', async () => {
    const [entry] = await manager().applyAllStaged([
      input(deployment(ns.name, 'pending', 1, unschedulable), 'd.yaml'),
    ]);
    const error = await manager()
      .waitForSet([entry!.ref], { timeoutMs: 2_000, pollMs: 200 })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    const [result] = (error as WaitTimeoutError).results;
    expect(result?.status).toBe('InProgress');
    expect((error as WaitTimeoutError).message).toContain(`Deployment/${ns.name}/pending: InProgress: `);
  });
});

describe('force', () => {
  const ns = useNamespace('apply-force');
  const job = (image: string): KubeObject => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'migrate', namespace: ns.name },
    spec: {
      backoffLimit: 0,
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'migrate', image }] } },
    },
  });

  it('refuses an immutable change without force, and recreates the object with it', async () => {
    await manager().applyAllStaged([input(job('busybox:1'), 'job.yaml')]);
    const before = await live({ apiVersion: 'batch/v1', kind: 'Job', namespace: ns.name, name: 'migrate' });

    const refused = await manager()
      .applyAllStaged([input(job('busybox:2'), 'job.yaml')])
      .catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ApplyError);
    const [cause] = (refused as ApplyError).errors;
    expect(cause).toBeInstanceOf(ImmutableFieldError);
    expect(cause?.message).toMatch(
      new RegExp(`^job\\.yaml: Job/${ns.name}/migrate: dry-run apply failed: .*immutable`),
    );

    const events: ApplyEvent[] = [];
    const [entry] = await manager().applyAllStaged([input(job('busybox:2'), 'job.yaml')], {
      force: true,
      onEvent: (e) => events.push(e),
    });
    expect(entry).toMatchObject({ action: 'created', recreated: true });
    expect(events.some((e) => e.type === 'ObjectRecreating')).toBe(true);
    const after = await waitFor(
      () => live({ apiVersion: 'batch/v1', kind: 'Job', namespace: ns.name, name: 'migrate' }),
      { description: 'the recreated Job', timeoutMs: 30_000 },
    );
    expect(after.metadata?.uid).not.toBe(before?.metadata?.uid);
    expect(JSON.stringify(after)).toContain('busybox:2');
  });
});
