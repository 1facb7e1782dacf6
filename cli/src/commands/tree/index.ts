// moor tree: the objects a Kustomization applied (its inventory), nested Kustomizations expanded.
import { KUSTOMIZE_GROUP, type Kustomization } from '@moor/api';
import { type Command, Option } from 'commander';
import { Context } from '../../context.js';
import { commandKinds } from '../../kind-commands.js';
import { KustomizationKind } from '../../kinds.js';
import { isNotFound } from '../../kube.js';
import { note, OUTPUT_FORMATS, parseFormat, print, renderData } from '../../output.js';
import { parseInventoryId, renderTree, type TreeNode } from './inventory.js';

const EXAMPLES = `
Examples:
  moor tree kustomization apps -n apps
  moor tree ks platform -o json`;

export function registerTree(program: Command): void {
  const tree = program
    .command('tree')
    .description("show a Kustomization's inventory as a tree, nested Kustomizations expanded")
    .addHelpText('after', EXAMPLES);
  const ks = tree
    .command('kustomization')
    .aliases(['ks', 'kustomizations'])
    .description('the objects a Kustomization applied')
    .argument('<name>', 'the Kustomization')
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(OUTPUT_FORMATS as string[])
        .default('table'),
    )
    .action(async (name: string, opts: { output: string }, self: Command) => {
      const format = parseFormat(opts.output);
      const ctx = Context.of(self);
      const ks = await ctx.getObject<Kustomization>(KustomizationKind, name);
      const root = await expand(ctx, ks, new Set());
      if (format !== 'table') return print(renderData(root, format));
      if (root.children.length === 0)
        note(`Kustomization ${ctx.namespace}/${name} has applied nothing yet (empty inventory)`);
      print(renderTree(root));
    });
  commandKinds.set(ks, KustomizationKind);
}

async function expand(ctx: Context, ks: Kustomization, seen: Set<string>): Promise<TreeNode> {
  const ns = ks.metadata.namespace as string;
  const name = ks.metadata.name as string;
  const node: TreeNode = {
    ref: { namespace: ns, name, group: KUSTOMIZE_GROUP, kind: 'Kustomization', version: 'v1' },
    children: [],
  };
  seen.add(`${ns}/${name}`);
  for (const entry of ks.status?.inventory?.entries ?? []) {
    const ref = parseInventoryId(entry.id, entry.v);
    if (ref.kind === 'Kustomization' && ref.group === KUSTOMIZE_GROUP) {
      const key = `${ref.namespace}/${ref.name}`;
      if (seen.has(key)) {
        node.children.push({ ref, note: 'cycle', children: [] });
        continue;
      }
      try {
        const child = await ctx.kube.get<Kustomization>(KustomizationKind, ref.namespace, ref.name);
        node.children.push(await expand(ctx, child, seen));
      } catch (err) {
        if (!isNotFound(err)) throw err;
        node.children.push({ ref, note: 'not found', children: [] });
      }
    } else node.children.push({ ref, children: [] });
  }
  return node;
}
