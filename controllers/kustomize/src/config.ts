// The kustomize controller's command line: the common controller flags plus build and apply.
import { COMMON_FLAGS, type CommonConfig, ConfigError, commonConfig, parseFlags } from '@moor/runtime';

export { ConfigError };

export interface KustomizeControllerConfig extends CommonConfig {
  kustomizeBinary: string;
  /** Applied as this ServiceAccount when a Kustomization names none (multi-tenancy lockdown). */
  defaultServiceAccount?: string;
  /** Let kustomize fetch remote bases. Off: everything must be in the artifact. */
  allowRemoteBases: boolean;
  /** Where artifacts are unpacked and built. */
  workDir?: string;
  /** Field manager of every apply. */
  fieldManager: string;
}

const FLAGS = {
  ...COMMON_FLAGS,
  'kustomize-binary': { type: 'string', default: 'kustomize' },
  'default-service-account': { type: 'string', default: '' },
  'allow-remote-bases': { type: 'boolean', default: false },
  'work-dir': { type: 'string', default: '' },
  'field-manager': { type: 'string', default: 'moor' },
} as const;

export function parseConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): KustomizeControllerConfig {
  const v = parseFlags(FLAGS, argv, env);
  const str = (k: string) => (typeof v[k] === 'string' && v[k] !== '' ? (v[k] as string) : undefined);
  return {
    ...commonConfig(v),
    kustomizeBinary: str('kustomize-binary') ?? 'kustomize',
    ...(str('default-service-account') ? { defaultServiceAccount: str('default-service-account') } : {}),
    allowRemoteBases: v['allow-remote-bases'] === true,
    ...(str('work-dir') ? { workDir: str('work-dir') } : {}),
    fieldManager: str('field-manager') ?? 'moor',
  };
}
