// The rows `moor get` prints: Ready, status message, revision, suspended, age.
import type { Condition } from '@moor/api';
import { GitRepositoryKind, KustomizationKind, type MoorKind } from '../../kinds.js';
import type { KubeObject } from '../../kube.js';
import { readyColour, truncate } from '../../output.js';
import { age } from '../../time.js';

export interface StatusObject extends KubeObject {
  spec?: { suspend?: boolean; [k: string]: unknown };
  status?: {
    conditions?: Condition[];
    observedGeneration?: number;
    artifact?: { revision?: string };
    lastAppliedRevision?: string;
    lastAttemptedRevision?: string;
    [k: string]: unknown;
  };
}

/** main@sha1:0123456789abcdef... → main@sha1:0123456789ab (12 hex digits, as git does). */
export function shortRevision(revision: string | undefined, digits = 12): string {
  if (!revision) return '';
  return revision.replace(
    /(sha1|sha256):([0-9a-f]+)/,
    (_m, algo: string, hex: string) => `${algo}:${hex.slice(0, digits)}`,
  );
}

export function revisionOf(kind: MoorKind, o: StatusObject): string | undefined {
  if (kind === GitRepositoryKind) return o.status?.artifact?.revision;
  if (kind === KustomizationKind) return o.status?.lastAppliedRevision ?? o.status?.lastAttemptedRevision;
  return undefined;
}

export function readyOf(o: StatusObject): { ready: string; message: string } {
  const ready = o.status?.conditions?.find((c) => c.type === 'Ready');
  if (!ready) return { ready: 'Unknown', message: 'waiting to be reconciled' };
  // A suspended object is not reconciled: its last Ready stands, whatever the generation.
  const stale =
    !o.spec?.suspend &&
    o.metadata?.generation !== undefined &&
    ready.observedGeneration !== undefined &&
    ready.observedGeneration < o.metadata.generation;
  return {
    ready: stale ? 'Unknown' : ready.status,
    message: stale ? `reconciling generation ${o.metadata?.generation}` : ready.message,
  };
}

export const hasRevision = (kind: MoorKind) => kind === GitRepositoryKind || kind === KustomizationKind;

export function headersFor(kind: MoorKind, allNamespaces: boolean): string[] {
  return [
    ...(allNamespaces ? ['NAMESPACE'] : []),
    'NAME',
    'READY',
    'MESSAGE',
    ...(hasRevision(kind) ? ['REVISION'] : []),
    'SUSPENDED',
    'AGE',
  ];
}

export function rowFor(
  kind: MoorKind,
  o: StatusObject,
  opts: { allNamespaces: boolean; namePrefix?: string; now?: number; deleted?: boolean },
): string[] {
  const { ready, message } = readyOf(o);
  return [
    ...(opts.allNamespaces ? [o.metadata?.namespace ?? ''] : []),
    `${opts.namePrefix ?? ''}${o.metadata?.name ?? ''}`,
    opts.deleted ? 'Deleted' : readyColour(ready),
    truncate(opts.deleted ? 'deleted' : message),
    ...(hasRevision(kind) ? [shortRevision(revisionOf(kind, o)) || '-'] : []),
    o.spec?.suspend ? 'True' : 'False',
    age(o.metadata?.creationTimestamp, opts.now),
  ];
}
