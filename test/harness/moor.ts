// Moor's own objects in tests: create them, read them, wait for their conditions. One client
// per kind (`gitRepositories`, `kustomizations`, ...), the same methods for each.
import * as k8s from '@kubernetes/client-node';
import {
  type Alert,
  AlertResource,
  type Condition,
  type GitRepository,
  GitRepositoryResource,
  type GitRepositorySpec,
  type Kustomization,
  KustomizationResource,
  type KustomizationSpec,
  type Provider,
  ProviderResource,
  RECONCILE_REQUESTED_AT_ANNOTATION,
  type Receiver,
  ReceiverResource,
} from '@moor/api';
import { core, kubeConfig } from './kube.js';
import { waitFor } from './wait.js';

interface MoorObject {
  metadata: { name?: string; namespace?: string; generation?: number; annotations?: Record<string, string> };
  spec?: unknown;
  status?: { conditions?: Condition[]; observedGeneration?: number };
}

interface Descriptor {
  group: string;
  version: string;
  plural: string;
  kind: string;
  apiVersion: string;
}

export function condition(
  obj: { status?: { conditions?: Condition[] } },
  type = 'Ready',
): Condition | undefined {
  return obj.status?.conditions?.find((c) => c.type === type);
}

/** Ready=True for the current generation. */
export const isReady = (o: MoorObject) =>
  condition(o)?.status === 'True' && o.status?.observedGeneration === o.metadata.generation;

/** Ready=False with this reason. */
export const failedWith = (reason: string) => (o: MoorObject) =>
  condition(o)?.status === 'False' && condition(o)?.reason === reason;

export class MoorClient<T extends MoorObject, S> {
  constructor(private readonly r: Descriptor) {}

  private api() {
    return kubeConfig().makeApiClient(k8s.CustomObjectsApi);
  }

  async create(
    namespace: string,
    name: string,
    spec: S,
    labels: Record<string, string> = {},
    annotations: Record<string, string> = {},
  ): Promise<T> {
    const { group, version, plural, apiVersion, kind } = this.r;
    const body = { apiVersion, kind, metadata: { name, namespace, labels, annotations }, spec };
    return (await this.api().createNamespacedCustomObject({ group, version, namespace, plural, body })) as T;
  }

  async get(namespace: string, name: string): Promise<T> {
    const { group, version, plural } = this.r;
    return (await this.api().getNamespacedCustomObject({ group, version, namespace, plural, name })) as T;
  }

  /** A JSON merge patch (null removes a key). */
  async patch(namespace: string, name: string, patch: object): Promise<void> {
    const { group, version, plural } = this.r;
    await this.api().patchNamespacedCustomObject(
      { group, version, namespace, plural, name, body: patch },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
  }

  async delete(namespace: string, name: string): Promise<void> {
    const { group, version, plural } = this.r;
    await this.api().deleteNamespacedCustomObject({ group, version, namespace, plural, name });
  }

  /** Resolves once the object is gone (finalizers done). */
  async waitDeleted(namespace: string, name: string, timeoutMs = 30_000): Promise<void> {
    await waitFor(
      () =>
        this.get(namespace, name).then(
          () => false,
          (e: { code?: number }) => e.code === 404,
        ),
      { description: `${this.r.kind} ${namespace}/${name} to be deleted`, timeoutMs },
    );
  }

  /** Sets reconcile.moor.dev/requestedAt to now, as `moor reconcile` does; returns the value. */
  async requestReconcile(namespace: string, name: string): Promise<string> {
    const at = new Date().toISOString();
    await this.patch(namespace, name, {
      metadata: { annotations: { [RECONCILE_REQUESTED_AT_ANNOTATION]: at } },
    });
    return at;
  }

  /** Waits until the object satisfies `predicate`; returns it. */
  waitFor(
    namespace: string,
    name: string,
    predicate: (o: T) => boolean,
    description: string,
    timeoutMs = 30_000,
  ): Promise<T> {
    return waitFor(
      async () => {
        const o = await this.get(namespace, name);
        return predicate(o) ? o : undefined;
      },
      { description: `${this.r.kind} ${namespace}/${name}: ${description}`, timeoutMs },
    );
  }
}

export const gitRepositories = new MoorClient<GitRepository, GitRepositorySpec>(GitRepositoryResource);
export const kustomizations = new MoorClient<Kustomization, KustomizationSpec>(KustomizationResource);
export const providers = new MoorClient<Provider, Provider['spec']>(ProviderResource);
export const alerts = new MoorClient<Alert, Alert['spec']>(AlertResource);
export const receivers = new MoorClient<Receiver, Receiver['spec']>(ReceiverResource);

// GitRepository shorthands, used throughout the source tests.
export const createGitRepository = (
  namespace: string,
  name: string,
  spec: GitRepositorySpec,
  labels: Record<string, string> = {},
) => gitRepositories.create(namespace, name, spec, labels);
export const getGitRepository = (namespace: string, name: string) => gitRepositories.get(namespace, name);
export const patchGitRepository = (namespace: string, name: string, patch: object) =>
  gitRepositories.patch(namespace, name, patch);
export const deleteGitRepository = (namespace: string, name: string) =>
  gitRepositories.delete(namespace, name);
export const requestReconcile = (namespace: string, name: string) =>
  gitRepositories.requestReconcile(namespace, name);
export const waitForGitRepository = (
  namespace: string,
  name: string,
  predicate: (repo: GitRepository) => boolean,
  description: string,
  timeoutMs = 30_000,
) => gitRepositories.waitFor(namespace, name, predicate, description, timeoutMs);

export async function createSecret(
  namespace: string,
  name: string,
  data: Record<string, string>,
): Promise<void> {
  await core().createNamespacedSecret({ namespace, body: { metadata: { name }, stringData: data } });
}
