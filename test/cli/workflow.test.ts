// A user's session with the moor CLI against the sandbox's controllers: create a source and a
// Kustomization, look at them, reconcile, suspend and resume, and read the history of an initial
// apply, a drift correction (kubectl scale) and a rollback (git revert).
import type { Kustomization, ReconcileRecord } from '@moor/api';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  apps,
  createRepo,
  gitRepositories,
  kubectl,
  kustomizations,
  type TestRepo,
  uniqueName,
  useNamespace,
  waitFor,
} from '../harness/index.js';
import { expectGolden, historyRows, moor, moorUntil, normalise } from './helpers.js';

// Interval and Manual reconciles depend on timing; the story is in these.
const STORY = ['SpecChange', 'Drift', 'NewRevision'];

// Namespaces are written out: the drift watcher of the kustomize controller (at the time of
// writing) tracks namespace-less manifests without the default namespace and reports them deleted.
const deployment = (ns: string, replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${ns}
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

const configMap = (ns: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: ${ns}
data:
  greeting: hello
`;

describe('moor workflow', () => {
  const ns = useNamespace('cli');
  const source = uniqueName('src');
  const ks = uniqueName('app');
  let repo: TestRepo;
  const names = () => ({ [ns.name]: '<ns>', [source]: '<source>', [ks]: '<ks>', [repo.url]: '<url>' });
  const n = (text: string) => normalise(text, names());

  beforeAll(async () => {
    repo = await createRepo('cli', {
      'deploy/deployment.yaml': deployment(ns.name, 1),
      'deploy/configmap.yaml': configMap(ns.name),
    });
  });

  it('creates a GitRepository and a Kustomization and waits until they are Ready', async () => {
    const src = await moor([
      'create',
      'source',
      'git',
      source,
      '-n',
      ns.name,
      '--url',
      repo.url,
      '--branch',
      'main',
      '--interval',
      '10m',
    ]);
    expect(src.stderr).toBe('');
    expect(src.code).toBe(0);
    expectGolden('create-source-git.txt', n(src.stdout));

    const k = await moor([
      'create',
      'ks',
      ks,
      '-n',
      ns.name,
      '--source',
      source,
      '--path',
      './deploy',
      '--interval',
      '10m',
      '--prune',
    ]);
    expect(k.code).toBe(0);
    expectGolden('create-kustomization.txt', n(k.stdout));
    await waitFor(() => apps().readNamespacedDeployment({ name: 'web', namespace: ns.name }), {
      description: 'the Deployment applied',
      timeoutMs: 30_000,
    });
  });

  it('gets sources, kustomizations and all, as tables, JSON and YAML', async () => {
    const git = await moor(['get', 'sources', 'git', '-n', ns.name]);
    expect(git.code).toBe(0);
    expectGolden('get-sources-git.txt', n(git.stdout));

    const list = await moor(['get', 'ks', '-n', ns.name]);
    expectGolden('get-kustomizations.txt', n(list.stdout));

    const all = await moor(['get', 'all', '-n', ns.name]);
    expectGolden('get-all.txt', n(all.stdout));

    const across = await moor(['get', 'kustomizations', '-A']);
    expect(across.stdout.split('\n')[0]).toMatch(
      /^NAMESPACE\s+NAME\s+READY\s+MESSAGE\s+REVISION\s+SUSPENDED\s+AGE$/,
    );
    expect(across.stdout).toMatch(new RegExp(`${ns.name}\\s+${ks}\\s+True`));

    const json = JSON.parse(
      (await moor(['get', 'ks', ks, '-n', ns.name, '-o', 'json'])).stdout,
    ) as Kustomization;
    expect(json.status?.lastAppliedRevision).toMatch(/^main@sha1:/);
    const yaml = await moor(['get', 'ks', '-n', ns.name, '-o', 'yaml']);
    expect(yaml.stdout).toContain(`name: ${ks}`);

    const none = await moor(['get', 'ks', '-n', ns.name, '-l', 'team=nobody']);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain(`no Kustomization objects found in namespace ${ns.name}`);

    const watched = await moorUntil(['get', 'ks', '-n', ns.name, '--watch'], new RegExp(`${ks}\\s+True`));
    expect(watched).toMatch(/^NAME\s+READY/);
  });

  it('says what to do for an object that does not exist', async () => {
    const r = await moor(['get', 'ks', 'missing', '-n', ns.name]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Kustomization ${ns.name}/missing not found; run moor get ks -A to list them`);
    for (const args of [
      ['reconcile', 'ks', 'missing'],
      ['history', 'ks', 'missing'],
      ['tree', 'ks', 'missing'],
      ['suspend', 'ks', 'missing'],
      ['export', 'ks', 'missing'],
    ]) {
      const e = await moor([...args, '-n', ns.name]);
      expect(e.code, args.join(' ')).toBe(1);
      expect(e.stderr, args.join(' ')).toContain('not found; run moor get ks -A to list them');
    }
    const src = await moor(['reconcile', 'source', 'git', 'missing', '-n', ns.name]);
    expect(src.stderr).toContain('not found; run moor get sources git -A to list them');
  });

  it('reconciles a source, and a Kustomization with its source', async () => {
    const src = await moor(['reconcile', 'source', 'git', source, '-n', ns.name]);
    expect(src.code).toBe(0);
    expectGolden('reconcile-source-git.txt', n(src.stdout));
    const k = await moor(['reconcile', 'kustomization', ks, '-n', ns.name, '--with-source']);
    expect(k.code).toBe(0);
    expectGolden('reconcile-kustomization.txt', n(k.stdout));
  });

  it('shows the inventory as a tree', async () => {
    const r = await moor(['tree', 'kustomization', ks, '-n', ns.name]);
    expect(r.code).toBe(0);
    expectGolden('tree.txt', n(r.stdout));
  });

  it('exports clean YAML', async () => {
    const one = await moor(['export', 'kustomization', ks, '-n', ns.name]);
    expect(one.code).toBe(0);
    expectGolden('export-kustomization.yaml', n(one.stdout));
    const all = await moor(['export', 'source', 'git', '--all', '-n', ns.name]);
    expectGolden('export-sources-git.yaml', n(all.stdout));
    expect(one.stdout).not.toMatch(/status:|managedFields|resourceVersion|uid:/);
  });

  it('records an initial apply, a drift correction and a rollback in history', async () => {
    // Drift: someone scales by hand; the controller puts it back.
    await kubectl(['scale', 'deployment/web', '-n', ns.name, '--replicas=3']);
    const drift = await waitFor(
      async () => {
        const r = await moor(['history', 'ks', ks, '-n', ns.name, '-o', 'json']);
        return (JSON.parse(r.stdout) as ReconcileRecord[]).find(
          (x) =>
            x.result === 'DriftCorrected' &&
            x.drift.some(
              (d) => d.object.kind === 'Deployment' && d.changes.some((c) => c.path === 'spec.replicas'),
            ),
        );
      },
      { description: 'a DriftCorrected record', timeoutMs: 60_000 },
    );
    await waitFor(
      async () =>
        (await apps().readNamespacedDeployment({ name: 'web', namespace: ns.name })).spec?.replicas === 1,
      {
        description: 'replicas back to 1',
      },
    );

    // A change, then its rollback with git revert: each fetched and applied as a new revision.
    const applied = async (sha: string) => {
      const r = await moor(['reconcile', 'source', 'git', source, '-n', ns.name]);
      expect(r.code).toBe(0);
      await kustomizations.waitFor(
        ns.name,
        ks,
        (k) => k.status?.lastAppliedRevision === `main@sha1:${sha}`,
        `applied ${sha}`,
        60_000,
      );
    };
    const change = await repo.commitAndPush(
      { 'deploy/deployment.yaml': deployment(ns.name, 2) },
      'scale to 2',
    );
    await applied(change);
    const rollback = await repo.revert(change);
    await repo.push();
    await applied(rollback);

    const table = await moor(['history', 'kustomization', ks, '-n', ns.name]);
    expect(table.code).toBe(0);
    expect(table.stderr).toBe('');
    // A Drift row of the kubectl scale; the drift watcher may also report a passing hiccup.
    expectGolden(
      'history.txt',
      n(historyRows(table.stdout, STORY, (r) => !r.includes('Drift ') || r.includes('spec.replicas'))),
    );

    const records = JSON.parse(
      (await moor(['history', 'ks', ks, '-n', ns.name, '-o', 'json'])).stdout,
    ) as ReconcileRecord[];
    expect(records.map((r) => r.result)).toContain('DriftCorrected');
    const last = records.at(-1) as ReconcileRecord;
    expect(last.revision).toBe(`main@sha1:${rollback}`);
    expect(last.changes.find((c) => c.object.kind === 'Deployment')).toMatchObject({
      action: 'configured',
      changedFields: ['spec.replicas'],
    });

    const limited = await moor(['history', 'ks', ks, '-n', ns.name, '--limit', '1', '--since', '1h']);
    expect(limited.stdout.trim().split('\n')).toHaveLength(2);

    const show = await moor(['history', 'show', drift.id]);
    expect(show.code).toBe(0);
    expectGolden('history-show-drift.txt', n(show.stdout));
    const showJson = JSON.parse(
      (await moor(['history', 'show', drift.id, '-o', 'json'])).stdout,
    ) as ReconcileRecord;
    expect(showJson.drift[0]?.changes[0]).toMatchObject({ path: 'spec.replicas', desired: 1, live: 3 });

    const unknown = await moor(['history', 'show', 'zzzzzzzzz-00000000']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(
      'no history record zzzzzzzzz-00000000; list the IDs with moor history kustomization NAME',
    );

    // Without NATS, a user with only a kubeconfig gets the full records from the kustomize
    // controller: after a port-forward (--history-url), or through the API server's Service proxy.
    const viaNats = JSON.parse(
      (await moor(['history', 'ks', ks, '-n', ns.name, '-o', 'json'])).stdout,
    ) as ReconcileRecord[];
    const viaController = await moor(['history', 'ks', ks, '-n', ns.name, '-o', 'json'], {
      NATS_URL: undefined,
      MOOR_NATS_URL: undefined,
    });
    expect(viaController.code).toBe(0);
    expect((JSON.parse(viaController.stdout) as ReconcileRecord[]).map((r) => r.id)).toEqual(
      expect.arrayContaining(viaNats.map((r) => r.id)),
    );
    const shown = await moor(['history', 'show', drift.id, '-o', 'json'], {
      NATS_URL: undefined,
      MOOR_NATS_URL: undefined,
    });
    expect((JSON.parse(shown.stdout) as ReconcileRecord).drift[0]?.changes[0]).toMatchObject({
      path: 'spec.replicas',
    });

    // Neither NATS nor a reachable controller (the sandbox's chart Deployments run no pods, so the
    // API server's proxy finds no endpoint): the summaries in status.history, and why.
    const fallback = await moor(['history', 'ks', ks, '-n', ns.name], {
      NATS_URL: undefined,
      MOOR_NATS_URL: undefined,
      MOOR_HISTORY_URL: undefined,
    });
    expect(fallback.code).toBe(0);
    expect(fallback.stderr).toMatch(
      /^showing the last \d+ summaries from status.history; full history needs NATS \(--nats-url or MOOR_NATS_URL\/NATS_URL\) or the kustomize controller \(--history-url, or the API server proxy: no kustomize controller pod answers behind service moor-system\/kustomize-controller\)/,
    );
    expect(fallback.stdout).toMatch(/Drift\s+main@[0-9a-f]{7}\s+DriftCorrected/);
    expectGolden('history-fallback.txt', n(historyRows(fallback.stdout, ['SpecChange', 'NewRevision'])));
    const dead = await moor(['history', 'ks', ks, '-n', ns.name, '--nats-url', 'nats://127.0.0.1:1']);
    expect(dead.code).toBe(1);
    expect(dead.stderr).toContain('cannot reach NATS at nats://127.0.0.1:1 (from --nats-url)');
  });

  it('shows events from NATS, and from Kubernetes without it', async () => {
    const r = await moor(['events', '--for', `Kustomization/${ks}`, '-n', ns.name]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
    expect(r.stdout).toContain('DriftCorrected');
    expect(r.stdout).toContain('ReconciliationSucceeded');
    const json = (await moor(['events', '--for', `ks/${ks}`, '-n', ns.name, '-o', 'json'])).stdout
      .trim()
      .split('\n');
    expect(JSON.parse(json[0] as string)).toMatchObject({ schema: 'moor.dev/event/v1' });

    const kube = await moor(['events', '--for', `Kustomization/${ks}`, '-n', ns.name], {
      NATS_URL: undefined,
      MOOR_NATS_URL: undefined,
    });
    expect(kube.code).toBe(0);
    expect(kube.stderr).toContain('showing Kubernetes Events');
    expect(kube.stdout).toContain(`Kustomization/${ks}`);

    const watched = await moorUntil(['events', '-n', ns.name, '-w'], /GitRepository\//);
    expect(watched).toContain('NewArtifact');

    const bad = await moor(['events', '--for', 'apps']);
    expect(bad.code).toBe(2);
  });

  it('suspends with a reason and an expiry, refuses to reconcile, and resumes', async () => {
    const s = await moor([
      'suspend',
      'kustomization',
      ks,
      '-n',
      ns.name,
      '--reason',
      'INC-42: hotfix by hand',
      '--for',
      '2h',
    ]);
    expect(s.code).toBe(0);
    expectGolden('suspend-kustomization.txt', n(s.stdout));
    const obj = await kustomizations.get(ns.name, ks);
    expect(obj.spec.suspend).toBe(true);
    const a = obj.metadata.annotations ?? {};
    expect(a['kustomize.moor.dev/suspend-reason']).toBe('INC-42: hotfix by hand');
    expect(a['kustomize.moor.dev/suspended-by']).toBe('admin');
    const until = Date.parse(a['kustomize.moor.dev/suspend-until'] as string);
    expect(until - Date.now()).toBeGreaterThan(7_100_000);
    expect(until - Date.now()).toBeLessThan(7_300_000);
    await kustomizations.waitFor(
      ns.name,
      ks,
      (k) => k.status?.suspension?.reason === 'INC-42: hotfix by hand',
      'suspension in status',
    );

    const got = await moor(['get', 'ks', ks, '-n', ns.name]);
    expect(got.stdout).toMatch(new RegExp(`${ks}\\s+True\\s+.*\\s+True\\s+\\S+$`, 'm'));

    const refused = await moor(['reconcile', 'ks', ks, '-n', ns.name]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `is suspended, so the controller will not reconcile it; resume it first: moor resume kustomization ${ks} -n ${ns.name}`,
    );

    const r = await moor(['resume', 'kustomization', ks, '-n', ns.name]);
    expect(r.code).toBe(0);
    expectGolden('resume-kustomization.txt', n(r.stdout));
    const resumed = await kustomizations.get(ns.name, ks);
    expect(resumed.spec.suspend).toBe(false);
    expect(Object.keys(resumed.metadata.annotations ?? {}).filter((k) => k.includes('suspend'))).toEqual([]);

    const ss = await moor(['suspend', 'source', 'git', source, '-n', ns.name, '--reason', 'moving']);
    expect(ss.code).toBe(0);
    const repoObj = await gitRepositories.get(ns.name, source);
    expect(repoObj.spec.suspend).toBe(true);
    expect(repoObj.metadata.annotations?.['source.moor.dev/suspend-reason']).toBe('moving');
    const rs = await moor(['resume', 'source', 'git', source, '-n', ns.name]);
    expect(rs.code).toBe(0);
    expect(rs.stdout).toContain(`GitRepository ${ns.name}/${source} fetched revision main@sha1:`);
  });

  it('checks the installation', async () => {
    const r = await moor(['check']);
    expect(r.code).toBe(0);
    expectGolden('check.txt', n(r.stdout));
    const noNats = await moor(['check'], { NATS_URL: undefined, MOOR_NATS_URL: undefined });
    expect(noNats.code).toBe(0);
    expect(noNats.stdout).toContain('! NATS: no URL known');
    const deadNats = await moor(['check', '--nats-url', 'nats://127.0.0.1:1']);
    expect(deadNats.code).toBe(1);
    expect(deadNats.stdout).toContain('✗ NATS at nats://127.0.0.1:1 (from --nats-url)');
  });
});
