// Moor's own objects in tests: create them, read them, wait for their conditions.
import * as k8s from '@kubernetes/client-node';
import {
  type Condition,
  type GitRepository,
  GitRepositoryResource,
  type GitRepositorySpec,
  RECONCILE_REQUESTED_AT_ANNOTATION,
} from '@moor/api';
import { core, kubeConfig } from './kube.js';
import { waitFor } from './wait.js';

const customObjects = () => kubeConfig().makeApiClient(k8s.CustomObjectsApi);
const { group, version, plural } = GitRepositoryResource;

export function condition(
  obj: { status?: { conditions?: Condition[] } },
  type = 'Ready',
): Condition | undefined {
  return obj.status?.conditions?.find((c) => c.type === type);
}

export async function createGitRepository(
  namespace: string,
  name: string,
  spec: GitRepositorySpec,
  labels: Record<string, string> = {},
): Promise<GitRepository> {
  const body: GitRepository = {
    apiVersion: GitRepositoryResource.apiVersion,
    kind: GitRepositoryResource.kind,
    metadata: { name, namespace, labels },
    spec,
  };
  return (await customObjects().createNamespacedCustomObject({
    group,
    version,
    namespace,
    plural,
    body,
  })) as GitRepository;
}

export async function getGitRepository(namespace: string, name: string): Promise<GitRepository> {
  return (await customObjects().getNamespacedCustomObject({
    group,
    version,
    namespace,
    plural,
    name,
  })) as GitRepository;
}

export async function patchGitRepository(namespace: string, name: string, patch: object): Promise<void> {
  await customObjects().patchNamespacedCustomObject(
    { group, version, namespace, plural, name, body: patch },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
}

export async function deleteGitRepository(namespace: string, name: string): Promise<void> {
  await customObjects().deleteNamespacedCustomObject({ group, version, namespace, plural, name });
}

/** Sets reconcile.moor.dev/requestedAt to now, as `moor reconcile` does; returns the value. */
export async function requestReconcile(namespace: string, name: string): Promise<string> {
  const at = new Date().toISOString();
  await patchGitRepository(namespace, name, {
    metadata: { annotations: { [RECONCILE_REQUESTED_AT_ANNOTATION]: at } },
  });
  return at;
}

/** Waits until the GitRepository satisfies `predicate`; returns it. */
export function waitForGitRepository(
  namespace: string,
  name: string,
  predicate: (repo: GitRepository) => boolean,
  description: string,
  timeoutMs = 30_000,
): Promise<GitRepository> {
  return waitFor(
    async () => {
      const repo = await getGitRepository(namespace, name);
      return predicate(repo) ? repo : undefined;
    },
    { description: `GitRepository ${namespace}/${name}: ${description}`, timeoutMs },
  );
}

/** Ready=True for the current generation. */
export const isReady = (repo: GitRepository) =>
  condition(repo)?.status === 'True' && repo.status?.observedGeneration === repo.metadata.generation;

/** Ready=False with this reason. */
export const failedWith = (reason: string) => (repo: GitRepository) =>
  condition(repo)?.status === 'False' && condition(repo)?.reason === reason;

export async function createSecret(
  namespace: string,
  name: string,
  data: Record<string, string>,
): Promise<void> {
  await core().createNamespacedSecret({ namespace, body: { metadata: { name }, stringData: data } });
}
