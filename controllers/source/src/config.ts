// The source controller's command line: the common controller flags plus storage.
import {
  COMMON_FLAGS,
  type CommonConfig,
  ConfigError,
  commonConfig,
  parseDuration,
  parseFlags,
  positiveInt,
} from '@moor/runtime';

export { ConfigError };

export interface SourceControllerConfig extends CommonConfig {
  storagePath: string;
  /** Where the artifact server listens, host:port. */
  storageAddress: string;
  /** The host:port in artifact URLs (the Service's address in a cluster). */
  storageAdvertisedAddress: string;
  artifactRetentionRecords: number;
  artifactRetentionTtlMs: number;
  /** Bytes; a repository whose fetch exceeds this fails with RepositoryTooLarge. */
  maxRepositorySize: number;
}

const FLAGS = {
  ...COMMON_FLAGS,
  'storage-path': { type: 'string', default: '/data' },
  'storage-addr': { type: 'string', default: '0.0.0.0:9090' },
  'storage-adv-addr': { type: 'string' },
  'artifact-retention-records': { type: 'string', default: '2' },
  'artifact-retention-ttl': { type: 'string', default: '60s' },
  'max-repository-size': { type: 'string', default: String(256 * 1024 * 1024) },
} as const;

export function parseConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): SourceControllerConfig {
  const values = parseFlags(FLAGS, argv, env);
  const storageAddress = values['storage-addr'] as string;
  let retentionTtl: number;
  try {
    retentionTtl = parseDuration(values['artifact-retention-ttl'] as string, '--artifact-retention-ttl');
  } catch (err) {
    throw new ConfigError((err as Error).message, { cause: err });
  }
  return {
    ...commonConfig(values),
    storagePath: values['storage-path'] as string,
    storageAddress,
    storageAdvertisedAddress: (values['storage-adv-addr'] as string | undefined) ?? storageAddress,
    artifactRetentionRecords: positiveInt('artifact-retention-records', values['artifact-retention-records']),
    artifactRetentionTtlMs: retentionTtl,
    maxRepositorySize: positiveInt('max-repository-size', values['max-repository-size']),
  };
}
