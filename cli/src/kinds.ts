// Moor's kinds as the CLI names them: `source git`, `kustomization` (ks), `alert`, `provider`,
// `receiver`, with their API coordinates from @moor/api.
import {
  AlertResource,
  GitRepositoryResource,
  KustomizationResource,
  ProviderResource,
  ReceiverResource,
} from '@moor/api';
import { UsageError } from './errors.js';
import type { ResourceType } from './kube.js';

export interface MoorKind extends ResourceType {
  kind: string;
  apiVersion: string;
  /** How commands name it, e.g. "source git". */
  cliName: string;
  /** What a user may type. */
  aliases: string[];
  /** The command listing every object of the kind, for hints. */
  listCommand: string;
}

function kindOf(
  r: {
    group: string;
    version: string;
    apiVersion: string;
    kind: string;
    plural: string;
    namespaced: boolean;
  },
  cliName: string,
  aliases: string[],
  listCommand: string,
): MoorKind {
  return {
    group: r.group,
    version: r.version,
    apiVersion: r.apiVersion,
    kind: r.kind,
    plural: r.plural,
    namespaced: r.namespaced,
    cliName,
    aliases,
    listCommand,
  };
}

export const GitRepositoryKind = kindOf(
  GitRepositoryResource,
  'source git',
  ['gitrepository', 'gitrepositories', 'gitrepo', 'source git', 'sources git'],
  'moor get sources git -A',
);
export const KustomizationKind = kindOf(
  KustomizationResource,
  'kustomization',
  ['kustomization', 'kustomizations', 'ks'],
  'moor get ks -A',
);
export const AlertKind = kindOf(AlertResource, 'alert', ['alert', 'alerts'], 'moor get alerts -A');
export const ProviderKind = kindOf(
  ProviderResource,
  'provider',
  ['provider', 'providers'],
  'moor get providers -A',
);
export const ReceiverKind = kindOf(
  ReceiverResource,
  'receiver',
  ['receiver', 'receivers'],
  'moor get receivers -A',
);

export const ALL_KINDS: MoorKind[] = [
  GitRepositoryKind,
  KustomizationKind,
  AlertKind,
  ProviderKind,
  ReceiverKind,
];

/** The kind named by `words` (e.g. ["source", "git"] or ["ks"]); the words it used. */
export function parseKind(words: string[]): { kind: MoorKind; used: number } {
  const two = words.slice(0, 2).join(' ').toLowerCase();
  const one = (words[0] ?? '').toLowerCase();
  for (const k of ALL_KINDS) if (k.aliases.includes(two) && two.includes(' ')) return { kind: k, used: 2 };
  for (const k of ALL_KINDS) if (k.aliases.includes(one)) return { kind: k, used: 1 };
  if (one === 'source' || one === 'sources')
    throw new UsageError(
      `"${words.join(' ')}": Moor has one source kind, git (e.g. moor export source git NAME)`,
    );
  throw new UsageError(
    `unknown kind "${words.join(' ')}"; use one of: source git, kustomization (ks), alert, provider, receiver`,
  );
}

export function refOf(kind: MoorKind, namespace: string, name: string): string {
  return `${kind.kind}/${namespace}/${name}`;
}
