// Commands that act on one Moor kind come in one shape: `moor VERB source git NAME`,
// `moor VERB kustomization NAME`... This adds those subcommands to a verb, so that help and
// shell completion see each one.
import { Command } from 'commander';
import type { MoorKind } from './kinds.js';
import { GitRepositoryKind } from './kinds.js';

/** The kind a command acts on, so that shell completion can offer object names. */
export const commandKinds = new WeakMap<Command, MoorKind>();

export interface KindCommandNames {
  /** The command name, e.g. kustomization or kustomizations. */
  name: string;
  aliases: string[];
}

/**
 * Adds one subcommand per kind to `verb`; GitRepository goes under `source` (alias `sources`)
 * as `git`. `configure` adds arguments, options and the action.
 */
export function addKindCommands(
  verb: Command,
  kinds: Array<{ kind: MoorKind; names: KindCommandNames }>,
  configure: (cmd: Command, kind: MoorKind) => void,
): void {
  for (const { kind, names } of kinds) {
    if (kind === GitRepositoryKind) {
      const source = verb.commands.find((c) => c.name() === names.name) ?? verb.command(names.name);
      for (const a of names.aliases) if (!source.aliases().includes(a)) source.alias(a);
      source.description('sources: git (GitRepository)');
      const git = new Command('git').description(`${verb.name()} GitRepositories`);
      source.addCommand(git);
      commandKinds.set(git, kind);
      configure(git, kind);
    } else {
      const cmd = new Command(names.name);
      for (const a of names.aliases) cmd.alias(a);
      verb.addCommand(cmd);
      commandKinds.set(cmd, kind);
      configure(cmd, kind);
    }
  }
}
