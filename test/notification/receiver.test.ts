// Receivers, through the sandbox's notification controller: forged and unknown calls are turned
// away without saying why, and a signed GitHub push webhook makes a new commit reach the cluster
// at once, although the GitRepository and the Kustomization poll only every 10 minutes.
import { createHmac, randomBytes } from 'node:crypto';
import { RECONCILE_REQUESTED_AT_ANNOTATION } from '@moor/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  core,
  createRepo,
  createSecret,
  gitRepositories,
  isReady,
  kustomizations,
  receivers,
  sandboxEnv,
  type TestRepo,
  uniqueName,
  useNamespace,
} from '../harness/index.js';

const configMap = (app: string, value: string) => ({
  'deploy/namespace.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${app}\n`,
  'deploy/configmap.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pushed\n  namespace: ${app}\ndata:\n  value: "${value}"\n`,
});

/** A GitHub push webhook's body (the fields a receiver might read). */
const pushPayload = (repo: TestRepo, sha: string) =>
  JSON.stringify({
    ref: 'refs/heads/main',
    after: sha,
    repository: { full_name: `moor/${repo.name}`, clone_url: repo.url },
    pusher: { name: 'moor-test' },
  });

const sign = (token: string, body: string) =>
  `sha256=${createHmac('sha256', token).update(body).digest('hex')}`;

async function post(path: string, body: string, headers: Record<string, string>) {
  const res = await fetch(`${sandboxEnv().MOOR_RECEIVER_URL}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: res.status, text: await res.text() };
}

describe('a GitHub Receiver', () => {
  const ns = useNamespace('notify-receiver');
  const app = uniqueName('notify-recv-app');
  const token = randomBytes(24).toString('hex');
  const source = uniqueName('src');
  const ks = uniqueName('ks');
  const receiver = uniqueName('github');
  let repo: TestRepo;
  let path = '';

  beforeAll(async () => {
    repo = await createRepo('notify-receiver', configMap(app, 'one'));
    await gitRepositories.create(ns.name, source, {
      url: repo.url,
      interval: '10m',
      ref: { branch: 'main' },
    });
    await kustomizations.create(ns.name, ks, {
      interval: '10m',
      sourceRef: { kind: 'GitRepository', name: source },
      path: './deploy',
      prune: true,
    });
    const first = `main@sha1:${await repo.head()}`;
    await kustomizations.waitFor(
      ns.name,
      ks,
      (k) => isReady(k) && k.status?.lastAppliedRevision === first,
      'the first revision applied',
      60_000,
    );
    await createSecret(ns.name, receiver, { token });
    await receivers.create(ns.name, receiver, {
      type: 'github',
      events: ['push'],
      secretRef: { name: receiver },
      resources: [{ kind: 'GitRepository', name: source }],
    });
    const ready = await receivers.waitFor(ns.name, receiver, isReady, 'Ready');
    path = (ready.status as { webhookPath?: string } | undefined)?.webhookPath ?? '';
    expect(path).toMatch(/^\/hook\/[0-9a-f]{64}$/);
  });
  afterAll(async () => {
    await core()
      .deleteNamespace({ name: app })
      .catch(() => undefined);
  });

  it('rejects a forged signature and an unknown path, saying nothing about which part failed', async () => {
    const body = pushPayload(repo, 'f'.repeat(40));
    const forged = await post(path, body, {
      'x-github-event': 'push',
      'x-hub-signature-256': sign(`${token}-guess`, body),
    });
    const unsigned = await post(path, body, { 'x-github-event': 'push' });
    // The right signature on a path that is not a Receiver's.
    const unknown = await post(`/hook/${randomBytes(32).toString('hex')}`, body, {
      'x-github-event': 'push',
      'x-hub-signature-256': sign(token, body),
    });
    expect(forged.status).toBe(401);
    expect(unsigned.status).toBe(401);
    expect(unknown.status).toBe(404);
    for (const answer of [forged, unsigned, unknown]) expect(answer.text).toBe('');
    // Nothing was asked of the GitRepository (the answer comes after any request it makes).
    const src = await gitRepositories.get(ns.name, source);
    expect(src.metadata.annotations?.[RECONCILE_REQUESTED_AT_ANNOTATION]).toBeUndefined();
  });

  it('a signed push webhook makes the new commit reach the cluster without waiting for the 10m interval', async () => {
    const sha = await repo.commitAndPush(configMap(app, 'two'), 'two');
    const body = pushPayload(repo, sha);
    const started = Date.now();
    const answer = await post(path, body, {
      'x-github-event': 'push',
      'x-github-delivery': randomBytes(8).toString('hex'),
      'x-hub-signature-256': sign(token, body),
    });
    expect(answer.status).toBe(200);
    await kustomizations.waitFor(
      ns.name,
      ks,
      (k) => isReady(k) && k.status?.lastAppliedRevision === `main@sha1:${sha}`,
      'the pushed revision applied',
      60_000,
    );
    const tookMs = Date.now() - started;
    console.info(`push webhook to applied revision: ${tookMs} ms`);
    expect(tookMs).toBeLessThan(60_000);
    const cm = await core().readNamespacedConfigMap({ name: 'pushed', namespace: app });
    expect(cm.data?.value).toBe('two');
    const src = await gitRepositories.get(ns.name, source);
    expect(src.metadata.annotations?.[RECONCILE_REQUESTED_AT_ANNOTATION]).toBeDefined();
  });
});
