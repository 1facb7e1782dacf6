// moor reconcile: ask a controller to reconcile now, wait for it, print what happened.
import type { Kustomization } from '@moor/api';
import type { Command } from 'commander';
import { Context } from '../../context.js';
import { CliError } from '../../errors.js';
import { addKindCommands } from '../../kind-commands.js';
import { GitRepositoryKind, KustomizationKind, type MoorKind } from '../../kinds.js';
import { fail, ok, print } from '../../output.js';
import {
  describeOutcome,
  type ReconcilableObject,
  refuseSuspended,
  requestReconcile,
  waitForHandled,
} from '../../reconcile-request.js';
import { parseCliDuration } from '../../time.js';

const EXAMPLES = `
Examples:
  # Fetch the latest commit of a GitRepository now
  moor reconcile source git podinfo

  # Fetch the source first, then apply the Kustomization
  moor reconcile kustomization apps --with-source -n apps

  # Give a slow apply more time (default 2m)
  moor reconcile ks apps --timeout 10m`;

interface ReconcileOptions {
  withSource?: boolean;
  timeout: string;
}

export function registerReconcile(program: Command): void {
  const reconcile = program
    .command('reconcile')
    .description('reconcile a source or a Kustomization now and wait for the outcome')
    .addHelpText('after', EXAMPLES);
  addKindCommands(
    reconcile,
    [
      { kind: GitRepositoryKind, names: { name: 'source', aliases: ['sources'] } },
      { kind: KustomizationKind, names: { name: 'kustomization', aliases: ['ks', 'kustomizations'] } },
    ],
    (cmd, kind) => {
      cmd
        .description(
          kind === GitRepositoryKind
            ? 'fetch a GitRepository now'
            : 'apply a Kustomization now (with --with-source, fetch its GitRepository first)',
        )
        .argument('<name>', `the ${kind.kind}`)
        .option('--timeout <duration>', 'how long to wait for the controller', '2m');
      if (kind === KustomizationKind) cmd.option('--with-source', 'reconcile the source first');
      cmd.action(async (name: string, opts: ReconcileOptions, self: Command) => {
        const ctx = Context.of(self);
        const code = await reconcileOne(ctx, kind, ctx.namespace, name, opts);
        if (code !== 0) throw new CliError('', code);
      });
    },
  );
}

async function reconcileOne(
  ctx: Context,
  kind: MoorKind,
  namespace: string,
  name: string,
  opts: ReconcileOptions,
): Promise<number> {
  const timeoutMs = parseCliDuration(opts.timeout, '--timeout');
  const o = await ctx.getObject<ReconcilableObject>(kind, name, namespace);
  refuseSuspended(kind, o);
  if (opts.withSource && kind === KustomizationKind) {
    const ref = (o as unknown as Kustomization).spec.sourceRef;
    const code = await reconcileOne(ctx, GitRepositoryKind, ref.namespace ?? namespace, ref.name, {
      timeout: opts.timeout,
    });
    if (code !== 0) return code;
  }
  const requestedAt = await requestReconcile(ctx, kind, namespace, name);
  const done = await waitForHandled(ctx, kind, namespace, name, requestedAt, timeoutMs);
  const outcome = describeOutcome(kind, done);
  if (outcome.ok) {
    print(`${ok()} ${outcome.line}`);
    return 0;
  }
  process.stderr.write(`${fail(process.stderr)} ${outcome.line}\n`);
  return 1;
}
