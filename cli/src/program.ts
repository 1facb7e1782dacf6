// The moor command tree. Each command lives in commands/<command>/ and registers itself here.
import { Command } from 'commander';
import { registerCheck } from './commands/check/index.js';
import { registerCompletion } from './commands/completion/index.js';
import { registerCreate } from './commands/create/index.js';
import { registerDiff } from './commands/diff/index.js';
import { registerEvents } from './commands/events/index.js';
import { registerExport } from './commands/export/index.js';
import { registerGet } from './commands/get/index.js';
import { registerHistory } from './commands/history/index.js';
import { registerReconcile } from './commands/reconcile/index.js';
import { registerResume } from './commands/resume/index.js';
import { registerSuspend } from './commands/suspend/index.js';
import { registerTree } from './commands/tree/index.js';
import { registerVersion } from './commands/version/index.js';
import { disableColour } from './output.js';
import { VERSION } from './version.js';

const EXAMPLES = `
Examples:
  moor check                                  # is Moor installed and running?
  moor get ks -A                              # every Kustomization, Ready or not
  moor reconcile kustomization apps --with-source
  moor history kustomization apps --since 24h # what was applied, and why
  moor history show <ID>                      # one reconcile in full: changes, drift, errors
  moor suspend kustomization apps --reason "incident 42" --for 2h
  moor diff ks apps --path ./deploy          # what merging a local change would do
  moor tree kustomization apps
  moor events --for Kustomization/apps -w

Connection:
  Kubernetes: --kubeconfig, --context, -n (default: KUBECONFIG / ~/.kube/config, its context and namespace).
  NATS (full history, events): --nats-url, or MOOR_NATS_URL / NATS_URL in the environment.

Exit codes: 0 success, 1 failure (the message says what to do), 2 wrong usage.`;

export function createProgram(): Command {
  const program = new Command('moor')
    .description(
      'Moor: GitOps for Kubernetes. Inspect and steer the source, kustomize and notification controllers.',
    )
    .version(VERSION, '--version', 'print the CLI version')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use')
    .option('-n, --namespace <namespace>', "namespace (default: the context's namespace, or default)")
    .option('--nats-url <url>', 'NATS for history and events (default: $MOOR_NATS_URL, then $NATS_URL)')
    .option('--no-color', 'no colours, even on a terminal')
    .addHelpText('after', EXAMPLES)
    .hook('preAction', (cmd) => {
      if (cmd.opts().color === false) disableColour();
    });

  registerCheck(program);
  registerGet(program);
  registerReconcile(program);
  registerSuspend(program);
  registerResume(program);
  registerHistory(program);
  registerDiff(program);
  registerTree(program);
  registerEvents(program);
  registerCreate(program);
  registerExport(program);
  registerVersion(program);
  registerCompletion(program);

  forEachCommand(program, (cmd) => {
    cmd.exitOverride();
    cmd.showHelpAfterError(`(run ${commandPath(cmd)} --help for usage and examples)`);
  });
  return program;
}

export function forEachCommand(cmd: Command, fn: (c: Command) => void): void {
  fn(cmd);
  for (const c of cmd.commands) forEachCommand(c, fn);
}

export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
