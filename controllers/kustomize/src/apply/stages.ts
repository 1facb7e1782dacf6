// Apply order. Stage 1 defines what later objects need to exist at all (CRDs, Namespaces) and
// is waited for; stage 2 are cluster definitions others refer to (RBAC, ServiceAccounts,
// *Class kinds); stage 3 is everything else.
import type { ObjectRef } from './objects.js';

export type StageName = 'definitions' | 'cluster' | 'resources';

export const STAGE_ORDER: readonly StageName[] = ['definitions', 'cluster', 'resources'];

const CLUSTER_KINDS = new Set([
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'rbac.authorization.k8s.io/Role',
  'rbac.authorization.k8s.io/RoleBinding',
  '/ServiceAccount',
  'storage.k8s.io/StorageClass',
  'networking.k8s.io/IngressClass',
  'node.k8s.io/RuntimeClass',
  'scheduling.k8s.io/PriorityClass',
]);

export const isCrd = (ref: Pick<ObjectRef, 'group' | 'kind'>): boolean =>
  ref.group === 'apiextensions.k8s.io' && ref.kind === 'CustomResourceDefinition';

export const isNamespace = (ref: Pick<ObjectRef, 'group' | 'kind'>): boolean =>
  ref.group === '' && ref.kind === 'Namespace';

export function stageOf(ref: Pick<ObjectRef, 'group' | 'kind'>): StageName {
  if (isCrd(ref) || isNamespace(ref)) return 'definitions';
  if (CLUSTER_KINDS.has(`${ref.group}/${ref.kind}`)) return 'cluster';
  return 'resources';
}

/** Splits items into stages, keeping their order within a stage; empty stages are left out. */
export function splitStages<T>(items: readonly T[], refOf: (item: T) => ObjectRef): [StageName, T[]][] {
  const byStage = new Map<StageName, T[]>(STAGE_ORDER.map((s) => [s, []]));
  for (const item of items) byStage.get(stageOf(refOf(item)))?.push(item);
  return STAGE_ORDER.map((s): [StageName, T[]] => [s, byStage.get(s) ?? []]).filter(([, v]) => v.length > 0);
}
