// Command-line flags of a controller, each with an environment variable twin (--storage-path ↔
// MOOR_STORAGE_PATH) so a Helm chart can use either. Flags win over the environment.
import { parseArgs } from 'node:util';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type FlagSpec = Record<
  string,
  { type: 'string'; default?: string } | { type: 'boolean'; default?: boolean }
>;

export function envNameOf(flag: string): string {
  return `MOOR_${flag.toUpperCase().replaceAll('-', '_')}`;
}

export function parseFlags(
  spec: FlagSpec,
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string | boolean | undefined> {
  const fromEnv: string[] = [];
  for (const [flag, def] of Object.entries(spec)) {
    const v = env[envNameOf(flag)];
    if (v === undefined) continue;
    if (def.type === 'boolean') {
      if (v === 'true') fromEnv.push(`--${flag}`);
    } else fromEnv.push(`--${flag}=${v}`);
  }
  try {
    return parseArgs({ args: [...fromEnv, ...argv], options: spec, strict: true, allowPositionals: false })
      .values;
  } catch (err) {
    throw new ConfigError((err as Error).message, { cause: err });
  }
}

export function positiveInt(flag: string, value: string | boolean | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new ConfigError(`--${flag}: "${String(value)}" is not a positive whole number`);
  return n;
}

/** The flags every Moor controller has. */
export const COMMON_FLAGS = {
  kubeconfig: { type: 'string' },
  impersonate: { type: 'string' },
  'watch-namespace': { type: 'string', default: '' },
  'watch-label-selector': { type: 'string', default: '' },
  'probe-addr': { type: 'string', default: '0.0.0.0:9440' },
  'nats-url': { type: 'string' },
  'nats-creds-file': { type: 'string' },
  'leader-elect': { type: 'boolean', default: false },
  'leader-election-namespace': { type: 'string', default: 'moor-system' },
  concurrent: { type: 'string', default: '4' },
  'log-level': { type: 'string', default: 'info' },
} as const satisfies FlagSpec;

export interface CommonConfig {
  kubeconfig?: string;
  /** Act as this user, e.g. system:serviceaccount:moor-system:source-controller. */
  impersonate?: string;
  /** Watch one namespace; empty watches all. */
  watchNamespace?: string;
  /** Shard: only objects matching this label selector. */
  watchLabelSelector?: string;
  probeAddress: string;
  natsUrl?: string;
  /** A NATS .creds file (production NATS with accounts); its content is never logged. */
  natsCredsFile?: string;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  concurrent: number;
  logLevel: string;
}

export function commonConfig(values: Record<string, string | boolean | undefined>): CommonConfig {
  const str = (k: string) => {
    const v = values[k];
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  return {
    ...(str('kubeconfig') ? { kubeconfig: str('kubeconfig') } : {}),
    ...(str('impersonate') ? { impersonate: str('impersonate') } : {}),
    ...(str('watch-namespace') ? { watchNamespace: str('watch-namespace') } : {}),
    ...(str('watch-label-selector') ? { watchLabelSelector: str('watch-label-selector') } : {}),
    probeAddress: str('probe-addr') ?? '0.0.0.0:9440',
    ...(str('nats-url') ? { natsUrl: str('nats-url') } : {}),
    ...(str('nats-creds-file') ? { natsCredsFile: str('nats-creds-file') } : {}),
    leaderElect: values['leader-elect'] === true,
    leaderElectionNamespace: str('leader-election-namespace') ?? 'moor-system',
    concurrent: positiveInt('concurrent', values.concurrent),
    logLevel: str('log-level') ?? 'info',
  };
}
