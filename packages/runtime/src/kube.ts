// Kubernetes access shared by the controllers: loading credentials, and the writes every
// controller makes the same way (status through server-side apply with the controller's field
// owner, finalizers through optimistic-concurrency merge patches).
import { createHash } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';

/** What a controller needs to address one kind of custom resource. */
export interface ResourceDescriptor {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

export const apiVersionOf = (r: Pick<ResourceDescriptor, 'group' | 'version'>) =>
  r.group ? `${r.group}/${r.version}` : r.version;

export interface ObjectMetaLike {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  finalizers?: string[];
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  deletionTimestamp?: Date | string;
}

export interface ObjectLike {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMetaLike;
}

export interface LoadKubeConfigOptions {
  /** A kubeconfig file; default: $KUBECONFIG, then in-cluster, then ~/.kube/config. */
  kubeconfig?: string;
  /** Act as this user (for example system:serviceaccount:moor-system:source-controller). */
  impersonate?: string;
}

type DispatcherFactory = (cluster: k8s.Cluster | null, agentOptions: Record<string, unknown>) => unknown;

/**
 * @kubernetes/client-node 2.x creates a new undici Agent, so a new TCP and TLS connection, for
 * every request. A controller makes thousands; this KubeConfig hands out one dispatcher per
 * server and TLS identity instead, so connections are reused.
 */
export class PooledKubeConfig extends k8s.KubeConfig {
  private readonly dispatchers = new Map<string, unknown>();

  constructor() {
    super();
    const self = this as unknown as { createDispatcher: DispatcherFactory };
    const create = self.createDispatcher.bind(this);
    self.createDispatcher = (cluster, agentOptions) => {
      const o = agentOptions;
      const key = createHash('sha256')
        .update(
          JSON.stringify([
            cluster?.server,
            cluster?.proxyUrl,
            String(o.ca),
            String(o.cert),
            String(o.key),
            o.rejectUnauthorized,
            o.servername,
          ]),
        )
        .digest('hex');
      if (!this.dispatchers.has(key)) this.dispatchers.set(key, create(cluster, agentOptions));
      return this.dispatchers.get(key);
    };
  }
}

/** A copy of `kc` whose requests act as `user` (Kubernetes impersonation). */
export function withImpersonation(kc: k8s.KubeConfig, user: string): k8s.KubeConfig {
  const current = kc.getCurrentUser();
  if (!current) throw new Error('the kubeconfig has no current user to impersonate from');
  const next = new PooledKubeConfig();
  next.loadFromOptions({
    clusters: kc.clusters,
    users: kc.users.map((u) => (u.name === current.name ? { ...u, impersonateUser: user } : u)),
    contexts: kc.contexts,
    currentContext: kc.getCurrentContext(),
  });
  return next;
}

export function loadKubeConfig(opts: LoadKubeConfigOptions = {}): k8s.KubeConfig {
  const kc = new PooledKubeConfig();
  if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
  else kc.loadFromDefault();
  return opts.impersonate ? withImpersonation(kc, opts.impersonate) : kc;
}

const APPLY = { 'Content-Type': k8s.PatchStrategy.ServerSideApply };
const MERGE = { 'Content-Type': k8s.PatchStrategy.MergePatch };

function headerOptions(headers: Record<string, string>) {
  let opts: ReturnType<typeof k8s.setHeaderOptions> | undefined;
  for (const [k, v] of Object.entries(headers)) opts = k8s.setHeaderOptions(k, v, opts);
  return opts;
}

/** Reads, lists and writes one custom resource kind. */
export class ResourceClient<T extends ObjectLike> {
  private readonly api: k8s.CustomObjectsApi;

  constructor(
    kc: k8s.KubeConfig,
    readonly resource: ResourceDescriptor,
    /** The field manager of every write, e.g. source-controller. */
    readonly fieldManager: string,
  ) {
    this.api = kc.makeApiClient(k8s.CustomObjectsApi);
  }

  async get(namespace: string, name: string): Promise<T> {
    const { group, version, plural } = this.resource;
    return (await this.api.getNamespacedCustomObject({ group, version, namespace, plural, name })) as T;
  }

  async list(namespace?: string, labelSelector?: string): Promise<T[]> {
    const { group, version, plural } = this.resource;
    const res = (
      namespace
        ? await this.api.listNamespacedCustomObject({ group, version, namespace, plural, labelSelector })
        : await this.api.listClusterCustomObject({ group, version, plural, labelSelector })
    ) as { items: T[] };
    return res.items;
  }

  /**
   * Server-side applies `status` as this controller's field manager. Only the fields given are
   * owned, so two controllers (or a controller and `moor`) can write different status fields.
   */
  async applyStatus(namespace: string, name: string, status: object): Promise<T> {
    const { group, version, plural, kind } = this.resource;
    const body = { apiVersion: apiVersionOf(this.resource), kind, metadata: { name, namespace }, status };
    return (await this.api.patchNamespacedCustomObjectStatus(
      { group, version, namespace, plural, name, body, fieldManager: this.fieldManager, force: true },
      headerOptions(APPLY),
    )) as T;
  }

  /** A JSON merge patch of metadata guarded by resourceVersion: fails with 409 on a concurrent change. */
  async patchMetadata(obj: T, metadata: Partial<ObjectMetaLike>): Promise<T> {
    const { group, version, plural } = this.resource;
    const namespace = obj.metadata?.namespace as string;
    const name = obj.metadata?.name as string;
    const body = { metadata: { ...metadata, resourceVersion: obj.metadata?.resourceVersion } };
    return (await this.api.patchNamespacedCustomObject(
      { group, version, namespace, plural, name, body, fieldManager: this.fieldManager },
      headerOptions(MERGE),
    )) as T;
  }

  /** A JSON merge patch guarded by resourceVersion (null removes a key). */
  async mergePatch(obj: T, patch: { metadata?: Record<string, unknown>; [k: string]: unknown }): Promise<T> {
    const { group, version, plural } = this.resource;
    const namespace = obj.metadata?.namespace as string;
    const name = obj.metadata?.name as string;
    const body = {
      ...patch,
      metadata: { ...patch.metadata, resourceVersion: obj.metadata?.resourceVersion },
    };
    return (await this.api.patchNamespacedCustomObject(
      { group, version, namespace, plural, name, body, fieldManager: this.fieldManager },
      headerOptions(MERGE),
    )) as T;
  }

  async addFinalizer(obj: T, finalizer: string): Promise<T> {
    const current = obj.metadata?.finalizers ?? [];
    if (current.includes(finalizer)) return obj;
    return this.patchMetadata(obj, { finalizers: [...current, finalizer] });
  }

  async removeFinalizer(obj: T, finalizer: string): Promise<T> {
    const current = obj.metadata?.finalizers ?? [];
    if (!current.includes(finalizer)) return obj;
    return this.patchMetadata(obj, { finalizers: current.filter((f) => f !== finalizer) });
  }
}
