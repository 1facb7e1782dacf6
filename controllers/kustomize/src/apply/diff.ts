// What changed between two versions of an object, as JSON paths (`spec.replicas`,
// `spec.template.spec.containers[0].image`, `metadata.labels["app.kubernetes.io/name"]`).
// Fields the API server maintains (status, resourceVersion, managedFields...) are ignored,
// so an object whose dry-run apply shows no path is unchanged.
import { isObject, type KubeObject } from './objects.js';

const VOLATILE_METADATA = [
  'managedFields',
  'resourceVersion',
  'generation',
  'uid',
  'creationTimestamp',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
];

/** A copy of the object without status and the metadata the API server maintains. */
export function normalizeForDiff(object: KubeObject): KubeObject {
  const { status: _status, metadata, ...rest } = object;
  if (!isObject(metadata)) return rest;
  const meta: KubeObject = { ...metadata };
  for (const key of VOLATILE_METADATA) delete meta[key];
  return { ...rest, metadata: meta };
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function join(prefix: string, key: string): string {
  if (IDENTIFIER.test(key)) return prefix ? `${prefix}.${key}` : key;
  return `${prefix}[${JSON.stringify(key)}]`;
}

/** The paths at which `before` and `after` differ: leaves, added and removed keys. */
export function changedPaths(before: unknown, after: unknown, prefix = ''): string[] {
  if (Array.isArray(before) && Array.isArray(after)) {
    const out: string[] = [];
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      out.push(...changedPaths(before[i], after[i], `${prefix}[${i}]`));
    }
    return out;
  }
  if (isObject(before) && isObject(after)) {
    const out: string[] = [];
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const key of [...keys].sort()) out.push(...changedPaths(before[key], after[key], join(prefix, key)));
    return out;
  }
  if (before === after) return [];
  return [prefix || '.'];
}

/** The changed paths between two versions of one object, ignoring server-maintained fields. */
export function objectChanges(before: KubeObject, after: KubeObject): string[] {
  return changedPaths(normalizeForDiff(before), normalizeForDiff(after));
}
