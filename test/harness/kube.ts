// Kubernetes access for tests: API clients for the sandbox, the pinned kubectl, and a
// namespace per test file that is deleted afterwards.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll } from 'vitest';
import { childEnv, sandboxEnv } from './env.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);

let cached: k8s.KubeConfig | undefined;
export function kubeConfig(): k8s.KubeConfig {
  if (!cached) {
    cached = new k8s.KubeConfig();
    cached.loadFromFile(sandboxEnv().KUBECONFIG);
  }
  return cached;
}

export const core = () => kubeConfig().makeApiClient(k8s.CoreV1Api);
export const apps = () => kubeConfig().makeApiClient(k8s.AppsV1Api);
export const rbac = () => kubeConfig().makeApiClient(k8s.RbacAuthorizationV1Api);
export const objects = () => k8s.KubernetesObjectApi.makeApiClient(kubeConfig());

export interface CommandResult {
  stdout: string;
  stderr: string;
}

/** Runs the sandbox's pinned kubectl; rejects with its stderr on a non-zero exit. */
export async function kubectl(args: string[]): Promise<CommandResult> {
  try {
    return await run('kubectl', args, { env: childEnv(), encoding: 'utf8' });
  } catch (err) {
    const e = err as { stderr?: string; code?: number };
    throw new Error(`kubectl ${args.join(' ')} failed (exit ${e.code}): ${e.stderr?.trim()}`, { cause: err });
  }
}

/** Server-side applies objects as the test's own field manager. */
export async function apply(...objs: k8s.KubernetesObject[]): Promise<void> {
  const api = objects();
  for (const o of objs) {
    await api.patch(o, undefined, undefined, 'moor-test', true, k8s.PatchStrategy.ServerSideApply);
  }
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

/**
 * A fresh namespace for the tests of one file, ready for pods (its default ServiceAccount
 * exists), deleted after the file's tests.
 */
export function useNamespace(prefix: string): { readonly name: string } {
  const ns = { name: uniqueName(prefix) };
  beforeAll(async () => {
    await core().createNamespace({
      body: { metadata: { name: ns.name, labels: { 'moor.dev/test': 'true' } } },
    });
    await waitFor(() => core().readNamespacedServiceAccount({ name: 'default', namespace: ns.name }), {
      description: `ServiceAccount default in namespace ${ns.name}`,
      timeoutMs: 30_000,
    });
  });
  afterAll(async () => {
    await core()
      .deleteNamespace({ name: ns.name })
      .catch(() => undefined);
  });
  return ns;
}
