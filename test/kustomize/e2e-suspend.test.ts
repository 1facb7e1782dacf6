// Break-glass suspension: spec.suspend with kustomize.moor.dev/suspend-reason and
// kustomize.moor.dev/suspend-until. The suspension shows in status.suspension and the history;
// a kubectl scale made meanwhile is left alone for as long as it lasts; once `until` passes the
// controller lifts it by itself and puts the Deployment back.
import { describe, expect, it } from 'vitest';
import { apps, kubectl, kustomizations, useNamespace, waitFor } from '../harness/index.js';
import { appliedAt, deploymentYaml, gitSource, ksSpec, useHistory, waitForReplicas } from './e2e-helpers.js';

const REASON = 'kustomize.moor.dev/suspend-reason';
const UNTIL = 'kustomize.moor.dev/suspend-until';

describe('suspension with a reason and an expiry', () => {
  const ns = useNamespace('e2e-suspend');
  const history = useHistory();

  it('records the suspension, leaves a scale alone while it lasts, and lifts itself after until', async () => {
    const source = await gitSource(ns.name, 'e2e-suspend', {
      'deploy/web.yaml': deploymentYaml(ns.name, 'web', 1),
    });
    await kustomizations.create(ns.name, 'app', ksSpec(source.name));
    await kustomizations.waitFor(ns.name, 'app', appliedAt(source.revision), 'Ready');

    const until = new Date(Date.now() + 8_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    await kustomizations.patch(ns.name, 'app', {
      metadata: { annotations: { [REASON]: 'incident 42: hotfix by hand', [UNTIL]: until } },
      spec: { suspend: true },
    });
    const suspended = await kustomizations.waitFor(
      ns.name,
      'app',
      (k) => k.status?.suspension?.until === until,
      'status.suspension',
    );
    expect(suspended.status?.suspension).toEqual({ reason: 'incident 42: hotfix by hand', until });
    const record = await history.waitForRecord(ns.name, 'app', (r) => r.result === 'Suspended', 'Suspended');
    expect(record.suspension).toEqual({ reason: 'incident 42: hotfix by hand', until });

    await kubectl(['scale', 'deployment/web', '--replicas=3', '-n', ns.name]);
    // Watch the Deployment until the suspension is lifted: it must keep the hand-made scale all along.
    const seen: number[] = [];
    const lifted = await waitFor(
      async () => {
        const d = await apps().readNamespacedDeployment({ name: 'web', namespace: ns.name });
        const ks = await kustomizations.get(ns.name, 'app');
        if (!ks.spec.suspend) return ks;
        seen.push(d.spec?.replicas ?? -1);
        return undefined;
      },
      { description: 'the suspension to be lifted', timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(until));
    expect(seen.length).toBeGreaterThan(10);
    expect(new Set(seen)).toEqual(new Set([3]));
    expect(lifted.metadata.annotations?.[REASON]).toBeUndefined();
    expect(lifted.metadata.annotations?.[UNTIL]).toBeUndefined();

    // Resumed: the drift is corrected and the suspension is gone from the status.
    await waitForReplicas(ns.name, 'web', 1, 15_000);
    const resumed = await kustomizations.waitFor(
      ns.name,
      'app',
      (k) => k.status?.suspension === undefined && appliedAt(source.revision)(k),
      'resumed',
    );
    expect(resumed.spec.suspend).toBe(false);
  });
});
