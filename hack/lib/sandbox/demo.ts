// A demo to look at: a Git repository with a small app, a GitRepository and a Kustomization
// that deploy it, and a Provider (Slack's API, answered by the webhook sink) with an Alert.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RELEASE_NAMESPACE } from './chart.ts';
import type { Layout, Ports } from './layout.ts';

const git = (cwd: string, args: string[]) =>
  execFileSync('git', args, {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Moor Demo',
      GIT_AUTHOR_EMAIL: 'demo@moor.dev',
      GIT_COMMITTER_NAME: 'Moor Demo',
      GIT_COMMITTER_EMAIL: 'demo@moor.dev',
    },
  });

export function seedDemoRepository(l: Layout, ports: Ports): string {
  const bare = join(l.gitRoot, 'demo.git');
  const url = `http://127.0.0.1:${ports.git}/demo.git`;
  if (existsSync(bare)) return url;
  mkdirSync(bare, { recursive: true });
  git(bare, ['init', '--quiet', '--bare', '--initial-branch=main']);
  const work = mkdtempSync(join(tmpdir(), 'moor-demo-'));
  try {
    git(work, ['init', '--quiet', '--initial-branch=main']);
    cpSync(join(import.meta.dirname, 'demo'), work, { recursive: true });
    git(work, ['add', '--all']);
    git(work, ['commit', '--quiet', '-m', 'demo app']);
    git(work, ['push', '--quiet', url, 'main']);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return url;
}

export function demoObjects(url: string, ports: Ports): string {
  const ns = RELEASE_NAMESPACE;
  return `apiVersion: v1
kind: Secret
metadata: { name: demo-slack, namespace: ${ns} }
stringData: { address: "http://127.0.0.1:${ports.webhookSink}/services/T0DEMO/B0DEMO/demo" }
---
apiVersion: source.moor.dev/v1
kind: GitRepository
metadata: { name: demo, namespace: ${ns} }
spec: { url: "${url}", interval: 1m, ref: { branch: main } }
---
apiVersion: kustomize.moor.dev/v1
kind: Kustomization
metadata: { name: demo, namespace: ${ns} }
spec:
  sourceRef: { kind: GitRepository, name: demo }
  path: ./deploy
  interval: 10m
  prune: true
  wait: true
  timeout: 2m
---
apiVersion: notification.moor.dev/v1
kind: Provider
metadata: { name: slack, namespace: ${ns} }
spec: { type: slack, channel: "#deploys", secretRef: { name: demo-slack } }
---
apiVersion: notification.moor.dev/v1
kind: Alert
metadata: { name: demo, namespace: ${ns} }
spec:
  providerRef: { name: slack }
  eventSources:
    - { kind: Kustomization, name: "*" }
    - { kind: GitRepository, name: "*" }
`;
}

export const NEXT_STEPS = `
The sandbox is up, with Moor installed from charts/moor and a demo reconciled.

  eval "$(hack/sandbox env)"
  npx moor get all -A                                   # what Moor manages
  kubectl -n demo scale deployment web --replicas=5     # drift: it is back to 2 within a second
  npx moor history ks demo -n moor-system               # every reconcile, the drift and who made it
  tail -n 1 "$MOOR_WEBHOOK_SINK_LOG"                    # the Slack message about it
  git clone "$MOOR_GIT_URL/demo.git" && cd demo         # change deploy/, commit, git push, then:
  npx moor reconcile source git demo -n moor-system     # (or wait for the 1m interval)
  hack/sandbox status | logs NAME | down
`;
