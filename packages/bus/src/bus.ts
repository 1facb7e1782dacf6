// The bus: one NATS connection per process, typed publish and subscribe for Moor's messages.
import type { ArtifactAnnouncement, MoorEvent, ReconcileRequest } from '@moor/api';
import {
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import { credsAuthenticator, type NatsConnection, type Subscription } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { ensureStreams, type StreamLimits, Streams } from './streams.js';
import { artifactSubject, channelFilter, eventSubject, reconcileSubject } from './subjects.js';

export class BusError extends Error {
  override name = 'BusError';
}

export interface BusOptions {
  /** nats://host:port, comma-separated for a cluster. */
  servers: string;
  /** Shown in the NATS server's connection list, e.g. source-controller. */
  name: string;
  /** Credentials (a .creds file's content) for a production NATS; never logged. */
  credentials?: string;
  limits?: StreamLimits;
  /**
   * Create or update Moor's streams on connect (default true). Controllers own the streams;
   * a reader such as the CLI passes false, so it never rewrites an operator's stream limits.
   */
  manageStreams?: boolean;
}

export interface Stoppable {
  stop(): Promise<void>;
}

export class Bus {
  private constructor(
    readonly connection: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
  ) {}

  static async connect(opts: BusOptions): Promise<Bus> {
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: opts.servers.split(',').map((s) => s.trim()),
        name: opts.name,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 1000,
        ...(opts.credentials
          ? { authenticator: credsAuthenticator(new TextEncoder().encode(opts.credentials)) }
          : {}),
      });
    } catch (err) {
      throw new BusError(`cannot connect to NATS at ${opts.servers}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const jsm = await jetstreamManager(nc).catch((err: unknown) => {
      void nc.close();
      throw new BusError(`NATS at ${opts.servers} has no JetStream: ${(err as Error).message}`, {
        cause: err,
      });
    });
    if (opts.manageStreams !== false) await ensureStreams(jsm, opts.limits);
    return new Bus(nc, jetstream(nc), jsm);
  }

  /** Stores the event durably; a retried publish of the same event id is stored once. */
  async publishEvent(event: MoorEvent): Promise<void> {
    await this.js.publish(eventSubject(event.involvedObject), JSON.stringify(event), { msgID: event.id });
  }

  async announceArtifact(a: ArtifactAnnouncement): Promise<void> {
    await this.js.publish(artifactSubject(a.source), JSON.stringify(a));
  }

  /**
   * Calls `handler` with the latest artifact of every source (optionally of one kind), then with
   * each new one as it is announced. Survives NATS reconnects (an ordered consumer).
   */
  async watchArtifacts(
    handler: (a: ArtifactAnnouncement) => void | Promise<void>,
    kind?: string,
  ): Promise<Stoppable> {
    const consumer = await this.js.consumers.get(Streams.artifacts, {
      filter_subjects: channelFilter('artifacts', kind),
      deliver_policy: DeliverPolicy.LastPerSubject,
    });
    const messages = await consumer.consume();
    const done = (async () => {
      for await (const m of messages) await handler(m.json<ArtifactAnnouncement>());
    })();
    return {
      stop: async () => {
        await messages.close();
        await done;
      },
    };
  }

  /** Fire-and-forget: a controller that is not listening reconciles at its interval anyway. */
  requestReconcile(r: ReconcileRequest): void {
    this.connection.publish(reconcileSubject(r.object), JSON.stringify(r));
  }

  onReconcileRequest(kind: string, handler: (r: ReconcileRequest) => void): Stoppable {
    const sub: Subscription = this.connection.subscribe(channelFilter('reconcile', kind), {
      callback: (err, msg) => {
        if (!err) handler(msg.json<ReconcileRequest>());
      },
    });
    return {
      stop: async () => {
        sub.unsubscribe();
      },
    };
  }

  /** True while connected (for /readyz). */
  get connected(): boolean {
    return !this.connection.isClosed();
  }

  async close(): Promise<void> {
    await this.connection.drain().catch(() => this.connection.close());
  }
}
