// Field-level drift between what we applied and what the cluster holds.
//
// Only fields present in the desired object (the object as sent in our server-side apply) are
// compared: a field someone else added and we never set (an HPA's annotation, a server default,
// a label from `kubectl label`) is theirs, not drift. This is the question SSA itself answers
// when we re-apply, asked without writing: would our apply change anything?
//
// Lists are compared the way server-side apply merges them: list-maps element by element, matched
// by their key fields (containers by name, ports by containerPort/port + protocol, env by name...),
// regardless of order; sets by membership; atomic lists element-wise when lengths agree, whole
// otherwise. The key fields come from the live object's managedFields (the API server writes them
// from the schema, e.g. `k:{"containerPort":80,"protocol":"TCP"}`), then from a table of the
// built-in kinds' list-map keys, then from a `name` field common to every element.
//
// Each change names the manager that owns the live value (see fields.ts). A removed field is
// owned by nobody, so for those the latest writer is named, flagged `inferred`.
import { isObject, type KubeObject, refOf } from '../apply/objects.js';
import { InvalidIgnoreRuleError } from './errors.js';
import {
  type FieldPath,
  formatPath,
  formatPattern,
  type ListType,
  ManagedFields,
  type PathElement,
} from './fields.js';

export interface DriftChange {
  /** The rendered path, e.g. `spec.template.spec.containers[name=web].image`. */
  path: string;
  fieldPath: FieldPath;
  /** The value we applied. */
  desired: unknown;
  /** The live value; undefined when the field is absent. */
  live: unknown;
  /** The field manager that owns the live value (or, when `inferred`, the latest writer). */
  manager?: string;
  /** `Apply` or `Update`. */
  operation?: string;
  time?: string;
  /** `scale`, `status`... when the write went through a subresource. */
  subresource?: string;
  /** No manager owns the field (it was removed): `manager` is a guess, the latest other writer. */
  inferred?: boolean;
}

export type ObjectDrift = { kind: 'modified'; changes: DriftChange[] } | { kind: 'deleted'; changes: [] };

/** Which objects an ignore rule applies to; every field given must match. */
export interface IgnoreTarget {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

/** Fields to leave out of drift detection, as JSON pointers (RFC 6901), like Flux's and Argo CD's. */
export interface IgnoreRule {
  /** E.g. `/spec/replicas`, `/metadata/annotations/example.com~1sha`; `*` matches any key or index. */
  paths: readonly string[];
  /** Default: every object. */
  target?: IgnoreTarget;
}

export interface DriftOptions {
  ignore?: readonly IgnoreRule[];
  /** Our field manager: never the guessed remover of a field (see DriftChange.inferred). */
  fieldManager?: string;
}

/**
 * Fields never compared: identity, and what the API server maintains or mutates (Argo CD's and
 * Flux's normalisations). Desired objects from kustomize may carry some (`creationTimestamp: null`).
 */
export const DEFAULT_IGNORE_PATHS: readonly string[] = [
  '/apiVersion',
  '/kind',
  '/status',
  '/metadata/name',
  '/metadata/namespace',
  '/metadata/resourceVersion',
  '/metadata/generation',
  '/metadata/managedFields',
  '/metadata/uid',
  '/metadata/creationTimestamp',
  '/metadata/selfLink',
  '/metadata/deletionTimestamp',
  '/metadata/deletionGracePeriodSeconds',
  '/metadata/annotations/deployment.kubernetes.io~1revision',
  '/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration',
];

/** Parses a JSON pointer into its reference tokens. Throws InvalidIgnoreRuleError. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new InvalidIgnoreRuleError(pointer, 'must start with "/"');
  return pointer
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~[^01]|~$/.test(token)) throw new InvalidIgnoreRuleError(pointer, `bad escape in "${token}"`);
      return token.replaceAll('~1', '/').replaceAll('~0', '~');
    });
}

/** Checks every path of the rules, so bad configuration fails early. */
export function validateIgnoreRules(rules: readonly IgnoreRule[]): void {
  for (const rule of rules) for (const path of rule.paths) parsePointer(path);
}

function targets(target: IgnoreTarget | undefined, object: KubeObject): boolean {
  if (target === undefined) return true;
  const ref = refOf(object);
  return (
    (target.group === undefined || target.group === ref.group) &&
    (target.version === undefined || target.version === ref.version) &&
    (target.kind === undefined || target.kind === ref.kind) &&
    (target.name === undefined || target.name === ref.name) &&
    (target.namespace === undefined || target.namespace === ref.namespace)
  );
}

/** Deletes what `tokens` point at, in place; `*` matches every key or element. */
function removeAt(node: unknown, tokens: readonly string[]): void {
  const [token, ...rest] = tokens;
  if (token === undefined) return;
  if (Array.isArray(node)) {
    const indices =
      token === '*' ? node.map((_, i) => i) : /^(0|[1-9]\d*)$/.test(token) ? [Number(token)] : [];
    if (rest.length === 0) {
      for (const i of indices.sort((a, b) => b - a)) if (i < node.length) node.splice(i, 1);
    } else for (const i of indices) removeAt(node[i], rest);
    return;
  }
  if (!isObject(node)) return;
  const keys = token === '*' ? Object.keys(node) : Object.hasOwn(node, token) ? [token] : [];
  for (const key of keys) {
    if (rest.length === 0) delete node[key];
    else removeAt(node[key], rest);
  }
}

/** The desired object without the fields the defaults and the rules that target it ignore. */
export function withoutIgnored(desired: KubeObject, rules: readonly IgnoreRule[] = []): KubeObject {
  const copy = structuredClone(desired);
  for (const path of DEFAULT_IGNORE_PATHS) removeAt(copy, parsePointer(path));
  for (const rule of rules) {
    if (!targets(rule.target, desired)) continue;
    for (const path of rule.paths) {
      const tokens = parsePointer(path);
      if (tokens.length === 0) return {}; // the whole object is ignored
      removeAt(copy, tokens);
    }
  }
  return copy;
}

// ---- list semantics ------------------------------------------------------------------------

/** List-map keys of the built-in kinds, by field name (their `+listMapKey`/patchMergeKey). */
const KNOWN_LIST_KEYS: Readonly<Record<string, readonly string[]>> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  env: ['name'],
  volumes: ['name'],
  volumeMounts: ['mountPath'],
  volumeDevices: ['devicePath'],
  imagePullSecrets: ['name'],
  hostAliases: ['ip'],
  resourceClaims: ['name'],
  schedulingGates: ['name'],
  topologySpreadConstraints: ['topologyKey', 'whenUnsatisfiable'],
  conditions: ['type'],
  ownerReferences: ['uid'],
};

/** Sets (lists of distinct scalars) of the built-in kinds, by path pattern. */
const KNOWN_SETS = new Set(['metadata.finalizers']);

/** Values the API server defaults key fields to, so `{port: 80}` matches `{port: 80, protocol: TCP}`. */
const KEY_DEFAULTS: Readonly<Record<string, unknown>> = { protocol: 'TCP' };

type ListSemantics = ListType | { type: 'atomic' };

function listSemantics(
  path: FieldPath,
  desired: readonly unknown[],
  learned: ReadonlyMap<string, ListType>,
): ListSemantics {
  const pattern = formatPattern(path);
  const fromServer = learned.get(pattern);
  if (fromServer !== undefined) return fromServer;
  if (KNOWN_SETS.has(pattern)) return { type: 'set' };
  const last = path[path.length - 1];
  const field = last !== undefined && 'field' in last ? last.field : '';
  const objects = desired.every(isObject);
  if (!objects || desired.length === 0) return { type: 'atomic' };
  if (field === 'ports') {
    // Container ports are keyed by containerPort, Service (and others') ports by port.
    const containerPorts = desired.every((e) => isObject(e) && e.containerPort !== undefined);
    return { type: 'map', keys: containerPorts ? ['containerPort', 'protocol'] : ['port', 'protocol'] };
  }
  const known = KNOWN_LIST_KEYS[field];
  if (known !== undefined) return { type: 'map', keys: known };
  const names = desired.map((e) => (isObject(e) ? e.name : undefined));
  if (names.every((n) => typeof n === 'string') && new Set(names).size === names.length) {
    return { type: 'map', keys: ['name'] };
  }
  return { type: 'atomic' };
}

function keyValue(element: KubeObject, key: string): unknown {
  return element[key] ?? KEY_DEFAULTS[key];
}

/** The key of a list-map element, as managedFields writes it (present or defaulted fields). */
function keyOf(element: KubeObject, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = keyValue(element, k);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** Whether `live` is the element `desired` means: every key field `desired` has (or defaults) agrees. */
function keyMatches(desired: KubeObject, live: KubeObject, keys: readonly string[]): boolean {
  return keys.every((k) => {
    const d = keyValue(desired, k);
    return d === undefined || d === keyValue(live, k);
  });
}

// ---- values --------------------------------------------------------------------------------

/** Maps whose values are resource quantities, and fields that are one. */
const QUANTITY_MAPS = new Set(['limits', 'requests', 'hard', 'capacity', 'allocatable', 'overhead']);
const QUANTITY_FIELDS = new Set(['sizeLimit']);

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;
const SUFFIX: Readonly<Record<string, number>> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A resource quantity's value (`500m` → 0.5, `1Gi` → 2^30), or undefined if it is none. */
export function quantityValue(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const match = QUANTITY.exec(value.trim());
  if (!match) return undefined;
  const [, number = '', suffix] = match;
  return Number(number) * (suffix === undefined ? 1 : (SUFFIX[suffix] ?? 1));
}

function isQuantityPath(path: FieldPath): boolean {
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  return (
    (last !== undefined && 'field' in last && QUANTITY_FIELDS.has(last.field)) ||
    (parent !== undefined && 'field' in parent && QUANTITY_MAPS.has(parent.field))
  );
}

function scalarEqual(desired: unknown, live: unknown, path: FieldPath): boolean {
  if (desired === live) return true;
  if (isQuantityPath(path)) {
    const d = quantityValue(desired);
    const l = quantityValue(live);
    if (d !== undefined && l !== undefined) return Math.abs(d - l) <= Math.abs(d) * 1e-12;
  }
  return false;
}

/** `{}`, `[]`: what the API server may drop or keep without it being a difference. */
function isEmpty(value: unknown): boolean {
  return (Array.isArray(value) && value.length === 0) || (isObject(value) && Object.keys(value).length === 0);
}

// ---- the walk ------------------------------------------------------------------------------

interface RawChange {
  fieldPath: FieldPath;
  desired: unknown;
  live: unknown;
}

class Walker {
  readonly changes: RawChange[] = [];
  constructor(private readonly learned: ReadonlyMap<string, ListType>) {}

  #change(path: FieldPath, desired: unknown, live: unknown): void {
    this.changes.push({ fieldPath: path, desired, live });
  }

  walk(desired: unknown, live: unknown, path: PathElement[]): void {
    if (desired === undefined) return;
    if (desired === null) {
      // An explicit null in an apply unsets the field.
      if (live !== undefined && live !== null) this.#change(path, null, live);
      return;
    }
    if (live === undefined || live === null) {
      if (!isEmpty(desired)) this.#change(path, desired, live ?? undefined);
      return;
    }
    if (isObject(desired)) {
      if (!isObject(live)) {
        this.#change(path, desired, live);
        return;
      }
      for (const [key, value] of Object.entries(desired))
        this.walk(value, live[key], [...path, { field: key }]);
      return;
    }
    if (Array.isArray(desired)) {
      if (!Array.isArray(live)) this.#change(path, desired, live);
      else this.#list(desired, live, path);
      return;
    }
    if (!scalarEqual(desired, live, path)) this.#change(path, desired, live);
  }

  #list(desired: unknown[], live: unknown[], path: PathElement[]): void {
    const semantics = listSemantics(path, desired, this.learned);
    if (semantics.type === 'map') {
      const keys = semantics.keys;
      // Elements that name no key field cannot be matched: compare the list as a whole.
      if (desired.every((d) => isObject(d) && Object.keys(keyOf(d, keys)).length > 0)) {
        for (const d of desired as KubeObject[]) {
          const match = live.find((l): l is KubeObject => isObject(l) && keyMatches(d, l, keys));
          if (match === undefined) this.#change([...path, { key: keyOf(d, keys) }], d, undefined);
          else this.walk(d, match, [...path, { key: keyOf(match, keys) }]);
        }
        return;
      }
    } else if (semantics.type === 'set') {
      for (const d of desired) {
        if (!live.some((l) => l === d)) this.#change([...path, { value: d }], d, undefined);
      }
      return;
    }
    // Atomic: element-wise when the lengths agree (server defaults inside elements are not
    // drift), otherwise the list as a whole.
    if (desired.length !== live.length) {
      this.#change(path, desired, live);
      return;
    }
    desired.forEach((d, i) => {
      this.walk(d, live[i], [...path, { index: i }]);
    });
  }
}

/**
 * The drift of `live` from `desired` (the object as we applied it): undefined when in sync, kind
 * `deleted` when `live` is undefined, else the changed fields, each with the manager that made it.
 */
export function computeDrift(
  desired: KubeObject,
  live: KubeObject | undefined,
  options: DriftOptions = {},
): ObjectDrift | undefined {
  if (live === undefined) return { kind: 'deleted', changes: [] };
  const managedFields = ManagedFields.of(live);
  const walker = new Walker(managedFields.listTypes());
  walker.walk(withoutIgnored(desired, options.ignore), live, []);
  if (walker.changes.length === 0) return undefined;

  const changes = walker.changes.map((raw): DriftChange => {
    let owner = raw.live === undefined ? undefined : managedFields.ownerOf(raw.fieldPath);
    let inferred = false;
    if (owner === undefined) {
      owner = managedFields.latestWriter(options.fieldManager);
      inferred = owner !== undefined;
    }
    return {
      path: formatPath(raw.fieldPath),
      fieldPath: raw.fieldPath,
      desired: raw.desired,
      live: raw.live,
      ...(owner !== undefined && {
        manager: owner.manager,
        operation: owner.operation,
        ...(owner.time !== undefined && { time: owner.time }),
        ...(owner.subresource !== undefined && { subresource: owner.subresource }),
      }),
      ...(inferred && { inferred: true }),
    };
  });
  return { kind: 'modified', changes };
}
