// Taking over field ownership from imperative tools, as Flux's ssa cleanup does: fields that
// `kubectl edit`/`kubectl patch`/client-side `kubectl apply` (or the API server's
// "before-first-apply" migration) own are moved to our Apply manager, so that the next
// server-side apply removes what our manifests no longer set, instead of leaving an
// out-of-band edit in place forever.
import { isObject, type KubeObject } from './objects.js';

/** One `metadata.managedFields` entry as the API server returns it. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: KubeObject;
  subresource?: string;
}

/** Managers whose name starts with `prefix` and whose operation is `operation`. */
export interface FieldManagerMatch {
  prefix: string;
  operation: 'Apply' | 'Update';
}

/** kubectl (edit, patch, scale, label, client-side apply...) and the server's SSA migration. */
export const DEFAULT_CLEANUP_MANAGERS: readonly FieldManagerMatch[] = [
  { prefix: 'kubectl', operation: 'Apply' },
  { prefix: 'kubectl', operation: 'Update' },
  { prefix: 'before-first-apply', operation: 'Update' },
];

export function managedFieldsOf(object: KubeObject): ManagedFieldsEntry[] {
  const meta = object.metadata;
  if (!isObject(meta) || !Array.isArray(meta.managedFields)) return [];
  return meta.managedFields.filter(isObject).map((e) => ({ ...e }) as ManagedFieldsEntry);
}

/** Union of two FieldsV1 sets (nested maps whose leaves are `{}`). */
export function mergeFieldSets(a: KubeObject, b: KubeObject): KubeObject {
  const out: KubeObject = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const existing = out[key];
    out[key] = isObject(existing) && isObject(value) ? mergeFieldSets(existing, value) : value;
  }
  return out;
}

const matches = (entry: ManagedFieldsEntry, owner: string, managers: readonly FieldManagerMatch[]): boolean =>
  entry.subresource === undefined &&
  entry.manager !== owner &&
  managers.some((m) => entry.manager?.startsWith(m.prefix) === true && entry.operation === m.operation);

/**
 * The managedFields with every matching manager's fields moved to `owner`'s Apply entry (for
 * `apiVersion`), or undefined when no entry matches (nothing to patch).
 */
export function takeOverManagedFields(
  entries: readonly ManagedFieldsEntry[],
  options: { owner: string; apiVersion: string; managers: readonly FieldManagerMatch[]; now?: Date },
): ManagedFieldsEntry[] | undefined {
  const taken = entries.filter((e) => matches(e, options.owner, options.managers));
  if (taken.length === 0) return undefined;
  const kept = entries.filter((e) => !taken.includes(e));
  const oursIndex = kept.findIndex(
    (e) =>
      e.manager === options.owner &&
      e.operation === 'Apply' &&
      e.subresource === undefined &&
      e.apiVersion === options.apiVersion,
  );
  let fields: KubeObject = oursIndex >= 0 ? (kept[oursIndex]?.fieldsV1 ?? {}) : {};
  for (const e of taken) fields = mergeFieldSets(fields, e.fieldsV1 ?? {});
  const ours: ManagedFieldsEntry = {
    manager: options.owner,
    operation: 'Apply',
    apiVersion: options.apiVersion,
    time: (options.now ?? new Date()).toISOString().replace(/\.\d+Z$/, 'Z'),
    fieldsType: 'FieldsV1',
    fieldsV1: fields,
  };
  if (oursIndex >= 0) kept[oursIndex] = ours;
  else kept.push(ours);
  return kept;
}

/** Whether `owner` has applied this object before (an Apply entry of the main resource). */
export function hasApplyEntry(object: KubeObject, owner: string): boolean {
  return managedFieldsOf(object).some(
    (e) => e.manager === owner && e.operation === 'Apply' && e.subresource === undefined,
  );
}
