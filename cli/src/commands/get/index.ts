// moor get: Moor's objects with their Ready status, message, revision, suspension and age.
import { type Command, Option } from 'commander';
import { Context } from '../../context.js';
import { addKindCommands } from '../../kind-commands.js';
import type { MoorKind } from '../../kinds.js';
import {
  ALL_KINDS,
  AlertKind,
  GitRepositoryKind,
  KustomizationKind,
  ProviderKind,
  ReceiverKind,
} from '../../kinds.js';
import {
  note,
  OUTPUT_FORMATS,
  type OutputFormat,
  parseFormat,
  print,
  renderData,
  renderTable,
} from '../../output.js';
import { headersFor, rowFor, type StatusObject } from './rows.js';

interface GetOptions {
  allNamespaces?: boolean;
  selector?: string;
  output?: string;
  watch?: boolean;
}

const EXAMPLES = `
Examples:
  # Kustomizations in the current namespace, then in every namespace
  moor get kustomizations
  moor get ks -A

  # One GitRepository, as YAML
  moor get sources git podinfo -o yaml

  # Everything Moor manages in a namespace, and follow changes
  moor get all -n apps
  moor get ks -l team=payments --watch`;

function listOptions(cmd: Command): Command {
  return cmd
    .option('-A, --all-namespaces', 'list across all namespaces')
    .option('-l, --selector <selector>', 'filter by label selector, e.g. team=payments,tier!=cache')
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(OUTPUT_FORMATS as string[])
        .default('table'),
    )
    .option('-w, --watch', 'after listing, keep printing changes until interrupted');
}

export function registerGet(program: Command): void {
  const get = program
    .command('get')
    .description('show Moor objects: Ready, status message, revision, suspended, age')
    .addHelpText('after', EXAMPLES);

  addKindCommands(
    get,
    [
      { kind: GitRepositoryKind, names: { name: 'sources', aliases: ['source'] } },
      { kind: KustomizationKind, names: { name: 'kustomizations', aliases: ['kustomization', 'ks'] } },
      { kind: AlertKind, names: { name: 'alerts', aliases: ['alert'] } },
      { kind: ProviderKind, names: { name: 'providers', aliases: ['provider'] } },
      { kind: ReceiverKind, names: { name: 'receivers', aliases: ['receiver'] } },
    ],
    (cmd, kind) => {
      listOptions(cmd)
        .description(`show ${kind.kind} objects`)
        .argument('[name]', `one ${kind.kind} by name`)
        .action(async (name: string | undefined, opts: GetOptions, self: Command) => {
          await getKind(Context.of(self), kind, name, opts);
        });
    },
  );

  listOptions(get.command('all'))
    .description('show every Moor kind: sources, kustomizations, alerts, providers, receivers')
    .action(async (opts: GetOptions, self: Command) => {
      await getAll(Context.of(self), opts);
    });
}

async function getKind(
  ctx: Context,
  kind: MoorKind,
  name: string | undefined,
  opts: GetOptions,
): Promise<void> {
  const format = parseFormat(opts.output);
  const all = opts.allNamespaces === true && !name;
  const namespace = all ? undefined : ctx.namespace;
  let items: StatusObject[];
  let resourceVersion = '';
  if (name) {
    const o = await ctx.getObject<StatusObject>(kind, name);
    items = [o];
    resourceVersion = o.metadata?.resourceVersion ?? '';
  } else {
    const list = await ctx.kube.list<StatusObject>(
      kind,
      namespace,
      opts.selector ? { labelSelector: opts.selector } : {},
    );
    items = sortByName(list.items);
    resourceVersion = list.resourceVersion;
  }
  if (format !== 'table') {
    print(renderData(name ? items[0] : { apiVersion: 'v1', kind: 'List', items }, format));
  } else if (items.length === 0) {
    note(`no ${kind.kind} objects found${namespace ? ` in namespace ${namespace}` : ''}`);
  } else {
    print(
      renderTable(
        headersFor(kind, all),
        items.map((o) => rowFor(kind, o, { allNamespaces: all })),
      ),
    );
  }
  if (opts.watch) await watchKind(ctx, kind, namespace, name, opts, format, resourceVersion, all);
}

async function watchKind(
  ctx: Context,
  kind: MoorKind,
  namespace: string | undefined,
  name: string | undefined,
  opts: GetOptions,
  format: OutputFormat,
  resourceVersion: string,
  all: boolean,
): Promise<void> {
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  process.once('SIGTERM', () => abort.abort());
  let rv = resourceVersion;
  while (!abort.signal.aborted) {
    await ctx.kube.watch<StatusObject>(
      kind,
      namespace,
      {
        ...(opts.selector ? { labelSelector: opts.selector } : {}),
        ...(name ? { fieldSelector: `metadata.name=${name}` } : {}),
        ...(rv ? { resourceVersion: rv } : {}),
        signal: abort.signal,
      },
      (e) => {
        if (e.type === 'BOOKMARK' || e.type === 'ERROR') {
          if (e.type === 'ERROR') rv = '';
          else rv = e.object.metadata?.resourceVersion ?? rv;
          return;
        }
        rv = e.object.metadata?.resourceVersion ?? rv;
        if (format === 'table') {
          const row = rowFor(kind, e.object, { allNamespaces: all, deleted: e.type === 'DELETED' });
          // The header's column widths are unknown here: one row per line, kubectl-style.
          print(row.join('   '));
        } else
          print(
            format === 'json'
              ? JSON.stringify({ type: e.type, object: e.object })
              : `${renderData({ type: e.type, object: e.object }, 'yaml')}\n---`,
          );
      },
    );
  }
}

async function getAll(ctx: Context, opts: GetOptions): Promise<void> {
  const format = parseFormat(opts.output);
  const all = opts.allNamespaces === true;
  const namespace = all ? undefined : ctx.namespace;
  const lists = await Promise.all(
    ALL_KINDS.map(async (kind) => {
      const list = await ctx.kube.list<StatusObject>(
        kind,
        namespace,
        opts.selector ? { labelSelector: opts.selector } : {},
      );
      return { kind, items: sortByName(list.items), resourceVersion: list.resourceVersion };
    }),
  );
  if (format !== 'table') {
    print(renderData({ apiVersion: 'v1', kind: 'List', items: lists.flatMap((l) => l.items) }, format));
  } else {
    const sections = lists
      .filter((l) => l.items.length > 0)
      .map((l) =>
        renderTable(
          headersFor(l.kind, all),
          l.items.map((o) =>
            rowFor(l.kind, o, { allNamespaces: all, namePrefix: `${l.kind.kind.toLowerCase()}/` }),
          ),
        ),
      );
    if (sections.length === 0) note(`no Moor objects found${namespace ? ` in namespace ${namespace}` : ''}`);
    else print(sections.join('\n\n'));
  }
  if (opts.watch) {
    await Promise.all(
      lists.map((l) => watchKind(ctx, l.kind, namespace, undefined, opts, format, l.resourceVersion, all)),
    );
  }
}

function sortByName<T extends StatusObject>(items: T[]): T[] {
  return [...items].sort((a, b) =>
    `${a.metadata?.namespace}/${a.metadata?.name}`.localeCompare(
      `${b.metadata?.namespace}/${b.metadata?.name}`,
    ),
  );
}
