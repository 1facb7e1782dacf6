// What `moor diff` compares: objects stripped of what the API server maintains, Secrets with
// their values masked (a change still shows, as `*** (changed)`), and the inventory ids the
// kustomize controller records, so built objects can be matched with status.inventory.
import { createHash } from 'node:crypto';
import { changedPaths, SERVER_METADATA } from '@moor/runtime';
import type { KubeObject } from '../../kube.js';

type Json = Record<string, unknown>;

const isJson = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Annotations the API server or a built-in controller writes, never a manifest. */
const SERVER_ANNOTATIONS = [
  'deployment.kubernetes.io/revision',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'kubectl.kubernetes.io/last-applied-configuration',
];

/**
 * A copy without status and the metadata (and annotations) the server maintains, its keys in
 * manifest order (apiVersion, kind, metadata, the rest as they came).
 */
export function normalizeObject(object: KubeObject): KubeObject {
  const { status: _status, metadata, apiVersion, kind, ...rest } = structuredClone(object);
  const head = { ...(apiVersion !== undefined && { apiVersion }), ...(kind !== undefined && { kind }) };
  if (!isJson(metadata)) return { ...head, ...rest };
  for (const key of SERVER_METADATA) delete metadata[key];
  if (isJson(metadata.annotations)) {
    for (const key of SERVER_ANNOTATIONS) delete metadata.annotations[key];
    if (Object.keys(metadata.annotations).length === 0) delete metadata.annotations;
  }
  return { ...head, metadata, ...rest };
}

export const MASK = '***';
export const MASK_CHANGED = '*** (changed)';

const isSecret = (o: KubeObject | undefined) => o?.kind === 'Secret' && o.apiVersion === 'v1';
const hash = (v: unknown) => createHash('sha256').update(String(v)).digest('hex');

/** A Secret's values by key, data and stringData (decoded) together, hashed. */
function valueHashes(secret: KubeObject): Map<string, string> {
  const out = new Map<string, string>();
  if (isJson(secret.data))
    for (const [k, v] of Object.entries(secret.data))
      out.set(k, hash(Buffer.from(String(v), 'base64').toString('utf8')));
  if (isJson(secret.stringData)) for (const [k, v] of Object.entries(secret.stringData)) out.set(k, hash(v));
  return out;
}

function maskValues(secret: KubeObject, changed: (key: string) => boolean): void {
  for (const field of ['data', 'stringData'] as const) {
    const values = secret[field];
    if (isJson(values)) for (const k of Object.keys(values)) values[k] = changed(k) ? MASK_CHANGED : MASK;
  }
}

/**
 * Masks the values of Secrets in place: every value becomes `***`, except in `after` a value
 * that differs from `before` (compared by hash) becomes `*** (changed)`, so the diff shows a
 * change without showing a value. Other kinds are left alone.
 */
export function maskSecrets(before: KubeObject | undefined, after: KubeObject | undefined): void {
  const was = before && isSecret(before) ? valueHashes(before) : new Map<string, string>();
  const now = after && isSecret(after) ? valueHashes(after) : new Map<string, string>();
  if (before && isSecret(before)) maskValues(before, () => false);
  if (after && isSecret(after)) maskValues(after, (k) => was.has(k) && was.get(k) !== now.get(k));
}

export interface ObjectId {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
}

export function idOf(o: KubeObject): ObjectId {
  const apiVersion = String(o.apiVersion ?? '');
  const slash = apiVersion.indexOf('/');
  return {
    group: slash < 0 ? '' : apiVersion.slice(0, slash),
    version: slash < 0 ? apiVersion : apiVersion.slice(slash + 1),
    kind: String(o.kind ?? ''),
    namespace: String(o.metadata?.namespace ?? ''),
    name: String(o.metadata?.name ?? ''),
  };
}

/** The kustomize controller's inventory id: `<namespace>_<name>_<group>_<kind>`. */
export const inventoryId = (r: Omit<ObjectId, 'version'>) =>
  [r.namespace, r.name.replaceAll(':', '__'), r.group, r.kind].join('_');

/** `Kind/namespace/name`, `Kind/name` for cluster-scoped objects. */
export const displayName = (r: Pick<ObjectId, 'kind' | 'namespace' | 'name'>) =>
  r.namespace ? `${r.kind}/${r.namespace}/${r.name}` : `${r.kind}/${r.name}`;

/** The paths at which two objects differ: the controller's own definition. */
export { changedPaths };
