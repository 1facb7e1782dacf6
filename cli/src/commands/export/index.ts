// moor export: Moor objects as clean YAML for Git (no status, managedFields, uid...).
import type { Command } from 'commander';
import { Context } from '../../context.js';
import { UsageError } from '../../errors.js';
import { addKindCommands } from '../../kind-commands.js';
import {
  AlertKind,
  GitRepositoryKind,
  KustomizationKind,
  type MoorKind,
  ProviderKind,
  ReceiverKind,
} from '../../kinds.js';
import type { KubeObject } from '../../kube.js';
import { note, print, renderData } from '../../output.js';
import { cleanObject } from './clean.js';

const EXAMPLES = `
Examples:
  # One object, ready to commit
  moor export kustomization apps -n apps > apps.yaml

  # Every GitRepository of a namespace, or of the cluster
  moor export source git --all -n flux-system
  moor export ks --all -A`;

interface ExportOptions {
  all?: boolean;
  allNamespaces?: boolean;
}

export function registerExport(program: Command): void {
  const exp = program
    .command('export')
    .description('print Moor objects as clean YAML, without status and server-set metadata')
    .addHelpText('after', EXAMPLES);
  addKindCommands(
    exp,
    [
      { kind: GitRepositoryKind, names: { name: 'source', aliases: ['sources'] } },
      { kind: KustomizationKind, names: { name: 'kustomization', aliases: ['ks', 'kustomizations'] } },
      { kind: AlertKind, names: { name: 'alert', aliases: ['alerts'] } },
      { kind: ProviderKind, names: { name: 'provider', aliases: ['providers'] } },
      { kind: ReceiverKind, names: { name: 'receiver', aliases: ['receivers'] } },
    ],
    (cmd, kind) => {
      cmd
        .description(`export ${kind.kind} objects`)
        .argument('[name]', `the ${kind.kind}`)
        .option('--all', `every ${kind.kind} of the namespace`)
        .option('-A, --all-namespaces', 'with --all: of every namespace')
        .action(async (name: string | undefined, opts: ExportOptions, self: Command) => {
          await exportKind(Context.of(self), kind, name, opts);
        });
    },
  );
}

async function exportKind(
  ctx: Context,
  kind: MoorKind,
  name: string | undefined,
  opts: ExportOptions,
): Promise<void> {
  if (name && opts.all) throw new UsageError('give a NAME or --all, not both');
  if (!name && !opts.all) throw new UsageError(`give the ${kind.kind} to export, or --all for every one`);
  let objects: KubeObject[];
  if (name) objects = [await ctx.getObject<KubeObject>(kind, name)];
  else {
    const namespace = opts.allNamespaces ? undefined : ctx.namespace;
    objects = (await ctx.kube.list(kind, namespace)).items.sort((a, b) =>
      `${a.metadata?.namespace}/${a.metadata?.name}`.localeCompare(
        `${b.metadata?.namespace}/${b.metadata?.name}`,
      ),
    );
    if (objects.length === 0)
      return note(`no ${kind.kind} objects found${namespace ? ` in namespace ${namespace}` : ''}`);
  }
  print(objects.map((o) => `---\n${renderData(cleanObject(o), 'yaml')}`).join('\n'));
}
