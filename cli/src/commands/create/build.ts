// The objects `moor create` writes, built from its flags.
import type { GitRepository, Kustomization } from '@moor/api';
import { UsageError } from '../../errors.js';
import { GitRepositoryKind, KustomizationKind } from '../../kinds.js';
import { parseCliDuration } from '../../time.js';

export interface SourceGitFlags {
  url: string;
  branch?: string;
  tag?: string;
  semver?: string;
  interval: string;
  secretRef?: string;
}

function checkInterval(text: string): void {
  parseCliDuration(text, '--interval');
  if (text.includes('d')) throw new UsageError(`--interval ${text}: use h, m, s or ms (e.g. 24h)`);
}

export function buildGitRepository(namespace: string, name: string, f: SourceGitFlags): GitRepository {
  if (!/^https?:\/\//.test(f.url))
    throw new UsageError(`--url ${f.url}: Moor fetches over HTTP(S) only; use the repository's https:// URL`);
  const refs = [f.branch, f.tag, f.semver].filter((x) => x !== undefined);
  if (refs.length > 1) throw new UsageError('give one of --branch, --tag, --semver');
  checkInterval(f.interval);
  return {
    apiVersion: GitRepositoryKind.apiVersion as 'source.moor.dev/v1',
    kind: 'GitRepository',
    metadata: { name, namespace },
    spec: {
      url: f.url,
      interval: f.interval,
      ref: f.tag ? { tag: f.tag } : f.semver ? { semver: f.semver } : { branch: f.branch ?? 'main' },
      ...(f.secretRef ? { secretRef: { name: f.secretRef } } : {}),
    },
  };
}

export interface KustomizationFlags {
  source: string;
  path: string;
  interval: string;
  prune: boolean;
  targetNamespace?: string;
}

/** --source: [GitRepository/][NAMESPACE/]NAME. */
export function parseSourceRef(text: string): { name: string; namespace?: string } {
  const parts = text.split('/');
  const usage = () => new UsageError(`--source ${text}: write [GitRepository/][NAMESPACE/]NAME`);
  // Object names are lower case: a first part with capitals (or a third part) is a kind.
  if (parts.length === 3 || (parts.length === 2 && /[A-Z]/.test(parts[0] as string))) {
    const kind = (parts.shift() as string).toLowerCase();
    if (kind !== 'gitrepository')
      throw new UsageError(
        `--source ${text}: Moor builds from GitRepositories only; write [GitRepository/][NAMESPACE/]NAME`,
      );
  }
  if (parts.length > 2 || parts.some((p) => p === '')) throw usage();
  return parts.length === 2
    ? { namespace: parts[0] as string, name: parts[1] as string }
    : { name: parts[0] as string };
}

export function buildKustomization(namespace: string, name: string, f: KustomizationFlags): Kustomization {
  checkInterval(f.interval);
  const ref = parseSourceRef(f.source);
  return {
    apiVersion: KustomizationKind.apiVersion as 'kustomize.moor.dev/v1',
    kind: 'Kustomization',
    metadata: { name, namespace },
    spec: {
      sourceRef: {
        kind: 'GitRepository',
        name: ref.name,
        ...(ref.namespace ? { namespace: ref.namespace } : {}),
      },
      path: f.path,
      interval: f.interval,
      prune: f.prune,
      ...(f.targetNamespace ? { targetNamespace: f.targetNamespace } : {}),
    },
  };
}
