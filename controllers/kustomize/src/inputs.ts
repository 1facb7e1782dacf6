// What a Kustomization reads besides its own spec: the source's artifact (downloaded and
// checked against its digest), its dependencies' readiness, and the values of
// postBuild.substituteFrom. Every failure names the object it could not use.
import type * as k8s from '@kubernetes/client-node';
import {
  ConditionType,
  type GitRepository,
  GitRepositoryResource,
  type Kustomization,
  KustomizationResource,
} from '@moor/api';
import { verifyDigest } from '@moor/kustomize-build';
import { isNotFound, type ResourceClient, RetryableError } from '@moor/runtime';

export const Reasons = {
  ArtifactFailed: 'ArtifactFailed',
  DependencyNotReady: 'DependencyNotReady',
  SubstituteFailed: 'SubstituteFailed',
  BuildFailed: 'BuildFailed',
  ValidationFailed: 'ValidationFailed',
  ApplyFailed: 'ApplyFailed',
  PruneFailed: 'PruneFailed',
  HealthCheckFailed: 'HealthCheckFailed',
  ImpersonationFailed: 'ImpersonationFailed',
  ReconciliationSucceeded: 'ReconciliationSucceeded',
} as const;

export interface SourceArtifact {
  source: GitRepository;
  revision: string;
  digest: string;
  bytes: Uint8Array;
}

export function sourceKey(ks: Kustomization): { namespace: string; name: string } {
  return {
    namespace: ks.spec.sourceRef.namespace ?? (ks.metadata.namespace as string),
    name: ks.spec.sourceRef.name,
  };
}

/** The source's current artifact, downloaded and verified. */
export async function fetchSourceArtifact(
  ks: Kustomization,
  sources: ResourceClient<GitRepository>,
  signal?: AbortSignal,
): Promise<SourceArtifact> {
  const { namespace, name } = sourceKey(ks);
  const what = `spec.sourceRef: ${GitRepositoryResource.kind} ${namespace}/${name}`;
  let source: GitRepository;
  try {
    source = await sources.get(namespace, name);
  } catch (err) {
    if (isNotFound(err)) throw new RetryableError(`${what} not found`, { reason: Reasons.ArtifactFailed });
    throw err;
  }
  const artifact = source.status?.artifact;
  if (!artifact?.digest) {
    const ready = source.status?.conditions?.find((c) => c.type === ConditionType.Ready);
    const why = ready?.status === 'False' ? `: ${ready.message}` : ' yet';
    throw new RetryableError(`${what} has no artifact${why}`, { reason: Reasons.ArtifactFailed });
  }
  const res = await fetch(artifact.url, signal ? { signal } : {}).catch((err: unknown) => {
    throw new RetryableError(`${what}: cannot download ${artifact.url}: ${(err as Error).message}`, {
      reason: Reasons.ArtifactFailed,
      cause: err,
    });
  });
  if (!res.ok) {
    throw new RetryableError(`${what}: downloading ${artifact.url} answered HTTP ${res.status}`, {
      reason: Reasons.ArtifactFailed,
    });
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  try {
    verifyDigest(bytes, artifact.digest);
  } catch (err) {
    throw new RetryableError(`${what}: ${(err as Error).message}`, {
      reason: Reasons.ArtifactFailed,
      cause: err,
    });
  }
  return { source, revision: artifact.revision, digest: artifact.digest, bytes };
}

/**
 * Flux's rule: each dependency is Ready for its current generation and has applied its
 * source's current revision. Returns undefined when all are, else why not.
 */
export async function dependencyNotReady(
  ks: Kustomization,
  kustomizations: ResourceClient<Kustomization>,
  sources: ResourceClient<GitRepository>,
): Promise<string | undefined> {
  for (const dep of ks.spec.dependsOn ?? []) {
    const namespace = dep.namespace ?? (ks.metadata.namespace as string);
    const what = `dependency ${KustomizationResource.kind} ${namespace}/${dep.name}`;
    let d: Kustomization;
    try {
      d = await kustomizations.get(namespace, dep.name);
    } catch (err) {
      if (isNotFound(err)) return `${what} not found`;
      throw err;
    }
    const ready = d.status?.conditions?.find((c) => c.type === ConditionType.Ready);
    if (ready?.status !== 'True' || d.status?.observedGeneration !== d.metadata.generation)
      return `${what} is not ready`;
    const src = await sources.get(sourceKey(d).namespace, sourceKey(d).name).catch(() => undefined);
    const current = src?.status?.artifact?.revision;
    if (current && d.status?.lastAppliedRevision !== current) {
      return `${what} has not applied revision ${current} yet`;
    }
  }
  return undefined;
}

/** postBuild.substituteFrom values, later entries overriding earlier ones, as in Flux. */
export async function substitutionValues(
  ks: Kustomization,
  core: k8s.CoreV1Api,
): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  const namespace = ks.metadata.namespace as string;
  for (const [i, ref] of (ks.spec.postBuild?.substituteFrom ?? []).entries()) {
    const what = `spec.postBuild.substituteFrom[${i}]: ${ref.kind} ${namespace}/${ref.name}`;
    try {
      if (ref.kind === 'ConfigMap') {
        const cm = await core.readNamespacedConfigMap({ name: ref.name, namespace });
        Object.assign(values, cm.data ?? {});
      } else {
        const secret = await core.readNamespacedSecret({ name: ref.name, namespace });
        for (const [k, v] of Object.entries(secret.data ?? {}))
          values[k] = Buffer.from(v, 'base64').toString('utf8');
      }
    } catch (err) {
      if (isNotFound(err) && ref.optional) continue;
      const message = isNotFound(err)
        ? `${what} not found`
        : `${what}: ${(err as Error).message.split('\n')[0]}`;
      throw new RetryableError(message, { reason: Reasons.SubstituteFailed, cause: err });
    }
  }
  return values;
}
