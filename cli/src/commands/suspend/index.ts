// moor suspend: stop reconciling a Kustomization or a GitRepository, with a reason and, for a
// Kustomization, an expiry after which the controller resumes by itself.
import type { Command } from 'commander';
import { Context } from '../../context.js';
import { UsageError } from '../../errors.js';
import { addKindCommands } from '../../kind-commands.js';
import { GitRepositoryKind, KustomizationKind } from '../../kinds.js';
import { ok, print } from '../../output.js';
import { parseCliDuration, rfc3339 } from '../../time.js';
import { suspendPatch } from './annotations.js';

const EXAMPLES = `
Examples:
  # Break glass during an incident: stop applying for two hours, then resume by itself
  moor suspend kustomization apps --reason "INC-42: hotfix applied by hand" --for 2h

  # Until someone runs moor resume
  moor suspend ks apps --reason "migration"

  # Stop fetching a repository
  moor suspend source git podinfo --reason "repository moving"`;

interface SuspendOptions {
  reason?: string;
  for?: string;
}

export function registerSuspend(program: Command): void {
  const suspend = program
    .command('suspend')
    .description('suspend reconciliation of a Kustomization or a source, with a reason and an expiry')
    .addHelpText('after', EXAMPLES);
  addKindCommands(
    suspend,
    [
      { kind: GitRepositoryKind, names: { name: 'source', aliases: ['sources'] } },
      { kind: KustomizationKind, names: { name: 'kustomization', aliases: ['ks', 'kustomizations'] } },
    ],
    (cmd, kind) => {
      cmd
        .description(`suspend a ${kind.kind}`)
        .argument('<name>', `the ${kind.kind}`)
        .option('--reason <text>', 'why (recorded on the object, in events and in history)');
      if (kind === KustomizationKind)
        cmd.option('--for <duration>', 'resume automatically after this long, e.g. 30m, 2h, 1d');
      else cmd.option('--for <duration>', '(Kustomizations only: the source controller has no expiry)');
      cmd.action(async (name: string, opts: SuspendOptions, self: Command) => {
        if (opts.for && kind === GitRepositoryKind)
          throw new UsageError(
            '--for works for Kustomizations only: the source controller does not lift a suspension by itself; ' +
              `run moor resume source git ${name} when done`,
          );
        if (opts.reason !== undefined && opts.reason.trim() === '')
          throw new UsageError('--reason needs a text, e.g. --reason "INC-42"');
        const until = opts.for ? rfc3339(Date.now() + parseCliDuration(opts.for, '--for')) : undefined;
        const ctx = Context.of(self);
        const namespace = ctx.namespace;
        await ctx.getObject(kind, name, namespace);
        await ctx.kube.mergePatch(
          kind,
          namespace,
          name,
          suspendPatch(kind, {
            ...(opts.reason ? { reason: opts.reason } : {}),
            ...(until ? { until } : {}),
            by: ctx.kube.user,
          }),
        );
        const detail = [
          until ? `until ${until}` : 'until resumed',
          opts.reason ? `reason: ${opts.reason}` : undefined,
          `by ${ctx.kube.user}`,
        ]
          .filter(Boolean)
          .join('; ');
        print(`${ok()} ${kind.kind} ${namespace}/${name} suspended (${detail})`);
        print(`  resume with: moor resume ${kind.cliName} ${name} -n ${namespace}`);
      });
    },
  );
}
