// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${VAR}` is postBuild substitution syntax.
// moor diff against the sandbox: a Kustomization applied by the real kustomize controller (with
// targetNamespace, postBuild.substitute and substituteFrom, prune), then a local checkout of its
// repository changed as in a pull request: replicas changed, an object added, one removed, a
// Secret value changed. The diff must show each, mask the Secret, exit 1; the unchanged checkout
// exits 0; a broken manifest exits 1 naming the file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apps,
  core,
  createRepo,
  gitRepositories,
  isReady,
  kustomizations,
  type TestRepo,
  uniqueName,
  useNamespace,
} from '../harness/index.js';
import { expectGolden, moor, normalise } from './helpers.js';

// No namespaces in the manifests: spec.targetNamespace puts them in the test's namespace.
const deployment = (replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: ${replicas}
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: nginx:1.27
`;

const settings = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  greeting: \${GREETING}
  colour: \${COLOUR}
`;

const service = (name: string) => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  selector: { app: web }
  ports:
    - port: 80
`;

const secret = (token: string) => `apiVersion: v1
kind: Secret
metadata:
  name: creds
stringData:
  token: ${token}
  user: admin
`;

const newConfigMap = `apiVersion: v1
kind: ConfigMap
metadata:
  name: extra
data:
  feature: "on"
`;

const OLD_TOKEN = 's3cr3t-old-token';
const NEW_TOKEN = 's3cr3t-new-token';

describe('moor diff kustomization', () => {
  const ns = useNamespace('diff');
  const source = uniqueName('src');
  const ks = uniqueName('app');
  let repo: TestRepo;
  const scratch: string[] = [];
  const names = () => ({ [ns.name]: '<ns>', [ks]: '<ks>', [repo.workDir]: '<checkout>' });
  // Diff lines are normalised after their +/-/space mark, so their indentation is kept.
  const n = (text: string) =>
    text
      .split('\n')
      .map((l) =>
        /^[-+ ]/.test(l) && !/^(---|\+\+\+) /.test(l)
          ? l[0] + normalise(l.slice(1), names())
          : normalise(l, names()),
      )
      .join('\n')
      .trimEnd();
  const diff = (dir: string, ...extra: string[]) =>
    moor(['diff', 'ks', ks, '-n', ns.name, '--path', dir, ...extra]);

  beforeAll(async () => {
    repo = await createRepo('diff', {
      'deploy/deployment.yaml': deployment(1),
      'deploy/settings.yaml': settings,
      'deploy/old-service.yaml': service('old'),
      'deploy/secret.yaml': secret(OLD_TOKEN),
    });
    await core().createNamespacedConfigMap({
      namespace: ns.name,
      body: { metadata: { name: 'vars' }, data: { COLOUR: 'blue' } },
    });
    await gitRepositories.create(ns.name, source, {
      url: repo.url,
      ref: { branch: 'main' },
      interval: '10m',
    });
    await kustomizations.create(ns.name, ks, {
      sourceRef: { kind: 'GitRepository', name: source },
      path: './deploy',
      interval: '10m',
      prune: true,
      targetNamespace: ns.name,
      postBuild: {
        substitute: { GREETING: 'hello' },
        substituteFrom: [{ kind: 'ConfigMap', name: 'vars' }],
      },
    });
    await kustomizations.waitFor(ns.name, ks, isReady, 'Ready', 60_000);
  });

  afterAll(() => {
    for (const d of scratch) rmSync(d, { recursive: true, force: true });
  });

  it('exits 0 and prints no diff when the checkout is what the controller applied', async () => {
    // The repository's own work tree (a Git checkout), at the applied commit.
    const r = await diff(join(repo.workDir, 'deploy'));
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`Kustomization ${ns.name}/${ks}: no differences (4 objects unchanged)\n`);
    expect(r.code).toBe(0);
  });

  it('shows drift, new, pruned and Secret changes as unified diffs, values masked, and exits 1', async () => {
    const cm = await core().readNamespacedConfigMap({ name: 'settings', namespace: ns.name });
    expect(cm.data).toEqual({ greeting: 'hello', colour: 'blue' }); // substitution was applied
    repo
      .write({
        'deploy/deployment.yaml': deployment(3),
        'deploy/extra.yaml': newConfigMap,
        'deploy/secret.yaml': secret(NEW_TOKEN),
      })
      .remove('deploy/old-service.yaml');
    const r = await diff(join(repo.workDir, 'deploy'));
    expect(r.code).toBe(1);
    for (const out of [r.stdout, r.stderr]) {
      expect(out).not.toContain(OLD_TOKEN);
      expect(out).not.toContain(NEW_TOKEN);
      expect(out).not.toContain(Buffer.from(NEW_TOKEN).toString('base64'));
    }
    expectGolden('diff-kustomization.txt', n(`${r.stdout}\n${r.stderr}`));

    // Nothing was changed by the diff.
    const web = await apps().readNamespacedDeployment({ name: 'web', namespace: ns.name });
    expect(web.spec?.replicas).toBe(1);
    await core().readNamespacedService({ name: 'old', namespace: ns.name });
    await expect(core().readNamespacedConfigMap({ name: 'extra', namespace: ns.name })).rejects.toThrow();

    const json = await diff(join(repo.workDir, 'deploy'), '-o', 'json');
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout) as {
      changed: boolean;
      counts: Record<string, number>;
      objects: Array<{ id: string; action: string; changedFields?: string[]; file?: string }>;
    };
    expect(parsed.changed).toBe(true);
    expect(parsed.counts).toEqual({ created: 1, drifted: 2, deleted: 1, unchanged: 1 });
    const byId = Object.fromEntries(parsed.objects.map((o) => [o.id, o]));
    expect(byId[`${ns.name}_web_apps_Deployment`]).toMatchObject({
      action: 'drifted',
      changedFields: ['spec.replicas'],
      file: 'deploy/deployment.yaml',
    });
    expect(byId[`${ns.name}_creds__Secret`]).toMatchObject({
      action: 'drifted',
      changedFields: ['data.token'],
    });
    expect(byId[`${ns.name}_extra__ConfigMap`]?.action).toBe('created');
    expect(byId[`${ns.name}_old__Service`]?.action).toBe('deleted');
    expect(byId[`${ns.name}_settings__ConfigMap`]?.action).toBe('unchanged');
    expect(json.stdout).not.toContain(NEW_TOKEN);
  });

  it('reports a broken manifest like the controller, naming the file, and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moor-diff-broken-'));
    scratch.push(dir);
    writeFileSync(join(dir, 'deployment.yaml'), deployment(1));
    writeFileSync(
      join(dir, 'broken.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n',
    );
    const r = await diff(dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Error: build failed:\n {2}- broken\.yaml:\d+:\d+: /);
  });

  it('exits 2 on wrong usage', async () => {
    const r = await moor(['diff', 'ks', ks, '-n', ns.name]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("required option '--path <dir>' not specified");
    const missing = await diff('/nonexistent/dir');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--path /nonexistent/dir: no such directory');
  });
});
