// Brings up the sandbox for the integration tests, or reuses the one already running, and
// hands its environment (KUBECONFIG, NATS_URL, MOOR_GIT_URL, ...) to the tests. A sandbox
// this setup started is stopped again at the end, unless MOOR_KEEP_SANDBOX=1.
import { execFileSync, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

const root = resolve(import.meta.dirname, '..', '..');
const sandbox = resolve(root, 'hack', 'sandbox');

declare module 'vitest' {
  export interface ProvidedContext {
    sandboxEnv: Record<string, string>;
  }
}

function running(): boolean {
  return spawnSync(sandbox, ['status'], { stdio: 'ignore' }).status === 0;
}

export default function setup(project: TestProject): () => void {
  const wasRunning = running();
  const up = spawnSync(sandbox, ['up'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (up.status !== 0) throw new Error(`hack/sandbox up failed (exit ${up.status}); see its output above`);
  const env = JSON.parse(execFileSync(sandbox, ['env', '--json'], { encoding: 'utf8' })) as Record<
    string,
    string
  >;
  project.provide('sandboxEnv', env);
  return () => {
    if (!wasRunning && process.env.MOOR_KEEP_SANDBOX !== '1') {
      spawnSync(sandbox, ['down'], { stdio: ['ignore', 'inherit', 'inherit'] });
    }
  };
}
