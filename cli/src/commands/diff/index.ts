// moor diff kustomization NAME --path DIR: what applying a local checkout would change in the
// cluster, before it is merged. The Kustomization is read from the cluster; DIR is built as the
// kustomize controller builds the Kustomization's artifact, each object is dry-run applied
// (server-side) and compared with the live object, and what the build no longer produces is
// listed as pruned when spec.prune is true. Exit 0: no differences; 1: differences (or the
// build or a dry-run failed); 2: wrong usage.
import type { Kustomization } from '@moor/api';
import { type Command, Option } from 'commander';
import { Context } from '../../context.js';
import { CliError } from '../../errors.js';
import { commandKinds } from '../../kind-commands.js';
import { KustomizationKind } from '../../kinds.js';
import { bold, green, note, print, red, renderData, withSpinner, yellow } from '../../output.js';
import { normalizeSpecPath, resolveCheckout } from './checkout.js';
import { displayName } from './objects.js';
import { type Action, buildCheckout, type DiffPlan, type ObjectDiff, planDiff } from './plan.js';

const EXAMPLES = `
Examples:
  # in CI on a pull request: what merging it would change (exit 1 when anything would)
  moor diff ks app --path ./deploy
  moor diff kustomization app --path ./clusters/prod/app -n apps -o json
  moor diff ks app --path ./deploy --kustomize-binary ~/bin/kustomize-v5.8.2

--path is the directory the Kustomization's spec.path names, in a local checkout (as in
flux diff ks --path). It is built inside its Git working tree (the nearest parent holding .git),
so bases outside it resolve as in the controller; outside Git it is built on its own.

Each object is dry-run applied server-side (field manager moor, force) and compared with the live
object; status and server-maintained metadata are ignored, Secret values are shown as ***.

Exit codes: 0 no differences, 1 differences (or the build or a dry-run failed), 2 wrong usage.`;

interface DiffOptions {
  path: string;
  kustomizeBinary?: string;
  output: string;
}

const HEADER: Record<Action, string> = {
  created: 'created',
  drifted: 'drifted',
  deleted: 'deleted (pruned)',
  unchanged: 'unchanged',
};

function colourOf(action: Action): (text: string) => string {
  if (action === 'created') return green;
  if (action === 'deleted') return red;
  return yellow;
}

function colourDiff(diff: string): string {
  return diff
    .split('\n')
    .map((l) =>
      l.startsWith('+') ? green(l) : l.startsWith('-') ? red(l) : l.startsWith('@@') ? bold(l) : l,
    )
    .join('\n');
}

function counts(objects: readonly ObjectDiff[]): Record<Action, number> {
  const c: Record<Action, number> = { created: 0, drifted: 0, deleted: 0, unchanged: 0 };
  for (const o of objects) c[o.action]++;
  return c;
}

function renderText(plan: DiffPlan): string {
  const blocks: string[] = [];
  for (const o of plan.objects) {
    if (o.action === 'unchanged') continue;
    const head = `► ${displayName(o)} ${HEADER[o.action]}${o.note && o.action !== 'deleted' ? ` (${o.note})` : ''}`;
    blocks.push([colourOf(o.action)(head), ...(o.diff ? [colourDiff(o.diff)] : [])].join('\n'));
  }
  return blocks.join('\n');
}

export function registerDiff(program: Command): void {
  const diff = program
    .command('diff')
    .description('show what applying a local checkout would change, before it is merged')
    .addHelpText('after', EXAMPLES);
  const ks = diff
    .command('kustomization')
    .aliases(['ks', 'kustomizations'])
    .description("diff a local build of a Kustomization's path against the cluster")
    .argument(
      '<name>',
      'the Kustomization (read from the cluster: overlay fields, postBuild, prune, inventory)',
    )
    .requiredOption('--path <dir>', "the local directory for the Kustomization's spec.path")
    .option('--kustomize-binary <file>', 'the kustomize to build with (default: kustomize on PATH)')
    .addOption(
      new Option('-o, --output <format>', 'output format').choices(['text', 'json', 'yaml']).default('text'),
    )
    .addHelpText('after', EXAMPLES)
    .action(async (name: string, opts: DiffOptions, self: Command) => {
      const ctx = Context.of(self);
      const kustomization = await ctx.getObject<Kustomization>(KustomizationKind, name);
      const checkout = await resolveCheckout(opts.path);
      const specPath = normalizeSpecPath(kustomization.spec.path);
      if (checkout.git && checkout.path !== specPath)
        note(
          `note: building ${checkout.path} of the checkout at ${checkout.root}; ` +
            `the Kustomization's spec.path is ${kustomization.spec.path ?? './'}`,
        );
      const plan = await withSpinner(`diffing Kustomization ${ctx.namespace}/${name}`, async () => {
        const built = await buildCheckout(ctx.kube, kustomization, checkout, {
          ...(opts.kustomizeBinary ? { kustomizeBinary: opts.kustomizeBinary } : {}),
        });
        for (const w of built.warnings) note(`kustomize: ${w}`);
        return planDiff(ctx.kube, kustomization, built.objects, built.secrets);
      });
      const c = counts(plan.objects);
      const changed = c.created + c.drifted + c.deleted > 0;
      if (opts.output !== 'text') {
        print(
          renderData(
            {
              kustomization: { namespace: ctx.namespace, name },
              path: opts.path,
              changed,
              counts: c,
              objects: plan.objects,
              kept: plan.kept,
            },
            opts.output as 'json' | 'yaml',
          ),
        );
      } else {
        const text = renderText(plan);
        if (text) print(text);
        for (const k of plan.kept) note(`${displayName(k)} is no longer in the build; kept: ${k.reason}`);
        note(
          `Kustomization ${ctx.namespace}/${name}: ${
            changed
              ? `${c.drifted} drifted, ${c.created} created, ${c.deleted} deleted (pruned), ${c.unchanged} unchanged`
              : `no differences (${c.unchanged} object${c.unchanged === 1 ? '' : 's'} unchanged)`
          }`,
        );
      }
      // Like `flux diff` and `diff`: 1 when there are differences; the output says what they are.
      if (changed) throw new CliError('', 1);
    });
  commandKinds.set(ks, KustomizationKind);
}
