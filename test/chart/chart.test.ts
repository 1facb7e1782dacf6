// The Helm chart: it lints and renders with default and production-like values, the rendered
// manifests match the reviewed golden files, bad values fail at install with a clear message,
// and every Pod it creates passes the restricted Pod Security Standard, enforced by the
// sandbox's API server.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { childEnv, core, uniqueName, waitFor } from '../harness/index.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..', '..');
const chart = join(root, 'charts', 'moor');
const production = join(import.meta.dirname, 'production-values.yaml');

async function helm(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const r = await run('helm', args, { env: childEnv(), encoding: 'utf8', maxBuffer: 32 * 1024 * 1024 });
    return { ...r, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: e.code ?? 1 };
  }
}

const render = (extra: string[] = []) =>
  helm(['template', 'moor', chart, '--namespace', 'moor-system', '--include-crds', ...extra]);

function golden(name: string, actual: string): void {
  const file = join(import.meta.dirname, 'golden', name);
  if (process.env.MOOR_UPDATE_GOLDEN === '1' || !existsSync(file)) writeFileSync(file, actual);
  expect(actual, `${file} differs; review and rerun with MOOR_UPDATE_GOLDEN=1`).toBe(
    readFileSync(file, 'utf8'),
  );
}

type Manifest = {
  kind?: string;
  metadata?: { name?: string };
  spec?: { template?: { metadata?: unknown; spec?: unknown } };
};
const manifests = (text: string) =>
  parseAllDocuments(text)
    .map((d) => d.toJS() as Manifest)
    .filter((m) => m?.kind);

describe('the Helm chart', () => {
  it('lints with default and production-like values', async () => {
    for (const extra of [[], ['-f', production]]) {
      const r = await helm(['lint', chart, ...extra]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain('0 chart(s) failed');
    }
  });

  it('renders what the golden files say, CRDs straight from crds/', async () => {
    const defaults = await render();
    expect(defaults.code, defaults.stderr).toBe(0);
    golden('default.yaml', defaults.stdout);
    const prod = await render(['-f', production]);
    expect(prod.code, prod.stderr).toBe(0);
    golden('production.yaml', prod.stdout);

    const kinds = manifests(defaults.stdout).map((m) => `${m.kind}/${m.metadata?.name}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'CustomResourceDefinition/gitrepositories.source.moor.dev',
        'CustomResourceDefinition/kustomizations.kustomize.moor.dev',
        'Deployment/source-controller',
        'Deployment/kustomize-controller',
        'Deployment/notification-controller',
        'StatefulSet/nats',
        'Service/webhook-receiver',
      ]),
    );
    // The CRDs in the chart are the files in crds/, byte for byte (a symlink, never a copy).
    const crd = readFileSync(join(root, 'crds', 'source.moor.dev_gitrepositories.yaml'), 'utf8');
    expect(defaults.stdout).toContain(crd.trim().split('\n').slice(0, 20).join('\n'));
    // Production values: external NATS with credentials, no embedded NATS, no apply binding.
    expect(prod.stdout).not.toContain('kind: StatefulSet');
    expect(prod.stdout).toContain('--nats-creds-file=/etc/moor/nats/creds');
    expect(prod.stdout).not.toContain('moor-kustomize-controller-apply');
  });

  it('refuses wrong values at install, naming them', async () => {
    const bad = await render(['--set', 'logLevel=loud', '--set', 'nats.mode=external']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("at '/logLevel': value must be one of 'debug', 'info', 'warn', 'error'");
    expect(bad.stderr).toContain("at '/nats/external/url'");
    const typo = await render(['--set', 'sourceController.replica=2']);
    expect(typo.stderr).toMatch(/additional properties? 'replica' not allowed/);
  });

  it('creates only Pods that the restricted Pod Security Standard admits', async () => {
    const ns = uniqueName('pss');
    await core().createNamespace({
      body: {
        metadata: {
          name: ns,
          labels: {
            'pod-security.kubernetes.io/enforce': 'restricted',
            'pod-security.kubernetes.io/enforce-version': 'latest',
          },
        },
      },
    });
    try {
      await waitFor(() => core().readNamespacedServiceAccount({ name: 'default', namespace: ns }), {
        description: 'default ServiceAccount',
      });
      const pods = manifests((await render()).stdout)
        .filter((m) => m.kind === 'Deployment' || m.kind === 'StatefulSet')
        .map((m) => ({
          name: m.metadata?.name as string,
          template: m.spec?.template as { metadata?: object; spec: Record<string, unknown> },
          // A StatefulSet's claims become volumes of its Pods; an emptyDir stands in for them here.
          claims: (
            (m.spec as { volumeClaimTemplates?: { metadata: { name: string } }[] }).volumeClaimTemplates ?? []
          ).map((c) => ({
            name: c.metadata.name,
            emptyDir: {},
          })),
        }));
      expect(pods.map((p) => p.name).sort()).toEqual([
        'kustomize-controller',
        'nats',
        'notification-controller',
        'source-controller',
      ]);
      for (const p of pods) {
        // The ServiceAccounts live in the release namespace; the Pod spec is what PSS judges.
        const spec = {
          ...p.template.spec,
          serviceAccountName: 'default',
          volumes: [...((p.template.spec.volumes as unknown[]) ?? []), ...p.claims],
        };
        await core().createNamespacedPod({
          namespace: ns,
          dryRun: 'All',
          body: { metadata: { name: p.name }, spec } as never,
        });
      }
      // The check can fail: a Pod without the chart's security settings is refused.
      const refused = await core()
        .createNamespacedPod({
          namespace: ns,
          dryRun: 'All',
          body: { metadata: { name: 'plain' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
        })
        .then(
          () => undefined,
          (e: { code?: number; body?: string }) => e,
        );
      expect(refused?.code).toBe(403);
      expect((JSON.parse(String(refused?.body)) as { message: string }).message).toContain(
        'violates PodSecurity "restricted:latest"',
      );
    } finally {
      await core()
        .deleteNamespace({ name: ns })
        .catch(() => undefined);
    }
  });
});
