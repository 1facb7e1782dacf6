// The sandbox installs what users install: the Helm chart, into moor-system. kwok runs no
// containers, so the chart's Deployments are scaled to zero and the controllers run as local
// processes instead, each acting as the ServiceAccount the chart created for it (impersonation),
// so the chart's RBAC is what every test exercises.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { findTool } from './components.ts';
import { type Layout, type Ports, repoRoot } from './layout.ts';

export const RELEASE_NAMESPACE = 'moor-system';

export function serviceAccountOf(controller: string): string {
  return `system:serviceaccount:${RELEASE_NAMESPACE}:${controller}`;
}

function chartValues(ports: Ports): string[] {
  return [
    '--set',
    'sourceController.replicas=0',
    '--set',
    'kustomizeController.replicas=0',
    '--set',
    'notificationController.replicas=0',
    '--set',
    'nats.mode=external',
    '--set',
    `nats.external.url=nats://127.0.0.1:${ports.nats}`,
  ];
}

function fingerprint(ports: Ports): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir).sort()) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else hash.update(p).update(readFileSync(p));
    }
  };
  walk(join(repoRoot, 'charts', 'moor'));
  hash.update(JSON.stringify(chartValues(ports)));
  return hash.digest('hex').slice(0, 16);
}

/** helm upgrade --install, unless the chart and values are what was installed last time. */
export function installChart(
  l: Layout,
  ports: Ports,
  previous: string | undefined,
): { fingerprint: string; installed: boolean } {
  const fp = fingerprint(ports);
  if (fp === previous) return { fingerprint: fp, installed: false };
  execFileSync(
    findTool('helm'),
    [
      'upgrade',
      '--install',
      'moor',
      join(repoRoot, 'charts', 'moor'),
      '--namespace',
      RELEASE_NAMESPACE,
      '--skip-crds',
      `--kubeconfig=${l.kubeconfig}`,
      ...chartValues(ports),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' },
  );
  return { fingerprint: fp, installed: true };
}
