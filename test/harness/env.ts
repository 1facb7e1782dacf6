import { inject } from 'vitest';

export interface SandboxEnv {
  MOOR_SANDBOX_DIR: string;
  KUBECONFIG: string;
  NATS_URL: string;
  MOOR_GIT_URL: string;
  MOOR_GIT_ROOT: string;
  MOOR_WEBHOOK_SINK_URL: string;
  MOOR_WEBHOOK_SINK_LOG: string;
  MOOR_RECEIVER_URL: string;
  MOOR_HISTORY_URL: string;
  PATH: string;
}

/** The running sandbox's environment, as `hack/sandbox env` prints it. */
export function sandboxEnv(): SandboxEnv {
  const env = inject('sandboxEnv');
  if (!env)
    throw new Error(
      'no sandbox environment: run the integration project, whose global setup starts the sandbox',
    );
  return env as unknown as SandboxEnv;
}

/** process.env with the sandbox's variables, for child processes (kubectl, git, the CLI). */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...sandboxEnv(), ...extra };
}
