// moor resume: lift a suspension, then reconcile at once and wait for the outcome.
import type { Command } from 'commander';
import { Context } from '../../context.js';
import { CliError } from '../../errors.js';
import { addKindCommands } from '../../kind-commands.js';
import { GitRepositoryKind, KustomizationKind } from '../../kinds.js';
import { fail, ok, print } from '../../output.js';
import { describeOutcome, requestReconcile, waitForHandled } from '../../reconcile-request.js';
import { parseCliDuration } from '../../time.js';
import { resumePatch } from '../suspend/annotations.js';

const EXAMPLES = `
Examples:
  moor resume kustomization apps
  moor resume source git podinfo -n flux-system

  # Resume without waiting for the reconcile
  moor resume ks apps --no-wait`;

interface ResumeOptions {
  wait: boolean;
  timeout: string;
}

export function registerResume(program: Command): void {
  const resume = program
    .command('resume')
    .description('resume a suspended Kustomization or source and reconcile it now')
    .addHelpText('after', EXAMPLES);
  addKindCommands(
    resume,
    [
      { kind: GitRepositoryKind, names: { name: 'source', aliases: ['sources'] } },
      { kind: KustomizationKind, names: { name: 'kustomization', aliases: ['ks', 'kustomizations'] } },
    ],
    (cmd, kind) => {
      cmd
        .description(
          `resume a ${kind.kind}: clear spec.suspend and the suspension annotations, then reconcile`,
        )
        .argument('<name>', `the ${kind.kind}`)
        .option('--no-wait', 'do not wait for the reconcile')
        .option('--timeout <duration>', 'how long to wait for the reconcile', '2m')
        .action(async (name: string, opts: ResumeOptions, self: Command) => {
          const timeoutMs = parseCliDuration(opts.timeout, '--timeout');
          const ctx = Context.of(self);
          const namespace = ctx.namespace;
          await ctx.getObject(kind, name, namespace);
          await ctx.kube.mergePatch(kind, namespace, name, resumePatch(kind));
          print(`${ok()} ${kind.kind} ${namespace}/${name} resumed`);
          if (!opts.wait) return;
          const requestedAt = await requestReconcile(ctx, kind, namespace, name);
          const done = await waitForHandled(ctx, kind, namespace, name, requestedAt, timeoutMs);
          const outcome = describeOutcome(kind, done);
          if (outcome.ok) print(`${ok()} ${outcome.line}`);
          else {
            process.stderr.write(`${fail(process.stderr)} ${outcome.line}\n`);
            throw new CliError('');
          }
        });
    },
  );
}
