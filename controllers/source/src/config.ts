// The source controller's command line. Every flag has an environment variable twin
// (--storage-path ↔ MOOR_STORAGE_PATH) so the Helm chart can use either.
import { parseArgs } from 'node:util';
import { parseDuration } from '@moor/runtime';

export interface SourceControllerConfig {
  kubeconfig?: string;
  /** Act as this user, e.g. system:serviceaccount:moor-system:source-controller (the sandbox runs the chart's identity). */
  impersonate?: string;
  /** Watch one namespace; empty watches all. */
  watchNamespace?: string;
  /** Shard: only GitRepositories matching this label selector. */
  watchLabelSelector?: string;
  storagePath: string;
  /** Where the artifact server listens, host:port. */
  storageAddress: string;
  /** The host:port in artifact URLs (the Service's address in a cluster). */
  storageAdvertisedAddress: string;
  probeAddress: string;
  natsUrl?: string;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  concurrent: number;
  artifactRetentionRecords: number;
  artifactRetentionTtlMs: number;
  /** Bytes; a repository whose fetch exceeds this fails with RepositoryTooLarge. */
  maxRepositorySize: number;
  logLevel: string;
}

const FLAGS = {
  kubeconfig: { type: 'string' },
  impersonate: { type: 'string' },
  'watch-namespace': { type: 'string', default: '' },
  'watch-label-selector': { type: 'string', default: '' },
  'storage-path': { type: 'string', default: '/data' },
  'storage-addr': { type: 'string', default: '0.0.0.0:9090' },
  'storage-adv-addr': { type: 'string' },
  'probe-addr': { type: 'string', default: '0.0.0.0:9440' },
  'nats-url': { type: 'string' },
  'leader-elect': { type: 'boolean', default: false },
  'leader-election-namespace': { type: 'string', default: 'moor-system' },
  concurrent: { type: 'string', default: '4' },
  'artifact-retention-records': { type: 'string', default: '2' },
  'artifact-retention-ttl': { type: 'string', default: '60s' },
  'max-repository-size': { type: 'string', default: String(256 * 1024 * 1024) },
  'log-level': { type: 'string', default: 'info' },
} as const;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function envName(flag: string): string {
  return `MOOR_${flag.toUpperCase().replaceAll('-', '_')}`;
}

function positiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new ConfigError(`--${flag}: "${value}" is not a positive whole number`);
  return n;
}

export function parseConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): SourceControllerConfig {
  // Environment first, flags override.
  const fromEnv: string[] = [];
  for (const [flag, def] of Object.entries(FLAGS)) {
    const v = env[envName(flag)];
    if (v === undefined) continue;
    if (def.type === 'boolean') {
      if (v === 'true') fromEnv.push(`--${flag}`);
    } else fromEnv.push(`--${flag}=${v}`);
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...fromEnv, ...argv],
      options: FLAGS,
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new ConfigError((err as Error).message, { cause: err });
  }
  const str = (k: keyof typeof FLAGS) => values[k] as string | undefined;
  const storageAddress = str('storage-addr') as string;
  return {
    ...(str('kubeconfig') ? { kubeconfig: str('kubeconfig') } : {}),
    ...(str('impersonate') ? { impersonate: str('impersonate') } : {}),
    ...(str('watch-namespace') ? { watchNamespace: str('watch-namespace') } : {}),
    ...(str('watch-label-selector') ? { watchLabelSelector: str('watch-label-selector') } : {}),
    storagePath: str('storage-path') as string,
    storageAddress,
    storageAdvertisedAddress: str('storage-adv-addr') ?? storageAddress,
    probeAddress: str('probe-addr') as string,
    ...(str('nats-url') ? { natsUrl: str('nats-url') } : {}),
    leaderElect: values['leader-elect'] === true,
    leaderElectionNamespace: str('leader-election-namespace') as string,
    concurrent: positiveInt('concurrent', str('concurrent') as string),
    artifactRetentionRecords: positiveInt(
      'artifact-retention-records',
      str('artifact-retention-records') as string,
    ),
    artifactRetentionTtlMs: parseDuration(
      str('artifact-retention-ttl') as string,
      '--artifact-retention-ttl',
    ),
    maxRepositorySize: positiveInt('max-repository-size', str('max-repository-size') as string),
    logLevel: str('log-level') as string,
  };
}
