// Leader election on a real Lease: one of two candidates leads; when it stops, the other takes
// over without waiting for the lease to expire.
import * as k8s from '@kubernetes/client-node';
import { LeaderElector } from '@moor/runtime';
import { describe, expect, it } from 'vitest';
import { kubeConfig, uniqueName, useNamespace, waitFor } from '../harness/index.js';

describe('leader election', () => {
  const ns = useNamespace('leader');

  it('elects one leader and hands over on release', async () => {
    const lease = uniqueName('lease');
    const timeline: string[] = [];
    const errors: string[] = [];
    const make = (identity: string) =>
      new LeaderElector(kubeConfig(), {
        namespace: ns.name,
        name: lease,
        identity,
        leaseDurationMs: 30_000,
        retryPeriodMs: 100,
        onStartedLeading: () => timeline.push(`+${identity}`),
        onStoppedLeading: () => timeline.push(`-${identity}`),
        onError: (err) => errors.push(`${identity}: ${(err as Error).message}`),
      });
    const a = make('a');
    const b = make('b');
    a.start();
    await waitFor(() => a.isLeader, { description: 'a to lead' });
    b.start();
    // While a renews the lease several times, b campaigns and must not lead beside it.
    const leases = kubeConfig().makeApiClient(k8s.CoordinationV1Api);
    const renewals = new Set<string>();
    await waitFor(
      async () => {
        const l = await leases.readNamespacedLease({ name: lease, namespace: ns.name });
        renewals.add(String(l.spec?.renewTime));
        return renewals.size >= 5;
      },
      { description: 'a to renew the lease five times', intervalMs: 50 },
    );
    expect(b.isLeader).toBe(false);
    await a.stop();
    // The lease lasts 30 s; b leads well before that because a released it.
    await waitFor(() => b.isLeader, { description: 'b to take over the released lease', timeoutMs: 10_000 });
    expect(timeline).toEqual(['+a', '-a', '+b']);
    expect(errors).toEqual([]);
    await b.stop();
  });
});
