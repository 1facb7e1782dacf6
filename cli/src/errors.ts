// Errors the CLI reports: a message that says what to do, and the exit code.
//   1  the command failed (an object not found, the cluster or NATS unreachable, a failed reconcile)
//   2  the command line is wrong (an unknown command or option, a missing or invalid argument)

export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export class UsageError extends CliError {
  override name = 'UsageError';
  constructor(message: string) {
    super(message, 2);
  }
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
