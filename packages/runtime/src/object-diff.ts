// What changed between two versions of a Kubernetes object, as field paths (`spec.replicas`,
// `spec.template.spec.containers[0].image`, `metadata.labels["app.kubernetes.io/name"]`). The
// kustomize controller's change sets and `moor diff` share this one definition, so the CLI
// calls "changed" exactly what the controller would.

/** Metadata the API server maintains; never part of what a manifest says. */
export const SERVER_METADATA = [
  'managedFields',
  'resourceVersion',
  'generation',
  'uid',
  'creationTimestamp',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
] as const;

type Json = Record<string, unknown>;
const isJson = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A copy of the object without status and the metadata the API server maintains. */
export function normalizeForDiff<T extends Json>(object: T): Json {
  const { status: _status, metadata, ...rest } = object;
  if (!isJson(metadata)) return rest;
  const meta: Json = { ...metadata };
  for (const key of SERVER_METADATA) delete meta[key];
  return { ...rest, metadata: meta };
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function join(prefix: string, key: string): string {
  if (IDENTIFIER.test(key)) return prefix ? `${prefix}.${key}` : key;
  return `${prefix}[${JSON.stringify(key)}]`;
}

/** The paths at which `before` and `after` differ: changed leaves, added and removed keys; sorted by key. */
export function changedPaths(before: unknown, after: unknown, prefix = ''): string[] {
  if (Array.isArray(before) && Array.isArray(after)) {
    const out: string[] = [];
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      out.push(...changedPaths(before[i], after[i], `${prefix}[${i}]`));
    }
    return out;
  }
  if (isJson(before) && isJson(after)) {
    const out: string[] = [];
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const key of [...keys].sort()) out.push(...changedPaths(before[key], after[key], join(prefix, key)));
    return out;
  }
  if (before === after) return [];
  return [prefix || '.'];
}
