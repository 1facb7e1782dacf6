// Object identity for the apply stage: the reference an object is known by in change sets,
// events, errors and the inventory.
import { formatObjectRef } from '@moor/kustomize-build';

/** A plain Kubernetes object as JSON (the build output, or what the API server returns). */
export type KubeObject = Record<string, unknown>;

/** An object to apply, with the file it came from (BuiltObject fits). */
export interface ApplyInput {
  object: KubeObject;
  origin?: { path: string };
}

/** Identifies one object. `namespace` is '' for cluster-scoped objects. */
export interface ObjectRef {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
}

export function isObject(value: unknown): value is KubeObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export const apiVersionOfRef = (ref: Pick<ObjectRef, 'group' | 'version'>): string =>
  ref.group ? `${ref.group}/${ref.version}` : ref.version;

export function metadataOf(object: KubeObject): KubeObject {
  return isObject(object.metadata) ? object.metadata : {};
}

function stringField(obj: KubeObject, key: string): string {
  const v = obj[key];
  return typeof v === 'string' ? v : '';
}

/** The reference of an object as written (its namespace may still be defaulted later). */
export function refOf(object: KubeObject): ObjectRef {
  const { group, version } = splitApiVersion(stringField(object, 'apiVersion'));
  const meta = metadataOf(object);
  return {
    group,
    version,
    kind: stringField(object, 'kind'),
    namespace: stringField(meta, 'namespace'),
    name: stringField(meta, 'name'),
  };
}

/** `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects. */
export function formatRef(ref: ObjectRef): string {
  return formatObjectRef({
    kind: ref.kind || undefined,
    name: ref.name || undefined,
    namespace: ref.namespace || undefined,
  });
}

/** Same object, regardless of version. */
export const sameObject = (a: ObjectRef, b: ObjectRef): boolean =>
  a.group === b.group && a.kind === b.kind && a.namespace === b.namespace && a.name === b.name;

export function labelsOf(object: KubeObject): Record<string, string> {
  const labels = metadataOf(object).labels;
  const out: Record<string, string> = {};
  if (isObject(labels)) for (const [k, v] of Object.entries(labels)) if (typeof v === 'string') out[k] = v;
  return out;
}

export function annotationsOf(object: KubeObject): Record<string, string> {
  const annotations = metadataOf(object).annotations;
  const out: Record<string, string> = {};
  if (isObject(annotations))
    for (const [k, v] of Object.entries(annotations)) if (typeof v === 'string') out[k] = v;
  return out;
}
