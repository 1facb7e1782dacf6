// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${var}` in plain strings is the syntax under test.
// End-to-end tests of build() with the pinned kustomize binary.
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BuildError,
  type BuildOptions,
  type BuildResult,
  type BuiltObject,
  build,
  DigestMismatchError,
  DuplicateObjectError,
  InvalidPathError,
  KustomizationFileError,
  KustomizeBuildError,
  ManifestParseError,
  SubstitutionError,
  UnsafeArchiveEntryError,
} from './index.js';
import { makeTarGz, PINNED_KUSTOMIZE, removeTree, sha256Digest, writeTree } from './testing.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map(removeTree));
});

async function tree(files: Record<string, string>): Promise<string> {
  const dir = await writeTree(files);
  dirs.push(dir);
  return dir;
}

async function run(
  files: Record<string, string>,
  options: Omit<BuildOptions, 'artifact'> = {},
): Promise<BuildResult> {
  const workDir = await tree({});
  const result = await build({
    artifact: { dir: await tree(files) },
    kustomizeBinary: PINNED_KUSTOMIZE,
    workDir,
    ...options,
  });
  expect(await readdir(workDir)).toEqual([]); // the working copy is removed
  return result;
}

async function failure(
  files: Record<string, string>,
  options: Omit<BuildOptions, 'artifact'> = {},
): Promise<BuildError> {
  const workDir = await tree({});
  const err = await build({
    artifact: { dir: await tree(files) },
    kustomizeBinary: PINNED_KUSTOMIZE,
    workDir,
    ...options,
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BuildError);
  expect(await readdir(workDir)).toEqual([]);
  // No temp path may leak into what users read.
  expect((err as Error).message).not.toContain(workDir);
  expect((err as Error).message).not.toContain(tmpdir());
  return err as BuildError;
}

const cm = (name: string, extra = '') =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${extra}`;
const deploy = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: {app: ${name}}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - name: main
        image: nginx:1.0
`;

const summary = (r: BuildResult) =>
  r.objects.map((o) => {
    const m = o.object.metadata as { name: string; namespace?: string };
    return `${o.object.kind}/${m.namespace ? `${m.namespace}/` : ''}${m.name} <- ${o.origin.path}`;
  });

describe('build: kustomization discovery', () => {
  it('generates a kustomization for a plain folder; origins are repo-relative files', async () => {
    const result = await run(
      {
        'apps/web/one.yaml': `${cm('one')}---\n${cm('two')}`,
        'apps/web/nested/three.yaml': cm('three'),
        'apps/web/chart-values.yaml': 'replicaCount: 2\n',
        'apps/web/base/kustomization.yaml':
          'resources: [four.yaml]\nconfigMapGenerator:\n- name: gen\n  literals: [a=b]\n',
        'apps/web/base/four.yaml': cm('four'),
      },
      { path: './apps/web' },
    );
    expect(result.generatedKustomization).toBe(true);
    expect(summary(result).sort()).toEqual([
      'ConfigMap/four <- apps/web/base/four.yaml',
      expect.stringMatching(/^ConfigMap\/gen-[a-z0-9]+ <- apps\/web\/base\/kustomization.yaml$/),
      'ConfigMap/one <- apps/web/one.yaml',
      'ConfigMap/three <- apps/web/nested/three.yaml',
      'ConfigMap/two <- apps/web/one.yaml',
    ]);
    const generated = result.objects.find((o) => o.origin.generator);
    expect(generated?.origin.generator).toEqual({ apiVersion: 'builtin', kind: 'ConfigMapGenerator' });
    // The origin annotation is data, not part of the object.
    for (const o of result.objects)
      expect(JSON.stringify(o.object)).not.toContain('config.kubernetes.io/origin');
  });

  it('respects an existing kustomization, including bases elsewhere in the repo', async () => {
    const result = await run(
      {
        'clusters/prod/kustomization.yaml': 'resources: [../../base, extra.yaml]\n',
        'clusters/prod/extra.yaml': cm('extra'),
        'clusters/prod/ignored.yaml': cm('ignored'),
        'base/kustomization.yaml': 'resources: [app.yaml]\n',
        'base/app.yaml': deploy('app'),
      },
      { path: 'clusters/prod' },
    );
    expect(result.generatedKustomization).toBe(false);
    expect(summary(result)).toEqual([
      'ConfigMap/extra <- clusters/prod/extra.yaml',
      'Deployment/app <- base/app.yaml',
    ]);
  });

  it('keeps origin annotations when the user asked for them', async () => {
    const result = await run({
      'kustomization.yaml': 'resources: [a.yaml]\nbuildMetadata: [originAnnotations]\n',
      'a.yaml': cm('a'),
    });
    expect(result.objects[0]!.object.metadata).toMatchObject({
      annotations: { 'config.kubernetes.io/origin': 'path: a.yaml\n' },
    });
  });
});

describe('build: overlay fields', () => {
  const repo = {
    'app/kustomization.yaml': 'resources: [deploy.yaml, cm.yaml]\n',
    'app/deploy.yaml': deploy('web'),
    'app/cm.yaml': cm('settings', 'data:\n  mode: dev\n'),
    'components/debug/kustomization.yaml':
      'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n- patch: |\n    apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: settings\n    data:\n      debug: "true"\n',
  };

  it('applies targetNamespace, prefix, suffix, commonMetadata, images, patches and components', async () => {
    const result = await run(repo, {
      path: 'app',
      overlay: {
        targetNamespace: 'prod',
        namePrefix: 'p-',
        nameSuffix: '-s',
        commonMetadata: { labels: { team: 'blue' }, annotations: { owner: 'ops' } },
        images: [{ name: 'nginx', newName: 'registry.example/nginx', newTag: '1.27' }],
        components: ['../components/debug'],
        patches: [
          {
            // strategic merge, selected by target
            patch: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: any\nspec:\n  replicas: 3\n',
            target: { kind: 'Deployment', labelSelector: 'app=web' },
          },
          {
            // JSON6902 needs a target
            patch: '- op: add\n  path: /data/level\n  value: info\n',
            target: { version: 'v1', kind: 'ConfigMap', name: 'settings' },
          },
        ],
      },
    });
    expect(summary(result)).toEqual([
      'ConfigMap/prod/p-settings-s <- app/cm.yaml',
      'Deployment/prod/p-web-s <- app/deploy.yaml',
    ]);
    const [config, deployment] = result.objects as [BuiltObject, BuiltObject];
    expect(config.object.data).toEqual({ mode: 'dev', debug: 'true', level: 'info' });
    expect(config.object.metadata).toMatchObject({ labels: { team: 'blue' }, annotations: { owner: 'ops' } });
    const spec = deployment.object.spec as {
      replicas: number;
      selector: { matchLabels: Record<string, string> };
      template: { spec: { containers: { image: string }[] } };
    };
    expect(spec.replicas).toBe(3);
    expect(spec.template.spec.containers[0]!.image).toBe('registry.example/nginx:1.27');
    // commonMetadata labels do not touch selectors (immutable on Deployments)
    expect(spec.selector.matchLabels).toEqual({ app: 'web' });
  });

  it('pins images by digest', async () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const result = await run(repo, { path: 'app', overlay: { images: [{ name: 'nginx', digest }] } });
    const d = result.objects.find((o) => o.object.kind === 'Deployment')!;
    expect(JSON.stringify(d.object)).toContain(`nginx@${digest}`);
  });
});

describe('build: postBuild substitution', () => {
  it('substitutes after the build, with defaults, escapes and the disabled annotation', async () => {
    const result = await run(
      {
        'a.yaml': cm('a', 'data:\n  env: ${env}\n  region: ${region:=eu-west-1}\n  literal: $${env}\n'),
        'b.yaml': cm(
          'b',
          '  annotations:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\ndata:\n  env: ${env}\n',
        ).replace('  name: b\n', '  name: b\n'),
      },
      { postBuild: { substitute: { env: 'prod' } } },
    );
    const data = Object.fromEntries(
      result.objects.map((o) => [(o.object.metadata as { name: string }).name, o.object.data]),
    );
    expect(data.a).toEqual({ env: 'prod', region: 'eu-west-1', literal: '${env}' });
    expect(data.b).toEqual({ env: '${env}' });
  });

  it('strict mode names the object, file and variable', async () => {
    const err = await failure(
      { 'apps/a.yaml': cm('a', 'data:\n  env: ${env}\n') },
      { postBuild: { substitute: { other: 'x' }, strict: true } },
    );
    expect(err.problems).toHaveLength(1);
    const problem = err.problems[0] as SubstitutionError;
    expect(problem).toBeInstanceOf(SubstitutionError);
    expect(problem.variable).toBe('env');
    expect(problem.message).toBe(
      "apps/a.yaml: ConfigMap/a: data.env: variable substitution failed: variable 'env' is not set",
    );
  });

  it('catches duplicates created by substitution', async () => {
    const err = await failure(
      { 'one.yaml': cm('${first}'), 'two.yaml': cm('${second}') },
      { postBuild: { substitute: { first: 'same', second: 'same' } } },
    );
    expect(err.problems[0]).toBeInstanceOf(DuplicateObjectError);
    expect(err.problems[0]!.message).toBe(
      'two.yaml: ConfigMap/same: duplicate object, also defined in one.yaml',
    );
  });
});

describe('build: broken input', () => {
  it('reports every bad YAML file with file and line, in one error', async () => {
    const err = await failure({
      'kustomization.yaml': 'resources: [good.yaml, bad1.yaml, bad2.yaml]\n',
      'good.yaml': cm('good'),
      'bad1.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n data: [\n',
      'bad2.yaml': `${cm('ok')}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: y}\nkey: "unterminated\n`,
    });
    const files = err.problems.map((p) => [p.constructor.name, p.file, p.location.line !== undefined]);
    expect(files).toContainEqual(['ManifestParseError', 'bad1.yaml', true]);
    expect(files).toContainEqual(['ManifestParseError', 'bad2.yaml', true]);
    expect(err.problems.every((p) => p instanceof ManifestParseError)).toBe(true);
  });

  it('reports unparseable files of a generated kustomization', async () => {
    const err = await failure({
      'ok.yaml': cm('ok'),
      'broken.yaml': 'kind: ConfigMap\nmetadata: {name: [\n',
    });
    expect(err.problems[0]).toBeInstanceOf(ManifestParseError);
    expect(err.problems[0]!.message).toMatch(/^broken\.yaml:\d+:\d+: invalid YAML/);
  });

  it('reports objects missing required fields, naming file and field', async () => {
    const err = await failure({
      'kustomization.yaml': 'resources: [a.yaml]\n',
      'a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {a: b}\n',
    });
    expect(err.problems.map((p) => p.message)).toEqual([
      'a.yaml:1: ConfigMap/<unnamed>: metadata.name: is required',
    ]);
  });

  it('reports an unknown field in kustomization.yaml, naming the file', async () => {
    const err = await failure(
      {
        'app/kustomization.yaml': 'resources: [../base]\n',
        'base/kustomization.yaml': 'resourcez: [a.yaml]\n',
        'base/a.yaml': cm('a'),
      },
      { path: 'app' },
    );
    const problem = err.problems[0] as KustomizeBuildError;
    expect(problem).toBeInstanceOf(KustomizeBuildError);
    expect(problem.file).toBe('base/kustomization.yaml');
    expect(problem.message).toContain('unknown field "resourcez"');
    expect(problem.message).toContain("'base'");
  });

  it('reports an unknown field in the root kustomization', async () => {
    const err = await failure({ 'kustomization.yaml': 'resources: []\nnamePrefx: a-\n' });
    expect(err.problems[0]).toBeInstanceOf(KustomizeBuildError);
    expect(err.problems[0]!.file).toBe('kustomization.yaml');
    expect(err.problems[0]!.message).toContain('unknown field "namePrefx"');
  });

  it('reports a missing resource file with the kustomization and field', async () => {
    const err = await failure({
      'app/kustomization.yaml': 'resources: [a.yaml, missing.yaml]\n',
      'app/a.yaml': cm('a'),
    });
    expect(err.problems.map((p) => p.message)).toEqual([
      "app/kustomization.yaml: resources[1]: 'missing.yaml' does not exist",
    ]);
    expect(err.problems[0]).toBeInstanceOf(KustomizationFileError);
  });

  it('reports duplicate objects across files (same group, other version)', async () => {
    const err = await failure({
      'a.yaml': deploy('web'),
      'b.yaml': deploy('web').replace('apps/v1', 'apps/v1beta2'),
    });
    expect(err.problems[0]).toBeInstanceOf(DuplicateObjectError);
    expect(err.problems[0]!.message).toBe('b.yaml: Deployment/web: duplicate object, also defined in a.yaml');
  });

  it('refuses spec.path and references that leave the artifact', async () => {
    const escaped = await failure({ 'a.yaml': cm('a') }, { path: '../..' });
    expect(escaped.problems[0]).toBeInstanceOf(InvalidPathError);
    const secret = await failure({
      'kustomization.yaml':
        'secretGenerator:\n- name: s\n  files: [key=../../../../etc/hostname]\nresources: [/etc/passwd]\n',
    });
    expect(secret.problems.map((p) => p.field).sort()).toEqual([
      'resources[0]',
      'secretGenerator[0].files[0]',
    ]);
  });

  it('refuses remote bases unless allowed', async () => {
    const err = await failure({
      'kustomization.yaml': 'resources: [https://github.com/example/repo//deploy?ref=v1]\n',
    });
    expect(err.problems[0]!.message).toContain('remote reference');
  });

  it('maps a kustomize failure to repo-relative paths', async () => {
    const err = await failure({
      'kustomization.yaml': 'resources: [a.yaml]\npatches:\n- path: nope.yaml\n',
      'a.yaml': cm('a'),
    });
    expect(err.problems[0]).toBeInstanceOf(KustomizeBuildError);
    expect(err.problems[0]!.message).toMatch(/nope\.yaml/);
  });
});

describe('build: tar.gz artifacts', () => {
  it('builds from bytes verified against the digest', async () => {
    const bytes = makeTarGz([{ path: 'deploy/a.yaml', content: cm('a') }]);
    const result = await build({
      artifact: { bytes, digest: sha256Digest(bytes) },
      path: 'deploy',
      kustomizeBinary: PINNED_KUSTOMIZE,
    });
    expect(summary(result)).toEqual(['ConfigMap/a <- deploy/a.yaml']);
  });

  it('wraps unpack problems in a BuildError', async () => {
    const bytes = makeTarGz([{ path: 'a.yaml', content: cm('a') }]);
    const mismatch = await build({ artifact: { bytes, digest: sha256Digest(Buffer.from('x')) } }).catch(
      (e: unknown) => e,
    );
    expect(mismatch).toBeInstanceOf(BuildError);
    expect((mismatch as BuildError).problems[0]).toBeInstanceOf(DigestMismatchError);
    const evil = makeTarGz([{ path: 'l', type: 'SymbolicLink', linkpath: '../../etc' }]);
    const unsafe = await build({ artifact: { bytes: evil, digest: sha256Digest(evil) } }).catch(
      (e: unknown) => e,
    );
    expect((unsafe as BuildError).problems[0]).toBeInstanceOf(UnsafeArchiveEntryError);
  });

  it('refuses symlinks of a directory artifact that point outside it', async () => {
    const outside = await tree({ 'secret.yaml': cm('stolen') });
    const repo = await tree({ 'kustomization.yaml': 'resources: [link/secret.yaml]\n' });
    const { symlink } = await import('node:fs/promises');
    await symlink(outside, path.join(repo, 'link'));
    const err = await build({ artifact: { dir: repo }, kustomizeBinary: PINNED_KUSTOMIZE }).catch(
      (e: unknown) => e,
    );
    expect((err as BuildError).problems[0]!.message).toContain('outside the artifact root');
  });
});

describe('build: kustomize process', () => {
  it('honours the abort signal', async () => {
    const controller = new AbortController();
    controller.abort();
    const err = await failure({ 'a.yaml': cm('a') }, { signal: controller.signal });
    expect(err.problems[0]).toBeInstanceOf(KustomizeBuildError);
    expect(err.problems[0]!.message).toContain('aborted');
  });

  it('reports a missing binary', async () => {
    const err = await failure({ 'a.yaml': cm('a') }, { kustomizeBinary: '/nonexistent/kustomize' });
    expect(err.problems[0]!.message).toContain("kustomize binary '/nonexistent/kustomize' not found");
  });
});
