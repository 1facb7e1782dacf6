// hack/codegen.ts: the committed types match crds/, the generator maps each schema construct to
// the right TypeScript, and bad CRDs are rejected with the file, line and field at fault.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  findDrift,
  generateFiles,
  main,
  OUT_DIR,
  ROOT,
  readSources,
  type Source,
  singular,
} from './codegen.ts';

const WIDGETS = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: { kind: Widget, plural: widgets, shortNames: [wd] }
  scope: Cluster
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          description: A Widget.
          type: object
          required: [spec]
          properties:
            apiVersion: { type: string }
            kind: { type: string }
            metadata: { type: object }
            spec:
              type: object
              required: [size, ports]
              properties:
                size:
                  description: Size, as a count or a percentage.
                  x-kubernetes-int-or-string: true
                mode:
                  description: How fast.
                  type: string
                  enum: [Fast, Slow, "it's"]
                  default: Fast
                replicas: { type: integer, format: int32 }
                ratio: { type: number }
                owner: { type: string, nullable: true }
                labels:
                  type: object
                  additionalProperties: { type: string }
                limits:
                  type: object
                  additionalProperties: { x-kubernetes-int-or-string: true }
                ports:
                  type: array
                  items:
                    type: object
                    required: [name, port]
                    properties:
                      name: { type: string }
                      port: { type: integer }
                      protocol: { type: string, enum: [TCP, UDP] }
                tags:
                  type: array
                  items: { type: string }
                template:
                  description: "Closes a comment: */"
                  type: object
                  required: [image]
                  properties:
                    image: { type: string }
                    env:
                      type: object
                      additionalProperties:
                        type: object
                        properties:
                          value: { type: string }
                extra:
                  type: object
                  x-kubernetes-preserve-unknown-fields: true
                open:
                  type: object
                  x-kubernetes-preserve-unknown-fields: true
                  properties:
                    known: { type: boolean }
                ca.crt: { type: string }
            status:
              type: object
              properties:
                observedGeneration: { type: integer, format: int64 }
                conditions:
                  type: array
                  items:
                    type: object
                    required: [type, status, lastTransitionTime, reason, message]
                    properties:
                      type: { type: string }
                      status: { type: string, enum: ["True", "False", Unknown] }
                      observedGeneration: { type: integer }
                      lastTransitionTime: { type: string, format: date-time }
                      reason: { type: string }
                      message: { type: string }
                ports:
                  description: The ports in use; the same schema as spec.ports, so the same type.
                  type: array
                  items:
                    type: object
                    required: [name, port]
                    properties:
                      name: { type: string }
                      port: { type: integer }
                      protocol: { type: string, enum: [TCP, UDP] }
                template:
                  description: Not the schema of spec.template, so another type.
                  type: object
                  properties:
                    digest: { type: string }
`;

const GADGETS = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: gadgets.example.com }
spec:
  group: example.com
  names: { kind: Gadget, plural: gadgets }
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: { type: object, properties: { color: { type: string } } }
    - name: v1beta1
      served: true
      storage: false
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: { type: object, properties: { colour: { type: string } } }
    - name: v1alpha1
      served: false
      storage: false
      schema:
        openAPIV3Schema: { type: object }
`;

const gen = (path: string) => `${OUT_DIR}/${path}`;

/** Type-checks files (paths relative to packages/api/src) with the real conditions.ts beside them. */
function typeErrors(files: Record<string, string>): string[] {
  const base = '/virtual/src';
  const virtual = new Map<string, string>(
    Object.entries({
      'conditions.ts': readFileSync(join(ROOT, 'packages/api/src/conditions.ts'), 'utf8'),
      ...files,
    }).map(([p, text]) => [`${base}/${p}`, text]),
  );
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    noUncheckedIndexedAccess: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts'],
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile, directoryExists } = host;
  host.fileExists = (f) => virtual.has(f) || fileExists.call(host, f);
  host.directoryExists = (d) =>
    [...virtual.keys()].some((f) => f.startsWith(`${d}/`)) || (directoryExists?.call(host, d) ?? false);
  host.readFile = (f) => virtual.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, ...rest) => {
    const text = virtual.get(f);
    return text === undefined
      ? getSourceFile.call(host, f, lang, ...rest)
      : ts.createSourceFile(f, text, lang);
  };
  const program = ts.createProgram([...virtual.keys()], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file?.fileName ?? ''}:${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

describe('committed generated types', () => {
  it('match crds/ (run `npm run codegen` if this fails)', () => {
    expect(findDrift(ROOT), 'packages/api/src/generated is out of date: run `npm run codegen`').toEqual([]);
  });

  it('cover every CRD in crds/', () => {
    const sources = readSources(ROOT);
    expect(sources.map((s) => s.path)).toContain('crds/source.moor.dev_gitrepositories.yaml');
    const files = generateFiles(sources);
    expect(files.get(gen('gitrepository.gen.ts'))).toContain('export interface GitRepositorySpec {');
    expect(files.get(gen('index.ts'))).toContain("export * from './gitrepository.gen.js';");
  });
});

describe('generated TypeScript', () => {
  const files = generateFiles([{ path: 'crds/example.com_widgets.yaml', text: WIDGETS }]);
  const widget = files.get(gen('widget.gen.ts'))!;

  it('is headed with its source and how to regenerate it', () => {
    expect(widget.split('\n').slice(0, 2)).toEqual([
      '// Code generated by hack/codegen.ts from crds/example.com_widgets.yaml. DO NOT EDIT.',
      '// Edit the CRD and run `npm run codegen`.',
    ]);
  });

  it('declares the resource coordinates as a const', () => {
    expect(widget).toContain(
      [
        'export const WidgetResource = {',
        "  group: 'example.com',",
        "  version: 'v1',",
        "  apiVersion: 'example.com/v1',",
        "  kind: 'Widget',",
        "  listKind: 'WidgetList',",
        "  plural: 'widgets',",
        "  singular: 'widget',",
        "  shortNames: ['wd'],",
        '  namespaced: false,',
        '} as const;',
      ].join('\n'),
    );
  });

  it('types the top level with literals, ObjectMeta, and spec/status from required', () => {
    expect(widget).toContain(
      [
        '/** A Widget. */',
        'export interface Widget {',
        "  apiVersion: 'example.com/v1';",
        "  kind: 'Widget';",
        '  metadata: ObjectMeta;',
        '  spec: WidgetSpec;',
        '  status?: WidgetStatus;',
        '}',
      ].join('\n'),
    );
    expect(widget).toContain('export interface WidgetList {');
    expect(widget).toContain("import type { ListMeta, ObjectMeta } from './meta.gen.js';");
  });

  it('maps scalars, enums, int-or-string, nullable, maps and arrays', () => {
    for (const member of [
      '  size: number | string;',
      "  mode?: 'Fast' | 'Slow' | 'it\\'s';",
      '  replicas?: number;',
      '  ratio?: number;',
      '  owner?: string | null;',
      '  labels?: Record<string, string>;',
      '  limits?: Record<string, number | string>;',
      '  ports: WidgetPort[];',
      '  tags?: string[];',
      '  extra?: Record<string, unknown>;',
      "  'ca.crt'?: string;",
      "  protocol?: 'TCP' | 'UDP';",
      '  env?: Record<string, WidgetTemplateEnv>;',
    ]) {
      expect(widget).toContain(`\n${member}\n`);
    }
  });

  it('names nested interfaces from their path, required fields without ?', () => {
    expect(widget).toContain('export interface WidgetPort {\n  name: string;\n  port: number;\n');
    expect(widget).toContain('export interface WidgetTemplate {\n  image: string;\n');
    expect(widget).toContain('export interface WidgetTemplateEnv {\n  value?: string;\n}');
    // An object with properties that keeps unknown fields too.
    expect(widget).toContain(
      'export interface WidgetOpen {\n  known?: boolean;\n  [key: string]: unknown;\n}',
    );
  });

  it('reuses an identical schema, and qualifies a different one whose name is taken', () => {
    expect(widget).toContain('  ports?: WidgetPort[];');
    expect(widget.match(/export interface WidgetPort /g)).toHaveLength(1);
    expect(widget).toContain('  template?: WidgetStatusTemplate;');
    expect(widget).toContain('export interface WidgetStatusTemplate {\n  digest?: string;\n}');
  });

  it('uses the shared Condition for metav1.Condition arrays', () => {
    expect(widget).toContain("import type { Condition } from '../conditions.js';");
    expect(widget).toContain('  conditions?: Condition[];');
    expect(widget).not.toContain('interface WidgetCondition');
  });

  it('carries descriptions and defaults into JSDoc, escaping comment ends', () => {
    expect(widget).toContain('  /**\n   * How fast.\n   *\n   * @defaultValue `"Fast"`\n   */\n  mode?:');
    expect(widget).toContain('  /** Size, as a count or a percentage. */\n  size:');
    expect(widget).toContain('Closes a comment: *\\/');
  });

  it('compiles, and the types accept valid objects and reject invalid ones', () => {
    const usage = `
import type { Widget, WidgetSpec } from './generated/index.js';
const ok: Widget = {
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name: 'w' },
  spec: {
    size: '50%',
    ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    limits: { cpu: 2, memory: '1Gi' },
    owner: null,
    open: { known: true, anything: 1 },
    'ca.crt': 'pem',
  },
  status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '', reason: 'R', message: '' }] },
};
// @ts-expect-error size and ports are required
const missing: WidgetSpec = {};
// @ts-expect-error not one of the enum values
const badEnum: WidgetSpec = { size: 1, ports: [], mode: 'Medium' };
// @ts-expect-error the wrong apiVersion
const badVersion: Widget = { ...ok, apiVersion: 'example.com/v2' };
// @ts-expect-error a Condition needs its reason
const badCondition: Widget = { ...ok, status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '', message: '' }] } };
export { ok, missing, badEnum, badVersion, badCondition };
`;
    const generated = Object.fromEntries(
      [...files].map(([path, text]) => [path.slice('packages/api/src/'.length), text]),
    );
    expect(typeErrors({ ...generated, 'usage.ts': usage })).toEqual([]);
  });

  it('generates one module per served version, from every document of a file', () => {
    const multi = generateFiles([{ path: 'crds/example.yaml', text: `${WIDGETS}\n---\n${GADGETS}\n---\n` }]);
    expect([...multi.keys()]).toEqual([
      gen('gadget.gen.ts'),
      gen('gadget.v1beta1.gen.ts'),
      gen('meta.gen.ts'),
      gen('widget.gen.ts'),
      gen('index.ts'),
    ]);
    const beta = multi.get(gen('gadget.v1beta1.gen.ts'))!;
    expect(beta).toContain('export const GadgetV1beta1Resource = {');
    expect(beta).toContain("export interface GadgetV1beta1 {\n  apiVersion: 'example.com/v1beta1';");
    expect(beta).toContain('export interface GadgetV1beta1Spec {\n  colour?: string;\n}');
    expect(multi.get(gen('gadget.gen.ts'))).not.toContain("from '../conditions.js'");
    expect(multi.get(gen('index.ts'))).toContain(
      [
        "export * from './gadget.gen.js';",
        "export * from './gadget.v1beta1.gen.js';",
        "export * from './meta.gen.js';",
        "export * from './widget.gen.js';",
      ].join('\n'),
    );
  });

  it('is deterministic, whatever the order of the sources', () => {
    const a: Source = { path: 'crds/a.yaml', text: WIDGETS };
    const b: Source = { path: 'crds/b.yaml', text: GADGETS };
    const once = [...generateFiles([a, b])];
    expect([...generateFiles([b, a])]).toEqual(once);
    expect([...generateFiles([a, b])]).toEqual(once);
  });

  it('singularizes field names for array items', () => {
    expect(
      ['includedArtifacts', 'policies', 'include', 'statuses', 'addresses', 'metadata'].map(singular),
    ).toEqual(['includedArtifact', 'policy', 'include', 'status', 'address', 'metadata']);
  });
});

describe('invalid CRDs', () => {
  const FILE = 'crds/bad.yaml';
  const run = (text: string) => () => generateFiles([{ path: FILE, text }]);
  // The widget CRD with one substitution, to break one thing at a time.
  const widgets = (from: string | RegExp, to: string) => {
    const text = WIDGETS.replace(from, to);
    expect(text).not.toBe(WIDGETS);
    return text;
  };

  it.each([
    [
      'a version without a schema',
      widgets(
        / {6}schema:\n {8}openAPIV3Schema:\n {10}description: A Widget\.\n/,
        '      schemax:\n        x:\n          y: 1\n',
      ),
      /^crds\/bad\.yaml:\d+: spec\.versions\[0\]\.schema\.openAPIV3Schema: is missing: version v1 needs a structural schema/,
    ],
    [
      'an array without items',
      widgets('                  items: { type: string }\n', ''),
      /^crds\/bad\.yaml:\d+: spec\.versions\[0\]\.schema\.openAPIV3Schema\.properties\.spec\.properties\.tags\.items: is missing/,
    ],
    [
      'a property without a type',
      widgets('replicas: { type: integer, format: int32 }', 'replicas: { format: int32 }'),
      /properties\.spec\.properties\.replicas\.type: is missing: a structural schema needs a type/,
    ],
    [
      'an unknown type',
      widgets('ratio: { type: number }', 'ratio: { type: float }'),
      /properties\.spec\.properties\.ratio\.type: 'float' is not an OpenAPI type/,
    ],
    [
      'required naming a field that does not exist',
      widgets('required: [size, ports]', 'required: [size, ports, sise]'),
      /properties\.spec\.required\[2\]: names 'sise', which is not a property/,
    ],
    [
      'an enum value of the wrong type',
      widgets('enum: [TCP, UDP]', 'enum: [TCP, 17]'),
      /properties\.protocol\.enum\[1\]: 17 does not match the type string/,
    ],
    [
      'no storage version',
      widgets('      storage: true\n', '      storage: false\n'),
      /^crds\/bad\.yaml:\d+: spec\.versions: exactly one version must have storage: true, found 0/,
    ],
    [
      'a name that is not <plural>.<group>',
      widgets('name: widgets.example.com', 'name: widget.example.com'),
      /^crds\/bad\.yaml:\d+: metadata\.name: must be <plural>\.<group>, widgets\.example\.com/,
    ],
    [
      'a document that is not a CRD',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n',
      /^crds\/bad\.yaml:2: kind: crds\/ holds only apiextensions\.k8s\.io\/v1 CustomResourceDefinitions, found v1 ConfigMap/,
    ],
    ['invalid YAML', 'spec:\n  a: b\n   c: d\n', /^crds\/bad\.yaml:\d+: invalid YAML/],
  ])('rejects %s, naming the file, line and field', (_what, text, message) => {
    expect(run(text)).toThrow(message);
  });

  it('numbers the document in a multi-document file', () => {
    const second = GADGETS.replace('names: { kind: Gadget, plural: gadgets }', 'names: { plural: gadgets }');
    expect(run(`${WIDGETS}---${second}`)).toThrow(
      /^crds\/bad\.yaml:\d+ \(document 2\): spec\.names\.kind: must be/,
    );
  });

  it('rejects two CRDs that would generate the same module', () => {
    const other = WIDGETS.replaceAll('example.com', 'example.org');
    expect(() =>
      generateFiles([
        { path: 'crds/a.yaml', text: WIDGETS },
        { path: 'crds/b.yaml', text: other },
      ]),
    ).toThrow(/^crds\/b\.yaml:\d+: spec\.names\.kind: kind Widget v1 is also defined in crds\/a\.yaml/);
  });
});

describe('node hack/codegen.ts', () => {
  let root = '';
  afterEach(() => {
    vi.restoreAllMocks();
    if (root !== '') rmSync(root, { recursive: true, force: true });
  });

  function scratch(): string {
    root = mkdtempSync(join(tmpdir(), 'moor-codegen-'));
    mkdirSync(join(root, 'crds'));
    writeFileSync(join(root, 'crds/example.com_widgets.yaml'), WIDGETS);
    return root;
  }

  function capture(): { out: () => string; err: () => string } {
    let out = '';
    let err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
      out += String(s);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
      err += String(s);
      return true;
    });
    return { out: () => out, err: () => err };
  }

  it('writes the files, then --check passes', () => {
    const dir = scratch();
    const io = capture();
    expect(main([], dir)).toBe(0);
    expect(io.out()).toContain(`wrote ${gen('widget.gen.ts')}`);
    expect(main(['--check'], dir)).toBe(0);
    expect(findDrift(dir)).toEqual([]);
  });

  it('--check exits 1 naming every out-of-date, missing and stale file and what to run', () => {
    const dir = scratch();
    const io = capture();
    main([], dir);
    writeFileSync(join(dir, gen('widget.gen.ts')), '// edited by hand\n');
    rmSync(join(dir, gen('meta.gen.ts')));
    writeFileSync(join(dir, gen('gone.gen.ts')), '');
    expect(main(['--check'], dir)).toBe(1);
    expect(io.err()).toContain(`${gen('widget.gen.ts')}: out of date`);
    expect(io.err()).toContain(`${gen('meta.gen.ts')}: missing`);
    expect(io.err()).toContain(`${gen('gone.gen.ts')}: stale`);
    expect(io.err()).toContain('Run `npm run codegen`');
    // Writing repairs all three.
    expect(main([], dir)).toBe(0);
    expect(findDrift(dir)).toEqual([]);
  });

  it('exits 2 with the located error on a bad CRD, writing nothing', () => {
    const dir = scratch();
    const io = capture();
    const path = join(dir, 'crds/example.com_widgets.yaml');
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, WIDGETS.replace('ratio: { type: number }', 'ratio: {}'));
    expect(main([], dir)).toBe(2);
    expect(io.err()).toMatch(/^codegen: crds\/example\.com_widgets\.yaml:\d+: .*ratio\.type: is missing/);
    expect(existsSync(join(dir, OUT_DIR))).toBe(false);
  });

  it('rejects unknown arguments', () => {
    const io = capture();
    expect(main(['--fix'], scratch())).toBe(2);
    expect(io.err()).toContain('usage: node hack/codegen.ts [--check]');
  });
});
