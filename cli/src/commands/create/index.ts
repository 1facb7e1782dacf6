// moor create: a GitRepository or a Kustomization from flags, applied (server-side, field
// manager moor) and waited for, or printed as YAML with --export.
import type { Command } from 'commander';
import { Context } from '../../context.js';
import { CliError } from '../../errors.js';
import { GitRepositoryKind, KustomizationKind, type MoorKind } from '../../kinds.js';
import type { KubeObject } from '../../kube.js';
import { fail, ok, print, renderData, withSpinner } from '../../output.js';
import { describeOutcome, type ReconcilableObject } from '../../reconcile-request.js';
import { parseCliDuration } from '../../time.js';
import {
  buildGitRepository,
  buildKustomization,
  type KustomizationFlags,
  type SourceGitFlags,
} from './build.js';

const EXAMPLES = `
Examples:
  # A repository, fetched every minute, and a Kustomization applying ./deploy from it
  moor create source git podinfo --url https://github.com/stefanprodan/podinfo --branch master --interval 1m
  moor create kustomization podinfo --source GitRepository/podinfo --path ./kustomize --interval 5m --prune

  # Write the YAML to Git instead of the cluster
  moor create kustomization podinfo --source podinfo --path ./kustomize --interval 5m --prune --export > podinfo.yaml`;

interface CommonFlags {
  export?: boolean;
  wait: boolean;
  timeout: string;
}

export function registerCreate(program: Command): void {
  const create = program
    .command('create')
    .description('create or update a GitRepository or a Kustomization from flags (or print it with --export)')
    .addHelpText('after', EXAMPLES);
  const common = (cmd: Command) =>
    cmd
      .option('--export', 'print the YAML instead of applying it')
      .option('--no-wait', 'do not wait for the object to become Ready')
      .option('--timeout <duration>', 'how long to wait for Ready', '2m');

  const source = create.command('source').alias('sources').description('create a source: git');
  common(
    source
      .command('git')
      .description('create or update a GitRepository')
      .argument('<name>', 'the GitRepository')
      .requiredOption('--url <url>', 'the repository, http(s)://...')
      .option('--branch <branch>', 'follow a branch (default main)')
      .option('--tag <tag>', 'check out a tag')
      .option('--semver <range>', 'check out the highest tag in a semver range, e.g. ">=1.0.0 <2.0.0"')
      .option('--interval <duration>', 'how often to look for new commits', '1m')
      .option('--secret-ref <name>', 'a Secret with username/password or bearerToken for the Git server')
      .addHelpText('after', EXAMPLES),
  ).action(async (name: string, flags: SourceGitFlags & CommonFlags, self: Command) => {
    const ctx = Context.of(self);
    const obj = buildGitRepository(
      flags.export ? (self.optsWithGlobals().namespace ?? 'default') : ctx.namespace,
      name,
      flags,
    );
    await createObject(ctx, GitRepositoryKind, obj as unknown as KubeObject, flags);
  });

  common(
    create
      .command('kustomization')
      .alias('ks')
      .description('create or update a Kustomization')
      .argument('<name>', 'the Kustomization')
      .requiredOption('--source <source>', 'the GitRepository: [GitRepository/][NAMESPACE/]NAME')
      .option('--path <dir>', 'the directory of the source to build', './')
      .option('--interval <duration>', 'how often to apply again (also corrects drift)', '10m')
      .option('--prune', 'delete objects that leave the source (default: keep them)', false)
      .option('--target-namespace <namespace>', 'put every namespaced object in this namespace')
      .addHelpText('after', EXAMPLES),
  ).action(async (name: string, flags: KustomizationFlags & CommonFlags, self: Command) => {
    const ctx = Context.of(self);
    const obj = buildKustomization(
      flags.export ? (self.optsWithGlobals().namespace ?? 'default') : ctx.namespace,
      name,
      flags,
    );
    await createObject(ctx, KustomizationKind, obj as unknown as KubeObject, flags);
  });
}

async function createObject(
  ctx: Context,
  kind: MoorKind,
  obj: KubeObject,
  flags: CommonFlags,
): Promise<void> {
  if (flags.export) return print(`---\n${renderData(obj, 'yaml')}`);
  const timeoutMs = parseCliDuration(flags.timeout, '--timeout');
  const applied = await ctx.kube.apply<ReconcilableObject>(kind, obj, { force: true });
  const md = applied.metadata ?? {};
  print(`${ok()} ${kind.kind} ${md.namespace}/${md.name} applied`);
  if (!flags.wait) return;
  const generation = md.generation;
  const deadline = Date.now() + timeoutMs;
  const done = await withSpinner(
    `waiting for ${kind.kind} ${md.namespace}/${md.name} to be reconciled`,
    async () => {
      for (;;) {
        const o = await ctx.getObject<ReconcilableObject>(kind, md.name as string, md.namespace);
        const ready = o.status?.conditions?.find((c) => c.type === 'Ready');
        const current =
          ready?.observedGeneration === generation && o.status?.observedGeneration === generation;
        // A failure may be passing (the source not fetched yet): wait for True until the deadline.
        if (ready?.status === 'True' && current) return o;
        if (Date.now() >= deadline) {
          if (ready?.status === 'False' && current) return o;
          throw new CliError(
            `timed out after ${timeoutMs / 1000}s waiting for ${kind.kind} ${md.namespace}/${md.name} to become Ready; ` +
              `see moor get ${kind === GitRepositoryKind ? 'sources git' : 'ks'} ${md.name} -n ${md.namespace} and moor check`,
          );
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    },
  );
  const outcome = describeOutcome(kind, done);
  if (outcome.ok) return print(`${ok()} ${outcome.line}`);
  process.stderr.write(`${fail(process.stderr)} ${outcome.line}\n`);
  throw new CliError('');
}
