// What every command shares: the global flags (--kubeconfig, --context, -n, --nats-url,
// --no-color), the Kubernetes client they select, and the NATS bus when one is known.
import { Bus } from '@moor/bus';
import type { Command } from 'commander';
import { CliError, messageOf } from './errors.js';
import type { MoorKind } from './kinds.js';
import { isNotFound, Kube } from './kube.js';

export interface GlobalOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  natsUrl?: string;
  color?: boolean;
}

export class Context {
  private kubeClient: Kube | undefined;

  constructor(readonly globals: GlobalOptions) {}

  static of(cmd: Command): Context {
    return new Context(cmd.optsWithGlobals<GlobalOptions>());
  }

  get kube(): Kube {
    this.kubeClient ??= Kube.load({
      ...(this.globals.kubeconfig ? { kubeconfig: this.globals.kubeconfig } : {}),
      ...(this.globals.context ? { context: this.globals.context } : {}),
    });
    return this.kubeClient;
  }

  /** -n, else the namespace of the kubeconfig context, else default. */
  get namespace(): string {
    return this.globals.namespace ?? this.kube.defaultNamespace;
  }

  /** The NATS URL and where it came from, or undefined when none is known. */
  natsUrl(): { url: string; from: string } | undefined {
    if (this.globals.natsUrl) return { url: this.globals.natsUrl, from: '--nats-url' };
    if (process.env.MOOR_NATS_URL) return { url: process.env.MOOR_NATS_URL, from: 'MOOR_NATS_URL' };
    if (process.env.NATS_URL) return { url: process.env.NATS_URL, from: 'NATS_URL' };
    return undefined;
  }

  /**
   * Connects to NATS. `required`: an unreachable URL is an error that says how to fix it;
   * otherwise it is undefined and the caller falls back.
   */
  async bus(required: boolean): Promise<Bus | undefined> {
    const nats = this.natsUrl();
    if (!nats) return undefined;
    try {
      return await withTimeout(
        Bus.connect({ servers: nats.url, name: 'moor-cli', manageStreams: false }),
        10_000,
        nats.url,
      );
    } catch (err) {
      if (!required) return undefined;
      throw new CliError(
        `cannot reach NATS at ${nats.url} (from ${nats.from}): ${messageOf(err).replace(/^cannot connect to NATS at \S+: /, '')}\n` +
          `Check the URL (the controllers' --nats-url), or unset ${nats.from === '--nats-url' ? '--nats-url' : `${nats.from}`} ` +
          'to read the summaries in status.history instead.',
      );
    }
  }

  /** Reads one Moor object; a clear "not found" with the command that lists them otherwise. */
  async getObject<T>(kind: MoorKind, name: string, namespace = this.namespace): Promise<T> {
    try {
      return (await this.kube.get(kind, namespace, name)) as T;
    } catch (err) {
      if (isNotFound(err))
        throw new CliError(
          `${kind.kind} ${namespace}/${name} not found; run ${kind.listCommand} to list them${
            this.globals.namespace ? '' : ', or give its namespace with -n'
          }`,
        );
      throw err;
    }
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number, url: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from ${url} within ${ms / 1000}s`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
