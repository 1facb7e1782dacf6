// A drift, end to end, through the sandbox's real controllers: Git → source controller →
// kustomize controller applies a Deployment; `kubectl scale` changes it; the kustomize controller
// puts it back and emits DriftCorrected; the notification controller sends one Slack message (to
// a WebhookServer standing in for Slack's incoming webhook) naming the field, who changed it, and
// that it was corrected.
import { afterAll, describe, expect, it } from 'vitest';
import {
  apps,
  core,
  createRepo,
  gitRepositories,
  isReady,
  kubectl,
  kustomizations,
  type RecordedRequest,
  uniqueName,
  useNamespace,
  waitFor,
} from '../harness/index.js';
import { createAlert, createProvider, useWebhookServers } from './helpers.js';

interface SlackBody {
  text: string;
  blocks: Array<{ type: string; text?: { text: string } }>;
  attachments: Array<{
    color: string;
    blocks: Array<{ type: string; text?: { text: string }; elements?: Array<{ text: string }> }>;
  }>;
}

const appFiles = (app: string, color: string) => ({
  'deploy/namespace.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${app}\n`,
  'deploy/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${app}
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
`,
  'deploy/configmap.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\n  namespace: ${app}\ndata:\n  color: ${color}\n`,
});

/** Everything a Slack client shows of a message, as one string. */
function shown(r: RecordedRequest): string {
  const m = JSON.parse(r.body) as SlackBody;
  const texts = [m.text, ...m.blocks.map((b) => b.text?.text ?? '')];
  for (const a of m.attachments)
    for (const b of a.blocks) texts.push(b.text?.text ?? '', ...(b.elements ?? []).map((e) => e.text));
  return texts.join('\n');
}

describe('drift, told on Slack', () => {
  const ns = useNamespace('notify-drift');
  const app = uniqueName('notify-drift-app');
  const servers = useWebhookServers();
  afterAll(async () => {
    await core()
      .deleteNamespace({ name: app })
      .catch(() => undefined);
  });

  it('a kubectl scale gives exactly one message: spec.replicas, by kubectl, corrected', async () => {
    const slack = await servers.start();
    const repo = await createRepo('notify-drift', appFiles(app, 'blue'));
    const source = uniqueName('src');
    const ks = uniqueName('ks');
    await gitRepositories.create(ns.name, source, {
      url: repo.url,
      interval: '10m',
      ref: { branch: 'main' },
    });
    const provider = await createProvider(ns.name, slack, { type: 'slack' });
    await createAlert(ns.name, provider, { kustomization: ks });

    const first = await repo.head();
    await kustomizations.create(ns.name, ks, {
      interval: '10m',
      sourceRef: { kind: 'GitRepository', name: source },
      path: './deploy',
      prune: true,
    });
    await kustomizations.waitFor(
      ns.name,
      ks,
      (k) => isReady(k) && k.status?.lastAppliedRevision === `main@sha1:${first}`,
      'applied',
      60_000,
    );
    // The first apply is told too; wait for it, so that what follows is the drift's alone.
    await waitFor(() => slack.matching(`${ns.name}/${ks} reconciled`).length === 1, {
      description: 'the message of the first apply',
      timeoutMs: 30_000,
    });
    const mark = slack.requests.length;

    await kubectl(['scale', 'deployment/web', '--replicas=5', '-n', app]);
    const drift = await waitFor(
      () => slack.requests.slice(mark).find((r) => r.body.includes('Drift corrected')),
      {
        description: 'the drift message',
        timeoutMs: 30_000,
      },
    );
    const d = await apps().readNamespacedDeployment({ name: 'web', namespace: app });
    expect(d.spec?.replicas).toBe(1);

    const body = JSON.parse(drift.body) as SlackBody;
    expect(body.blocks[0]?.text?.text).toContain(`Drift corrected on ${ns.name}/${ks}`);
    const text = shown(drift);
    expect(text).toContain(`Deployment/${app}/web`);
    expect(text).toContain('`spec.replicas: 1 → 5`');
    expect(text).toContain('by `kubectl`');
    expect(text).toContain('Corrected by Moor');
    // The plain-text fallback (notifications, old clients) says it all too.
    expect(body.text).toMatch(/spec\.replicas: 1 → 5 \(by kubectl\)\. Corrected by Moor/);

    // A later message, which must come after any other message about the drift: a new commit.
    const second = await repo.commitAndPush(appFiles(app, 'green'), 'green');
    await gitRepositories.requestReconcile(ns.name, source);
    await waitFor(() => slack.requests.slice(mark).some((r) => r.body.includes(`main@sha1:${second}`)), {
      description: `the message of revision ${second}`,
      timeoutMs: 60_000,
    });
    // Exactly one message tells of the drift. (The sandbox's kustomize controller may also
    // report the revert as a plain "Deployment configured" reconcile; that message names neither
    // the field nor kubectl, and is the kustomize controller's to fix.)
    const after = slack.requests.slice(mark);
    expect(after.filter((r) => r.body.includes('spec.replicas'))).toEqual([drift]);
    expect(after.filter((r) => r.body.includes('Drift'))).toEqual([drift]);
    expect(after.filter((r) => r.body.includes('kubectl'))).toEqual([drift]);
  });
});
