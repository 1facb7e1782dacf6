// The process around the controllers: probes and metrics, leader election, and a graceful
// shutdown on SIGTERM that lets the reconciles in flight finish before the lease is released.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { errorMessage } from './errors.js';
import { type JsonRoute, type ProbeServer, startProbeServer } from './http.js';
import { LeaderElector } from './leader-election.js';
import type { ControllerMetrics } from './metrics.js';

export interface Runnable {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface ManagerOptions {
  name: string;
  kubeConfig: k8s.KubeConfig;
  log: Logger;
  metrics: ControllerMetrics;
  /** host:port of /healthz, /readyz and /metrics. */
  probeAddress: string;
  /** Omit to run without leader election (one replica, or a local run). */
  leaderElection?: { namespace: string; name?: string };
  /** Started when this replica leads (or at once without leader election); stopped on shutdown. */
  runnables: Runnable[];
  /** Started at once on every replica (for example the artifact server); stopped last. */
  services?: Runnable[];
  readinessChecks?: Record<string, () => boolean | Promise<boolean>>;
  /** Read-only JSON endpoints served beside the probes (see ProbeServer.addRoute). */
  routes?: Record<string, JsonRoute>;
}

export function splitHostPort(address: string, defaultHost = '0.0.0.0'): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  const host = i > 0 ? address.slice(0, i) : defaultHost;
  const port = Number(address.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`"${address}" is not a host:port address`);
  return { host, port };
}

export class Manager {
  private probes: ProbeServer | undefined;
  private elector: LeaderElector | undefined;
  private started = false;
  private stopping: Promise<void> | undefined;
  readonly identity = `${hostname()}-${randomBytes(3).toString('hex')}`;

  constructor(private readonly opts: ManagerOptions) {}

  async start(): Promise<void> {
    const { log } = this.opts;
    const { host, port } = splitHostPort(this.opts.probeAddress);
    this.probes = await startProbeServer({
      host,
      port,
      registry: this.opts.metrics.registry,
      readinessChecks: this.opts.readinessChecks ?? {},
    });
    for (const [prefix, route] of Object.entries(this.opts.routes ?? {})) this.probes.addRoute(prefix, route);
    for (const s of this.opts.services ?? []) await s.start();
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      process.once(sig, () => {
        log.info({ signal: sig }, 'shutting down: finishing the reconciles in flight');
        void this.stop().then(() => process.exit(0));
      });
    }
    const le = this.opts.leaderElection;
    if (!le) {
      await this.startRunnables();
      return;
    }
    this.elector = new LeaderElector(this.opts.kubeConfig, {
      namespace: le.namespace,
      name: le.name ?? `${this.opts.name}-leader`,
      identity: this.identity,
      onStartedLeading: () => {
        log.info({ identity: this.identity }, 'elected leader');
        void this.startRunnables().catch((err: unknown) => {
          log.error({ err: errorMessage(err) }, 'could not start');
          process.exit(1);
        });
      },
      onStoppedLeading: () => {
        if (this.stopping) return;
        // Never reconcile beside a new leader: exit and let the Deployment restart us as a standby.
        log.error('lost the leader lease; exiting');
        process.exit(1);
      },
      onError: (err) => log.warn({ err: errorMessage(err) }, 'leader election'),
    });
    this.elector.start();
  }

  private async startRunnables(): Promise<void> {
    this.started = true;
    for (const r of this.opts.runnables) await r.start();
  }

  get isLeader(): boolean {
    return this.elector ? this.elector.isLeader : this.started;
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      // Reverse start order: a controller drains its reconciles before what they use stops.
      if (this.started) for (const r of [...this.opts.runnables].reverse()) await r.stop();
      await this.elector?.stop();
      for (const s of this.opts.services ?? []) await s.stop();
      await this.probes?.close();
    })();
    return this.stopping;
  }
}
