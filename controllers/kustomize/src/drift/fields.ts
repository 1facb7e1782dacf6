// Field paths and field ownership, read from `metadata.managedFields` (server-side apply's
// FieldsV1 format, structured-merge-diff's field sets):
//
//   {"f:spec": {"f:replicas": {},
//               "f:template": {"f:spec": {"f:containers": {"k:{\"name\":\"web\"}": {".": {}, "f:image": {}}}}}}}
//
// `f:<name>` is a struct or map field, `k:<json>` the element of a list-map with those key
// fields, `v:<json>` the element of a set, `i:<n>` a list element by index; `.` marks the node
// itself as a member, and a leaf `{}` owns its whole value (a scalar, or an atomic list or map).
//
// Paths render as `spec.replicas`, `spec.template.spec.containers[name=web].image`,
// `metadata.labels.app`, `metadata.labels["app.kubernetes.io/name"]`,
// `spec.ports[port=80,protocol=TCP]`, `metadata.finalizers[=example.com/cleanup]`, `args[0]`.
import { type ManagedFieldsEntry, managedFieldsOf } from '../apply/managed-fields.js';
import { isObject, type KubeObject } from '../apply/objects.js';
import { InvalidFieldPathError } from './errors.js';

/** One step of a field path. */
export type PathElement =
  /** A struct or map field. */
  | { readonly field: string }
  /** The element of a list-map whose key fields have these values. */
  | { readonly key: Readonly<Record<string, unknown>> }
  /** The element of a set (a list of distinct scalars) with this value. */
  | { readonly value: unknown }
  /** A list element by position (atomic lists, and lists without keys). */
  | { readonly index: number };

export type FieldPath = readonly PathElement[];

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;
/** A scalar that renders without quotes inside `[...]`: no separators, not mistakable for JSON. */
const BARE_VALUE = /^[^\s,=[\]"]+$/;

function formatScalar(value: unknown): string {
  if (typeof value === 'string') {
    // Quote strings that would read back as another type ("80", "true") or that hold separators.
    if (!BARE_VALUE.test(value) || isJsonLiteral(value)) return JSON.stringify(value);
    return value;
  }
  return JSON.stringify(value) ?? 'undefined';
}

function isJsonLiteral(text: string): boolean {
  return /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)$/.test(text);
}

function formatElement(element: PathElement, first: boolean): string {
  if ('field' in element) {
    if (IDENTIFIER.test(element.field)) return first ? element.field : `.${element.field}`;
    return `[${JSON.stringify(element.field)}]`;
  }
  if ('key' in element) {
    const parts = Object.keys(element.key)
      .sort()
      .map((name) => `${name}=${formatScalar(element.key[name])}`);
    return `[${parts.join(',')}]`;
  }
  if ('value' in element) return `[=${formatScalar(element.value)}]`;
  return `[${element.index}]`;
}

/**
 * Renders a path: `spec.template.spec.containers[name=web].image`. The rendering is canonical
 * (key fields sorted), so two paths are equal when their renderings are.
 */
export function formatPath(path: FieldPath): string {
  return path.map((element, i) => formatElement(element, i === 0)).join('');
}

/** The path's shape with list elements as `[*]`, e.g. `spec.template.spec.containers[*].ports`. */
export function formatPattern(path: FieldPath): string {
  return path.map((element, i) => ('field' in element ? formatElement(element, i === 0) : '[*]')).join('');
}

/** Parses a rendered path (the inverse of formatPath). Throws InvalidFieldPathError. */
export function parsePath(text: string): FieldPath {
  const path: PathElement[] = [];
  let i = 0;
  const fail = (reason: string): never => {
    throw new InvalidFieldPathError(text, `${reason} at offset ${i}`);
  };
  const readScalar = (raw: string): unknown => {
    if (raw.startsWith('"') || isJsonLiteral(raw)) {
      try {
        return JSON.parse(raw) as unknown;
      } catch (error) {
        throw new InvalidFieldPathError(text, `bad quoted value ${raw}`, { cause: error });
      }
    }
    return raw;
  };
  /** Reads up to the next unquoted `terminator`, returning the raw text. */
  const readUntil = (terminators: string): string => {
    const start = i;
    let quoted = false;
    while (i < text.length) {
      const c = text[i];
      if (quoted) {
        if (c === '\\') i++;
        else if (c === '"') quoted = false;
      } else if (c === '"') quoted = true;
      else if (c !== undefined && terminators.includes(c)) break;
      i++;
    }
    if (i >= text.length) fail(`missing ${terminators.split('').join(' or ')}`);
    return text.slice(start, i);
  };

  while (i < text.length) {
    const c = text[i];
    if (c === '[') {
      i++;
      if (text[i] === '"') {
        const raw = readUntil(']');
        const field = readScalar(raw);
        if (typeof field !== 'string') fail('expected a quoted field name');
        path.push({ field: field as string });
      } else if (text[i] === '=') {
        i++;
        path.push({ value: readScalar(readUntil(']')) });
      } else {
        const raw = readUntil(']');
        if (/^\d+$/.test(raw)) path.push({ index: Number(raw) });
        else {
          const key: Record<string, unknown> = {};
          for (const part of splitUnquoted(raw, ',')) {
            const eq = part.indexOf('=');
            if (eq <= 0) fail(`expected name=value in [${raw}]`);
            key[part.slice(0, eq)] = readScalar(part.slice(eq + 1));
          }
          path.push({ key });
        }
      }
      i++; // the ']'
      continue;
    }
    if (c === '.') {
      if (path.length === 0) fail('leading dot');
      i++;
    }
    const match = /^[A-Za-z_$][A-Za-z0-9_$-]*/.exec(text.slice(i));
    if (!match) fail('expected a field name');
    path.push({ field: match![0] });
    i += match![0].length;
  }
  return path;
}

function splitUnquoted(text: string, separator: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === separator) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** How a list is merged, as far as field ownership shows it. */
export type ListType = { type: 'map'; keys: readonly string[] } | { type: 'set' };

/** The members of one FieldsV1 set. */
export class FieldSet {
  /** Canonical renderings of every member (nodes marked `.`, and leaves). */
  readonly #members = new Set<string>();
  /** Members owned whole: scalars, atomic lists and maps. */
  readonly #leaves = new Set<string>();
  readonly #paths: FieldPath[] = [];
  /** List types seen, by path pattern. */
  readonly listTypes = new Map<string, ListType>();

  #add(path: FieldPath, leaf: boolean): void {
    const key = formatPath(path);
    if (!this.#members.has(key)) this.#paths.push(path);
    this.#members.add(key);
    if (leaf) this.#leaves.add(key);
  }

  /** Parses a `fieldsV1` value. Throws InvalidFieldPathError on a malformed element. */
  static parse(fieldsV1: unknown): FieldSet {
    const set = new FieldSet();
    if (fieldsV1 === undefined || fieldsV1 === null) return set;
    if (!isObject(fieldsV1)) throw new InvalidFieldPathError(String(fieldsV1), 'fieldsV1 is not an object');
    set.#walk(fieldsV1, []);
    return set;
  }

  #walk(node: KubeObject, path: PathElement[]): void {
    let keyNames: string[] | undefined;
    let isSet = false;
    for (const [raw, child] of Object.entries(node)) {
      if (raw === '.') {
        if (path.length > 0) this.#add(path, false);
        continue;
      }
      const element = parseFieldsElement(raw);
      if ('key' in element) keyNames ??= Object.keys(element.key).sort();
      if ('value' in element) isSet = true;
      const childPath = [...path, element];
      if (isObject(child) && Object.keys(child).length > 0) this.#walk(child, childPath);
      else this.#add(childPath, true);
    }
    if (keyNames !== undefined) this.listTypes.set(formatPattern(path), { type: 'map', keys: keyNames });
    else if (isSet) this.listTypes.set(formatPattern(path), { type: 'set' });
  }

  /** Every member, in the order the set lists them. */
  paths(): FieldPath[] {
    return [...this.#paths];
  }

  /** Rendered members. */
  strings(): string[] {
    return this.#paths.map(formatPath);
  }

  /** Whether `path` itself is a member. */
  has(path: FieldPath | string): boolean {
    return this.#members.has(typeof path === 'string' ? formatPath(parsePath(path)) : formatPath(path));
  }

  /**
   * Whether this set owns the value at `path`: it is a member, or lies inside a member owned whole
   * (an element of an atomic list, a key of an atomic map).
   */
  owns(path: FieldPath | string): boolean {
    const p = typeof path === 'string' ? parsePath(path) : path;
    if (this.#members.has(formatPath(p))) return true;
    for (let n = p.length - 1; n > 0; n--) if (this.#leaves.has(formatPath(p.slice(0, n)))) return true;
    return false;
  }

  get size(): number {
    return this.#members.size;
  }
}

/** Parses one FieldsV1 key: `f:name`, `k:{...}`, `v:<json>`, `i:<n>`. */
export function parseFieldsElement(raw: string): PathElement {
  const kind = raw.slice(0, 2);
  const rest = raw.slice(2);
  switch (kind) {
    case 'f:':
      return { field: rest };
    case 'k:': {
      let key: unknown;
      try {
        key = JSON.parse(rest);
      } catch (error) {
        throw new InvalidFieldPathError(raw, 'list-map key is not JSON', { cause: error });
      }
      if (!isObject(key)) throw new InvalidFieldPathError(raw, 'list-map key is not a JSON object');
      return { key };
    }
    case 'v:':
      try {
        return { value: JSON.parse(rest) as unknown };
      } catch (error) {
        throw new InvalidFieldPathError(raw, 'set value is not JSON', { cause: error });
      }
    case 'i:':
      if (!/^\d+$/.test(rest)) throw new InvalidFieldPathError(raw, 'list index is not a number');
      return { index: Number(rest) };
    default:
      throw new InvalidFieldPathError(raw, 'unknown FieldsV1 element (expected f:, k:, v: or i:)');
  }
}

/** Parses a `fieldsV1` value into its members. */
export function parseFieldsV1(fieldsV1: unknown): FieldSet {
  return FieldSet.parse(fieldsV1);
}

/** Who owns a field: one managedFields entry. */
export interface FieldOwner {
  manager: string;
  /** `Apply` (server-side apply) or `Update` (create, update, patch, scale...). */
  operation: string;
  /** When the entry last changed; the API server omits it for some subresource writes. */
  time?: string;
  /** `scale`, `status`..., when the write went through a subresource. */
  subresource?: string;
  apiVersion?: string;
}

function ownerOfEntry(entry: ManagedFieldsEntry): FieldOwner {
  return {
    manager: entry.manager ?? '',
    operation: entry.operation ?? '',
    ...(entry.time !== undefined && { time: entry.time }),
    ...(entry.subresource !== undefined && { subresource: entry.subresource }),
    ...(entry.apiVersion !== undefined && { apiVersion: entry.apiVersion }),
  };
}

/** Later first; entries without a time after those with one; ties by position (later first). */
function byRecency(a: { owner: FieldOwner; index: number }, b: { owner: FieldOwner; index: number }) {
  const ta = a.owner.time === undefined ? Number.NEGATIVE_INFINITY : Date.parse(a.owner.time);
  const tb = b.owner.time === undefined ? Number.NEGATIVE_INFINITY : Date.parse(b.owner.time);
  return tb - ta || b.index - a.index;
}

/** The parsed `metadata.managedFields` of one object. */
export class ManagedFields {
  readonly entries: ReadonlyArray<{ owner: FieldOwner; fields: FieldSet; index: number }>;

  constructor(entries: readonly ManagedFieldsEntry[]) {
    this.entries = entries.map((entry, index) => ({
      owner: ownerOfEntry(entry),
      fields: FieldSet.parse(entry.fieldsV1),
      index,
    }));
  }

  static of(object: KubeObject): ManagedFields {
    return new ManagedFields(managedFieldsOf(object));
  }

  /** Every owner of `path`, most recent first. Shared ownership happens with equal applied values. */
  ownersOf(path: FieldPath | string): FieldOwner[] {
    const p = typeof path === 'string' ? parsePath(path) : path;
    return this.entries
      .filter((e) => e.fields.owns(p))
      .sort(byRecency)
      .map((e) => e.owner);
  }

  /** The most recent owner of `path`, or undefined when no manager owns it (e.g. it was removed). */
  ownerOf(path: FieldPath | string): FieldOwner | undefined {
    return this.ownersOf(path)[0];
  }

  /**
   * The latest writer other than `except`, ignoring status writers: the best guess at who removed
   * a field, since a removed field is owned by nobody.
   */
  latestWriter(except: string | undefined): FieldOwner | undefined {
    return this.entries
      .filter((e) => e.owner.manager !== except && e.owner.subresource !== 'status')
      .sort(byRecency)[0]?.owner;
  }

  /** List types by path pattern (see formatPattern), merged over every entry. */
  listTypes(): Map<string, ListType> {
    const out = new Map<string, ListType>();
    for (const e of this.entries) for (const [k, v] of e.fields.listTypes) if (!out.has(k)) out.set(k, v);
    return out;
  }
}

/** The manager (with operation and time) that owns `path` of `object`, from its managedFields. */
export function ownerOf(object: KubeObject, path: FieldPath | string): FieldOwner | undefined {
  return ManagedFields.of(object).ownerOf(path);
}
