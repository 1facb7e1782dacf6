// Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: one replica holds
// the lease and renews it; the others wait and take it over once it expires. A leader that
// cannot renew before the renew deadline steps down (the caller should exit, so that it never
// reconciles beside a new leader). On a graceful shutdown the lease is released at once.
import * as k8s from '@kubernetes/client-node';
import { type Clock, systemClock } from './clock.js';

export interface LeaderElectionOptions {
  namespace: string;
  /** The Lease name, e.g. source-controller-leader. */
  name: string;
  /** This replica's identity, e.g. the pod name plus a random suffix. */
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  clock?: Clock;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  onError?: (err: unknown) => void;
}

const isStatus = (err: unknown, code: number) => (err as { code?: number }).code === code;

/**
 * Lease times are metav1.MicroTime, which the API server parses only with six fractional
 * digits; client-node serialises a Date with toISOString's three.
 */
class MicroTime extends Date {
  override toISOString(): string {
    return super.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
  }
}

/** A Lease spec whose times serialise as MicroTime, whatever they were read back as. */
function withMicroTimes(spec: k8s.V1LeaseSpec): k8s.V1LeaseSpec {
  const micro = (t: Date | undefined) => (t === undefined ? undefined : new MicroTime(new Date(t).getTime()));
  return { ...spec, acquireTime: micro(spec.acquireTime), renewTime: micro(spec.renewTime) };
}

export class LeaderElector {
  private readonly api: k8s.CoordinationV1Api;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly clock: Clock;
  private leading = false;
  private lastRenewed = 0;
  private stopped = false;
  private cancelTimer: (() => void) | undefined;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    kc: k8s.KubeConfig,
    private readonly opts: LeaderElectionOptions,
  ) {
    this.api = kc.makeApiClient(k8s.CoordinationV1Api);
    this.leaseDurationMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = opts.retryPeriodMs ?? 2_000;
    this.clock = opts.clock ?? systemClock;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.runTick();
  }

  private runTick(): void {
    this.inFlight = this.tick();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.cancelTimer = this.clock.setTimer(() => this.runTick(), this.retryPeriodMs);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      const acquired = await this.tryAcquireOrRenew();
      if (this.stopped) return;
      const now = this.clock.now();
      if (acquired) {
        this.lastRenewed = now;
        if (!this.leading) {
          this.leading = true;
          this.opts.onStartedLeading();
        }
      } else if (this.leading) {
        this.stepDown();
      }
    } catch (err) {
      this.opts.onError?.(err);
      if (this.leading && this.clock.now() - this.lastRenewed > this.renewDeadlineMs) this.stepDown();
    }
    this.schedule();
  }

  private stepDown(): void {
    this.leading = false;
    this.opts.onStoppedLeading();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.opts;
    const now = new MicroTime(this.clock.now());
    const leaseDurationSeconds = Math.ceil(this.leaseDurationMs / 1000);
    let lease: k8s.V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (!isStatus(err, 404)) throw err;
      try {
        await this.api.createNamespacedLease({
          namespace,
          body: {
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds,
              acquireTime: now,
              renewTime: now,
              leaseTransitions: 0,
            },
          },
        });
        return true;
      } catch (createErr) {
        if (isStatus(createErr, 409)) return false;
        throw createErr;
      }
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const renewedAt = spec.renewTime ? new Date(spec.renewTime).getTime() : 0;
    const expired = renewedAt + (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000 <= now.getTime();
    if (holder && holder !== identity && !expired) return false;
    const takingOver = holder !== identity;
    lease.spec = withMicroTimes({
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds,
      renewTime: now,
      ...(takingOver ? { acquireTime: now, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 } : {}),
    });
    try {
      // resourceVersion in the body makes this a compare-and-swap: two takers cannot both win.
      await this.api.replaceNamespacedLease({ name, namespace, body: lease });
      return true;
    } catch (err) {
      if (isStatus(err, 409)) return false;
      throw err;
    }
  }

  /** Stops campaigning; a leader releases the lease so a standby takes over without waiting. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer?.();
    // A renewal still on the wire would race the release below.
    await this.inFlight;
    if (!this.leading) return;
    this.stepDown();
    const { namespace, name, identity } = this.opts;
    try {
      const lease = await this.api.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== identity) return;
      lease.spec = withMicroTimes({
        ...lease.spec,
        holderIdentity: '',
        leaseDurationSeconds: 1,
        renewTime: new Date(this.clock.now()),
      });
      await this.api.replaceNamespacedLease({ name, namespace, body: lease });
    } catch (err) {
      this.opts.onError?.(err);
    }
  }
}
