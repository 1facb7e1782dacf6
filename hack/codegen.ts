// TypeScript types from the CRDs: crds/*.yaml is the single source of truth for Moor's API, and
// packages/api/src/generated/ is derived from it.
//
//   node hack/codegen.ts           (re)write packages/api/src/generated/
//   node hack/codegen.ts --check   exit 1, naming every out-of-date file, when it differs from crds/
//
// For every CustomResourceDefinition (a file may hold several YAML documents) and every served
// version, one module <kind>.gen.ts (storage version) or <kind>.<version>.gen.ts (other versions,
// whose type names carry the version: GitRepositoryV1beta2Spec) holds:
//   - <Kind>Resource: the group/version/kind/plural/... of the resource, as a const;
//   - <Kind> and <Kind>List: the object, typed with apiVersion/kind literals and ObjectMeta;
//   - <Kind>Spec, <Kind>Status and one interface per nested object schema, named from its path
//     (spec.ref -> GitRepositoryRef, spec.include[].repository -> GitRepositoryIncludeRepository).
//     A schema identical to one already named, at a field whose name ends with that field's name
//     (status.includedArtifacts[] and status.artifact), reuses its interface. An array of
//     metav1.Condition is typed with the hand-written Condition from ../conditions.ts.
// The whole generated/ directory is owned by this script: files no CRD generates are deleted.
// Output depends only on the CRD text, so the same input always gives the same bytes.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Document, LineCounter, parseAllDocuments } from 'yaml';

export const ROOT = resolve(import.meta.dirname, '..');
export const CRDS_DIR = 'crds';
export const OUT_DIR = 'packages/api/src/generated';

const META_MODULE = 'meta.gen.ts';
const COMMAND = 'npm run codegen';

/** One CRD file: its path relative to the repository root (with '/'), and its text. */
export interface Source {
  path: string;
  text: string;
}

type PathSegment = string | number;

/** Invalid input, located in its file (and line, when known). */
export class CodegenError extends Error {
  override name = 'CodegenError';
}

/** The subset of apiextensions.k8s.io/v1 JSONSchemaProps that shapes a TypeScript type. */
interface Schema {
  type?: unknown;
  description?: unknown;
  properties?: unknown;
  required?: unknown;
  items?: unknown;
  additionalProperties?: unknown;
  enum?: unknown;
  default?: unknown;
  nullable?: unknown;
  'x-kubernetes-int-or-string'?: unknown;
  'x-kubernetes-preserve-unknown-fields'?: unknown;
}

interface CrdVersion {
  name: string;
  storage: boolean;
  schema: Schema;
  /** YAML path of the version's openAPIV3Schema. */
  schemaPath: PathSegment[];
}

interface Crd {
  file: string;
  where: Locator;
  group: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
  versions: CrdVersion[];
}

/** Turns a YAML path into "file:line (document n): a.b[0].c" for error messages. */
type Locator = (path: PathSegment[]) => string;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function formatPath(path: PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out === '' ? '(document root)' : out;
}

function locator(file: string, doc: Document, lines: LineCounter, index: number, count: number): Locator {
  return (path) => {
    // The line of the deepest node of the path that exists.
    let line: number | undefined;
    for (let n = path.length; n >= 0 && line === undefined; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) line = lines.linePos(node.range[0]).line;
    }
    const at = line === undefined ? file : `${file}:${line}`;
    const docNote = count > 1 ? ` (document ${index + 1})` : '';
    return `${at}${docNote}: ${formatPath(path)}`;
  };
}

// ---------------------------------------------------------------------------------------------
// Reading CRDs

/** Reads every crds/*.yaml (and *.yml) under root, sorted by name. */
export function readSources(root: string = ROOT): Source[] {
  const dir = join(root, CRDS_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => ({ path: `${CRDS_DIR}/${f}`, text: readFileSync(join(dir, f), 'utf8') }));
}

function parseCrds(source: Source): Crd[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(source.text, { lineCounter: lines, uniqueKeys: true });
  if (!Array.isArray(docs)) return [];
  const crds: Crd[] = [];
  docs.forEach((doc, index) => {
    const where = locator(source.path, doc, lines, index, docs.length);
    const problem = doc.errors[0];
    if (problem) {
      const line = problem.linePos?.[0]?.line;
      throw new CodegenError(`${source.path}${line ? `:${line}` : ''}: invalid YAML: ${problem.message}`);
    }
    const obj: unknown = doc.toJS({ maxAliasCount: 100 });
    if (obj === null || obj === undefined) return; // an empty document, e.g. after a trailing ---
    crds.push(readCrd(source.path, obj, where));
  });
  return crds;
}

function readCrd(file: string, obj: unknown, where: Locator): Crd {
  const fail = (path: PathSegment[], msg: string): never => {
    throw new CodegenError(`${where(path)}: ${msg}`);
  };
  const str = (v: unknown, path: PathSegment[], what = 'a non-empty string'): string =>
    typeof v === 'string' && v !== '' ? v : fail(path, `must be ${what}`);

  if (!isRecord(obj)) return fail([], 'must be a CustomResourceDefinition object');
  if (obj.apiVersion !== 'apiextensions.k8s.io/v1' || obj.kind !== 'CustomResourceDefinition') {
    fail(
      ['kind'],
      `crds/ holds only apiextensions.k8s.io/v1 CustomResourceDefinitions, found ${String(obj.apiVersion)} ${String(obj.kind)}`,
    );
  }
  const spec = isRecord(obj.spec) ? obj.spec : fail(['spec'], 'must be an object');
  const names = isRecord(spec.names) ? spec.names : fail(['spec', 'names'], 'must be an object');
  const group = str(spec.group, ['spec', 'group']);
  const kind = str(names.kind, ['spec', 'names', 'kind']);
  if (!/^[A-Z][A-Za-z0-9]*$/.test(kind)) fail(['spec', 'names', 'kind'], 'must be a CamelCase identifier');
  const plural = str(names.plural, ['spec', 'names', 'plural']);
  const singular =
    names.singular === undefined ? kind.toLowerCase() : str(names.singular, ['spec', 'names', 'singular']);
  const listKind =
    names.listKind === undefined ? `${kind}List` : str(names.listKind, ['spec', 'names', 'listKind']);
  const shortNames = names.shortNames ?? [];
  if (!Array.isArray(shortNames) || !shortNames.every((s) => typeof s === 'string')) {
    fail(['spec', 'names', 'shortNames'], 'must be a list of strings');
  }
  const name = isRecord(obj.metadata) ? obj.metadata.name : undefined;
  if (name !== `${plural}.${group}`) {
    fail(['metadata', 'name'], `must be <plural>.<group>, ${plural}.${group}; found ${String(name)}`);
  }
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
    fail(['spec', 'scope'], `must be Namespaced or Cluster, found ${String(spec.scope)}`);
  }
  if (!Array.isArray(spec.versions) || spec.versions.length === 0) {
    fail(['spec', 'versions'], 'must list at least one version');
  }
  const versions: CrdVersion[] = [];
  const rawVersions = spec.versions as unknown[];
  for (const [i, v] of rawVersions.entries()) {
    const at: PathSegment[] = ['spec', 'versions', i];
    if (!isRecord(v)) return fail(at, 'must be an object');
    const vname = str(v.name, [...at, 'name']);
    if (!/^v\d+((alpha|beta)\d+)?$/.test(vname))
      fail([...at, 'name'], `'${vname}' is not a Kubernetes version`);
    const schemaPath = [...at, 'schema', 'openAPIV3Schema'];
    const schema = isRecord(v.schema) ? v.schema.openAPIV3Schema : undefined;
    if (!isRecord(schema)) {
      return fail(
        schemaPath,
        `is missing: version ${vname} needs a structural schema to generate types from`,
      );
    }
    if (schema.type !== 'object') fail([...schemaPath, 'type'], "must be 'object'");
    if (v.served === false) continue; // not served: no client ever sees it
    versions.push({ name: vname, storage: v.storage === true, schema, schemaPath });
  }
  const storage = rawVersions.filter((v) => isRecord(v) && v.storage === true);
  if (storage.length !== 1) {
    fail(['spec', 'versions'], `exactly one version must have storage: true, found ${storage.length}`);
  }
  return {
    file,
    where,
    group,
    kind,
    listKind,
    plural,
    singular,
    shortNames: shortNames as string[],
    namespaced: spec.scope === 'Namespaced',
    versions,
  };
}

// ---------------------------------------------------------------------------------------------
// Rendering

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const CONDITION_FIELDS = ['type', 'status', 'observedGeneration', 'lastTransitionTime', 'reason', 'message'];
const CONDITION_REQUIRED = ['type', 'status', 'lastTransitionTime', 'reason', 'message'];

function pascal(s: string): string {
  return s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

/** includedArtifacts -> includedArtifact, policies -> policy, include -> include. */
export function singular(word: string): string {
  if (/ies$/.test(word)) return `${word.slice(0, -3)}y`;
  if (/(ss|x|ch|sh|us)es$/.test(word)) return word.slice(0, -2);
  if (/(ss|us|is)$/.test(word)) return word;
  if (/s$/.test(word)) return word.slice(0, -1);
  return word;
}

function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

function propertyKey(k: string): string {
  return IDENTIFIER.test(k) ? k : quote(k);
}

const WIDTH = 100;

/** Breaks a line at spaces so that it fits in width, where it can. */
function wrap(line: string, width: number): string[] {
  const out: string[] = [];
  let current = '';
  for (const word of line.split(/ +/)) {
    if (current !== '' && current.length + 1 + word.length > width) {
      out.push(current);
      current = word;
    } else {
      current = current === '' ? word : `${current} ${word}`;
    }
  }
  out.push(current);
  return out;
}

/** A JSDoc block at the given indent, or '' when there is nothing to say. */
function jsdoc(indent: string, description: unknown, tags: string[] = []): string {
  const text = typeof description === 'string' ? description.trim() : '';
  const width = WIDTH - indent.length - 3;
  const lines = text === '' ? [] : text.split('\n').flatMap((l) => wrap(l.trimEnd(), width));
  if (lines.length > 0 && tags.length > 0) lines.push('');
  lines.push(...tags);
  if (lines.length === 0) return '';
  const safe = lines.map((l) => l.replace(/\*\//g, '*\\/'));
  if (safe.length === 1 && safe[0]!.length <= width - 3) return `${indent}/** ${safe[0]} */\n`;
  return `${indent}/**\n${safe.map((l) => (l === '' ? `${indent} *` : `${indent} * ${l}`)).join('\n')}\n${indent} */\n`;
}

/** JSON with sorted keys, for comparing schemas. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isRecord(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

interface Declaration {
  name: string;
  /** The field the interface was first named for (singular for array items), lowercased. */
  stem: string;
  /** canonical() of the schema without its own description. */
  key: string;
  text: string;
}

/** Where a schema sits: the prefixes its interface may be named with, in order, and its field. */
interface Hint {
  parents: string[];
  field: string;
  /** The prefixes for the interfaces of its own fields; by default, its own interface name. */
  childParents?: string[];
}

class VersionRenderer {
  readonly declarations: Declaration[] = [];
  usesCondition = false;
  private readonly crd: Crd;
  /** Names the file declares besides the interfaces of schemas. */
  private readonly reserved: Set<string>;

  constructor(crd: Crd, reserved: string[]) {
    this.crd = crd;
    this.reserved = new Set(reserved);
  }

  private fail(path: PathSegment[], msg: string): never {
    throw new CodegenError(`${this.crd.where(path)}: ${msg}`);
  }

  /** The TypeScript type of a schema, declaring interfaces for the object schemas within it. */
  typeOf(schema: unknown, hint: Hint, path: PathSegment[]): string {
    if (!isRecord(schema)) return this.fail(path, 'must be a schema object');
    const s = schema as Schema;
    let t: string;
    const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
    if (s['x-kubernetes-int-or-string'] === true) {
      t = 'number | string';
    } else if (s.enum !== undefined) {
      t = this.enumType(s, path);
    } else {
      switch (s.type) {
        case 'string':
          t = 'string';
          break;
        case 'integer':
        case 'number':
          t = 'number';
          break;
        case 'boolean':
          t = 'boolean';
          break;
        case 'array': {
          if (!isRecord(s.items))
            this.fail([...path, 'items'], "is missing: an array needs an 'items' schema");
          const itemHint = { parents: hint.parents, field: singular(hint.field) };
          const item = this.typeOf(s.items, itemHint, [...path, 'items']);
          t = /[ |]/.test(item) ? `(${item})[]` : `${item}[]`;
          break;
        }
        case 'object':
          t = this.objectType(s, hint, path);
          break;
        case undefined:
          if (!preserve) {
            this.fail(
              [...path, 'type'],
              'is missing: a structural schema needs a type unless x-kubernetes-int-or-string or x-kubernetes-preserve-unknown-fields is set',
            );
          }
          t = 'unknown';
          break;
        default:
          return this.fail([...path, 'type'], `'${String(s.type)}' is not an OpenAPI type`);
      }
    }
    return s.nullable === true && t !== 'unknown' ? `${t} | null` : t;
  }

  private enumType(s: Schema, path: PathSegment[]): string {
    if (!Array.isArray(s.enum) || s.enum.length === 0)
      this.fail([...path, 'enum'], 'must be a non-empty list');
    const expected = s.type === 'integer' ? 'number' : s.type;
    const literals = (s.enum as unknown[]).map((v, i) => {
      if (v === null && s.nullable === true) return 'null';
      if (
        typeof v !== expected ||
        (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
      ) {
        return this.fail(
          [...path, 'enum', i],
          `${JSON.stringify(v)} does not match the type ${String(s.type)}`,
        );
      }
      return typeof v === 'string' ? quote(v) : String(v);
    });
    return [...new Set(literals)].join(' | ');
  }

  private objectType(s: Schema, hint: Hint, path: PathSegment[]): string {
    const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
    if (s.properties === undefined) {
      if (isRecord(s.additionalProperties)) {
        const valueHint = { parents: hint.parents, field: singular(hint.field) };
        const value = this.typeOf(s.additionalProperties, valueHint, [...path, 'additionalProperties']);
        return `Record<string, ${value}>`;
      }
      if (s.additionalProperties === true || preserve) return 'Record<string, unknown>';
      return 'Record<string, never>'; // a structural schema prunes every field of such an object
    }
    if (!isRecord(s.properties)) return this.fail([...path, 'properties'], 'must be a map of schemas');
    if (s.additionalProperties !== undefined) {
      this.fail([...path, 'additionalProperties'], 'cannot be set together with properties');
    }
    if (this.isCondition(s)) {
      this.usesCondition = true;
      return 'Condition';
    }
    const { description: _, ...shape } = s;
    const key = canonical(shape);
    const stem = hint.field.toLowerCase();
    const same = this.declarations.find((d) => d.key === key && d.stem !== '' && stem.endsWith(d.stem));
    if (same) return same.name;

    const candidates = hint.parents.map((p) => p + pascal(hint.field));
    const name = candidates.find(
      (c) => !this.reserved.has(c) && !this.declarations.some((d) => d.name === c),
    );
    if (name === undefined) {
      return this.fail(path, `its type name ${candidates.join(' / ')} is already taken by another schema`);
    }
    const declaration: Declaration = { name, stem, key, text: '' };
    this.declarations.push(declaration); // before the members: declarations are listed outside-in
    const members = this.members(s, hint.childParents ?? [name], path);
    declaration.text = `${jsdoc('', s.description)}export interface ${name} {\n${members}}\n`;
    return name;
  }

  private isCondition(s: Schema): boolean {
    const props = Object.keys(s.properties as Record<string, unknown>);
    const required = Array.isArray(s.required) ? s.required : [];
    return (
      props.length === CONDITION_FIELDS.length &&
      CONDITION_FIELDS.every((f) => props.includes(f)) &&
      CONDITION_REQUIRED.every((f) => required.includes(f))
    );
  }

  /**
   * The member lines of an object schema with properties; `types` fixes the type of some fields,
   * and `alwaysRequired` makes some required whatever the schema says.
   */
  members(
    s: Schema,
    parents: string[],
    path: PathSegment[],
    types: Record<string, string> = {},
    alwaysRequired: string[] = [],
  ): string {
    const props = s.properties as Record<string, unknown>;
    const required = s.required ?? [];
    if (!Array.isArray(required) || !required.every((r) => typeof r === 'string')) {
      return this.fail([...path, 'required'], 'must be a list of property names');
    }
    required.forEach((r, i) => {
      if (!(r in props)) this.fail([...path, 'required', i], `names '${r}', which is not a property`);
    });
    let out = '';
    for (const [field, prop] of Object.entries(props)) {
      const at = [...path, 'properties', field];
      if (!isRecord(prop)) this.fail(at, 'must be a schema object');
      if (prop.description !== undefined && typeof prop.description !== 'string') {
        this.fail([...at, 'description'], 'must be a string');
      }
      const type = types[field] ?? this.typeOf(prop, { parents, field }, at);
      const optional = !required.includes(field) && !alwaysRequired.includes(field);
      const tags = prop.default === undefined ? [] : [`@defaultValue \`${JSON.stringify(prop.default)}\``];
      out += `${jsdoc('  ', prop.description, tags)}  ${propertyKey(field)}${optional ? '?' : ''}: ${type};\n`;
    }
    if (s['x-kubernetes-preserve-unknown-fields'] === true) out += '  [key: string]: unknown;\n';
    return out;
  }
}

function renderVersion(crd: Crd, version: CrdVersion): string {
  const prefix = crd.kind + (version.storage ? '' : pascal(version.name));
  const apiVersion = `${crd.group}/${version.name}`;
  const r = new VersionRenderer(crd, [`${prefix}List`, `${prefix}Resource`]);
  const root = version.schema;
  const path = version.schemaPath;
  if (root.properties !== undefined && !isRecord(root.properties)) {
    throw new CodegenError(`${crd.where([...path, 'properties'])}: must be a map of schemas`);
  }
  // apiVersion, kind and metadata come first and are always there, whatever the schema says.
  const props: Record<string, unknown> = {
    apiVersion: {},
    kind: {},
    metadata: {},
    ...(root.properties as object),
  };
  const types: Record<string, string> = {
    apiVersion: quote(apiVersion),
    kind: quote(crd.kind),
    metadata: 'ObjectMeta',
  };
  // The top-level interface goes first; what it refers to follows in order of appearance.
  const top: Declaration = { name: prefix, stem: '', key: '', text: '' };
  r.declarations.push(top);
  // spec and status are <Kind>Spec and <Kind>Status; what they hold is named from the kind
  // (<Kind>Ref), or from them when that name is taken (<Kind>StatusRef).
  for (const part of ['spec', 'status']) {
    const schema = props[part];
    if (!isRecord(schema) || schema.type !== 'object' || !isRecord(schema.properties)) continue;
    const hint = { parents: [prefix], field: part, childParents: [prefix, prefix + pascal(part)] };
    types[part] = r.typeOf(schema, hint, [...path, 'properties', part]);
  }
  const members = r.members({ ...root, properties: props }, [prefix], path, types, [
    'apiVersion',
    'kind',
    'metadata',
  ]);
  top.text = `${jsdoc('', root.description)}export interface ${prefix} {\n${members}}\n`;

  const resource = [
    `  group: ${quote(crd.group)},`,
    `  version: ${quote(version.name)},`,
    `  apiVersion: ${quote(apiVersion)},`,
    `  kind: ${quote(crd.kind)},`,
    `  listKind: ${quote(crd.listKind)},`,
    `  plural: ${quote(crd.plural)},`,
    `  singular: ${quote(crd.singular)},`,
    `  shortNames: [${crd.shortNames.map(quote).join(', ')}],`,
    `  namespaced: ${crd.namespaced},`,
  ].join('\n');
  const list =
    `/** A list of ${prefix} objects, as the API server returns it. */\n` +
    `export interface ${prefix}List {\n` +
    `  apiVersion: ${quote(apiVersion)};\n` +
    `  kind: ${quote(crd.listKind)};\n` +
    '  metadata: ListMeta;\n' +
    `  items: ${prefix}[];\n}\n`;

  const imports = [
    ...(r.usesCondition ? ["import type { Condition } from '../conditions.js';"] : []),
    `import type { ListMeta, ObjectMeta } from './${META_MODULE.replace(/\.ts$/, '.js')}';`,
  ];
  const nested = r.declarations.filter((d) => d !== top);
  const parts = [
    header(crd.file),
    imports.join('\n'),
    `/** Where the ${apiVersion} ${crd.kind} resource is served. */\nexport const ${prefix}Resource = {\n${resource}\n} as const;`,
    top.text.trimEnd(),
    list.trimEnd(),
    ...nested.map((d) => d.text.trimEnd()),
  ];
  return `${parts.join('\n\n')}\n`;
}

function header(from?: string): string {
  if (from === undefined)
    return `// Code generated by hack/codegen.ts. DO NOT EDIT.\n// Run \`${COMMAND}\` to regenerate.`;
  return `// Code generated by hack/codegen.ts from ${from}. DO NOT EDIT.\n// Edit the CRD and run \`${COMMAND}\`.`;
}

const META = `${header()}

/** The standard metadata of an object: the subset of metav1.ObjectMeta that Moor reads or writes. */
export interface ObjectMeta {
  /** Unique within a namespace (or the cluster, for cluster-scoped kinds). Required unless generateName is set. */
  name?: string;
  /** A prefix from which the API server generates a unique name, when name is not set. */
  generateName?: string;
  /** The namespace of a namespaced object; empty for cluster-scoped kinds. */
  namespace?: string;
  /** Set by the API server: unique in time and space. */
  uid?: string;
  /** Set by the API server: the version of the object, for optimistic concurrency and watches. */
  resourceVersion?: string;
  /** Set by the API server: incremented on every change of the desired state (spec). */
  generation?: number;
  /** Set by the API server, RFC 3339. */
  creationTimestamp?: string;
  /** Set by the API server when deletion was requested, RFC 3339. */
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
}

/** A reference to an owner of an object, as metav1.OwnerReference. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  /** True when this owner is the managing controller. */
  controller?: boolean;
  /** True when the owner cannot be deleted before this object (foreground deletion). */
  blockOwnerDeletion?: boolean;
}

/** The metadata of a list, as metav1.ListMeta. */
export interface ListMeta {
  resourceVersion?: string;
  /** Set when the list is incomplete: pass it as the continue option to fetch the next page. */
  continue?: string;
  remainingItemCount?: number;
}
`;

/** Every generated file, keyed by its path relative to the repository root, in sorted order. */
export function generateFiles(sources: readonly Source[]): Map<string, string> {
  const modules = new Map<string, { from: string; text: string }>();
  for (const source of [...sources].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    for (const crd of parseCrds(source)) {
      for (const version of crd.versions) {
        const base = crd.kind.toLowerCase() + (version.storage ? '' : `.${version.name}`);
        const file = `${base}.gen.ts`;
        const clash = modules.get(file);
        if (clash) {
          throw new CodegenError(
            `${crd.where(['spec', 'names', 'kind'])}: kind ${crd.kind} ${version.name} is also defined in ${clash.from}; both would generate ${OUT_DIR}/${file}`,
          );
        }
        modules.set(file, { from: crd.file, text: renderVersion(crd, version) });
      }
    }
  }
  modules.set(META_MODULE, { from: 'hack/codegen.ts', text: META });
  const names = [...modules.keys()].sort();
  const index = `${header()}\n\n${names.map((f) => `export * from './${f.replace(/\.ts$/, '.js')}';`).join('\n')}\n`;
  const out = new Map<string, string>();
  for (const f of names) out.set(`${OUT_DIR}/${f}`, modules.get(f)!.text);
  out.set(`${OUT_DIR}/index.ts`, index);
  return out;
}

export interface Drift {
  file: string;
  problem: 'missing' | 'differs' | 'stale';
}

/** How packages/api/src/generated/ under root differs from what crds/ generates. */
export function findDrift(root: string = ROOT, files = generateFiles(readSources(root))): Drift[] {
  const drift: Drift[] = [];
  for (const [file, text] of files) {
    const path = join(root, file);
    if (!existsSync(path)) drift.push({ file, problem: 'missing' });
    else if (readFileSync(path, 'utf8') !== text) drift.push({ file, problem: 'differs' });
  }
  const dir = join(root, OUT_DIR);
  if (existsSync(dir)) {
    for (const f of readdirSync(dir).sort()) {
      const file = `${OUT_DIR}/${f}`;
      if (!files.has(file)) drift.push({ file, problem: 'stale' });
    }
  }
  return drift;
}

const EXPLAIN: Record<Drift['problem'], string> = {
  missing: 'missing',
  differs: 'out of date',
  stale: 'stale: no CRD generates it any more',
};

/** The command line; returns the exit code. */
export function main(argv: string[], root: string = ROOT): number {
  const check = argv.includes('--check');
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    process.stderr.write(`usage: node hack/codegen.ts [--check]\nunknown argument: ${unknown.join(' ')}\n`);
    return 2;
  }
  let files: Map<string, string>;
  try {
    files = generateFiles(readSources(root));
  } catch (err) {
    if (!(err instanceof CodegenError)) throw err;
    process.stderr.write(`codegen: ${err.message}\n`);
    return 2;
  }
  const drift = findDrift(root, files);
  if (check) {
    if (drift.length === 0) return 0;
    process.stderr.write(`codegen: ${OUT_DIR} does not match ${CRDS_DIR}/:\n`);
    for (const d of drift) process.stderr.write(`  ${d.file}: ${EXPLAIN[d.problem]}\n`);
    process.stderr.write(`Run \`${COMMAND}\` and commit the result.\n`);
    return 1;
  }
  mkdirSync(join(root, OUT_DIR), { recursive: true });
  for (const d of drift) {
    const path = join(root, d.file);
    if (d.problem === 'stale') rmSync(path, { recursive: true, force: true });
    else writeFileSync(path, files.get(d.file)!);
    process.stdout.write(`codegen: ${d.problem === 'stale' ? 'deleted' : 'wrote'} ${d.file}\n`);
  }
  if (drift.length === 0) process.stdout.write(`codegen: ${OUT_DIR} is up to date\n`);
  return 0;
}

if (import.meta.main) process.exitCode = main(process.argv.slice(2));
