// moor completion: shell completion for bash and zsh. The scripts ask the CLI itself
// (`moor __complete WORDS...`) so that they always match this version's commands and flags,
// and can offer the names of objects in the cluster.
import type { Command, Option } from 'commander';
import { Context } from '../../context.js';
import { UsageError } from '../../errors.js';
import { commandKinds } from '../../kind-commands.js';
import { print } from '../../output.js';

const BASH = `# bash completion for moor; load with: source <(moor completion bash)
_moor_complete() {
  local IFS=$'\\n'
  local words=("\${COMP_WORDS[@]:1:$((COMP_CWORD-1))}")
  COMPREPLY=($(compgen -W "$(moor __complete "\${words[@]}" 2>/dev/null)" -- "\${COMP_WORDS[COMP_CWORD]}"))
}
complete -o default -F _moor_complete moor
`;

const ZSH = `#compdef moor
# zsh completion for moor; load with: source <(moor completion zsh)  (after compinit)
_moor() {
  local -a candidates
  candidates=(\${(f)"$(moor __complete \${words[2,CURRENT-1]} 2>/dev/null)"})
  compadd -- \${candidates[@]}
}
compdef _moor moor
`;

export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script for bash or zsh')
    .argument('<shell>', 'bash or zsh')
    .addHelpText(
      'after',
      `
Examples:
  # Now, in this shell
  source <(moor completion bash)

  # For every new shell
  moor completion bash > ~/.local/share/bash-completion/completions/moor
  echo 'source <(moor completion zsh)' >> ~/.zshrc`,
    )
    .action((shell: string) => {
      if (shell === 'bash') return print(BASH);
      if (shell === 'zsh') return print(ZSH);
      throw new UsageError(`no completion for "${shell}"; use bash or zsh`);
    });

  program
    .command('__complete', { hidden: true })
    .description('candidates for the next word (used by the completion scripts)')
    .argument('[words...]')
    .allowUnknownOption()
    .helpOption(false)
    .action(async (words: string[], _opts: unknown, self: Command) => {
      for (const c of await candidates(program, words, self)) print(c);
    });
}

const takesValue = (o: Option) => o.required || o.optional;

function findOption(cmd: Command, flag: string): Option | undefined {
  for (let c: Command | null = cmd; c; c = c.parent) {
    const o = c.options.find((x) => x.long === flag || x.short === flag);
    if (o) return o;
  }
  return undefined;
}

export async function candidates(program: Command, words: string[], self?: Command): Promise<string[]> {
  let cmd = program;
  let positional = 0;
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    if (w.startsWith('-')) {
      const o = findOption(cmd, w.split('=')[0] as string);
      if (o && takesValue(o) && !w.includes('=')) i++;
      continue;
    }
    const sub = cmd.commands.find((c) => c.name() === w || c.aliases().includes(w));
    if (sub) cmd = sub;
    else positional++;
  }
  const subs = cmd.commands
    .filter((c) => !(c as unknown as { _hidden?: boolean })._hidden)
    .map((c) => c.name());
  const flags: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent)
    for (const o of c.options) if (o.long && !o.hidden) flags.push(o.long);
  const kind = commandKinds.get(cmd);
  let names: string[] = [];
  if (kind && positional === 0 && self) {
    try {
      const ctx = Context.of(self);
      names = (await ctx.kube.list(kind, ctx.namespace)).items
        .map((o) => o.metadata?.name ?? '')
        .filter(Boolean);
    } catch {
      // No cluster, no names: completion must never fail.
    }
  }
  return [...subs, ...names, ...flags];
}
