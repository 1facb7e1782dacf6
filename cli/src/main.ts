#!/usr/bin/env node
// The moor CLI's entry point: runs the command, and turns every failure into a message that says
// what to do and an exit code (1 failure, 2 usage).
import { CommanderError } from 'commander';
import { CliError, messageOf } from './errors.js';
import { ApiError } from './kube.js';
import { red } from './output.js';
import { createProgram } from './program.js';

async function main(argv: string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has printed the message (and help) already.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
      return 2;
    }
    const message =
      err instanceof ApiError
        ? `the Kubernetes API server refused: ${err.message} (HTTP ${err.status})`
        : messageOf(err);
    // An empty message: the command has reported the failure itself.
    if (message) process.stderr.write(`${red('Error:', process.stderr)} ${message}\n`);
    return err instanceof CliError ? err.exitCode : 1;
  }
}

process.exit(await main(process.argv));
