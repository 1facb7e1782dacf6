// Drift, as a user meets it: with drift.mode Correct (the default), a `kubectl scale` of a managed
// Deployment is put back within seconds, without waiting for the 10m interval, and the history
// record and a DriftCorrected Event name the field and kubectl; a deleted Service comes back.
// With drift.mode Detect, the same scale is reported (history, DriftDetected Event) and left as
// is, also by the interval reconciles that follow; a manual request applies, by design.
import { describe, expect, it } from 'vitest';
import { core, kubectl, kustomizations, useNamespace, waitFor } from '../harness/index.js';
import {
  appFiles,
  appliedAt,
  appNamespace,
  gitSource,
  ksSpec,
  replicasOf,
  useHistory,
  waitForEvent,
  waitForReplicas,
} from './e2e-helpers.js';

const history = useHistory();

describe('drift.mode Correct', () => {
  const ns = useNamespace('e2e-drift');
  const app = appNamespace('e2e-drift-app');
  const ks = 'app';

  it('reverts a kubectl scale within 5 s, and says so in the history and an Event', async () => {
    const source = await gitSource(ns.name, 'e2e-drift', appFiles(app, 1));
    await kustomizations.create(ns.name, ks, ksSpec(source.name, { interval: '10m' }));
    await kustomizations.waitFor(ns.name, ks, appliedAt(source.revision), 'Ready');

    const started = Date.now();
    await kubectl(['scale', 'deployment/web', '--replicas=5', '-n', app]);
    await waitForReplicas(app, 'web', 1, 10_000);
    const revertedInMs = Date.now() - started;
    console.info(`kubectl scale reverted in ${revertedInMs} ms`);
    expect(revertedInMs).toBeLessThan(5_000);

    const record = await history.waitForRecord(
      ns.name,
      ks,
      (r) => r.result === 'DriftCorrected',
      'DriftCorrected',
    );
    expect(record.trigger).toBe('Drift');
    expect(record.drift).toEqual([
      expect.objectContaining({
        object: expect.objectContaining({ kind: 'Deployment', namespace: app, name: 'web' }),
        type: 'modified',
        corrected: true,
        changes: [{ path: 'spec.replicas', desired: 1, live: 5, manager: 'kubectl' }],
      }),
    ]);
    const deployment = record.changes.find((c) => c.object.kind === 'Deployment');
    expect(deployment).toMatchObject({ action: 'configured', changedFields: ['spec.replicas'] });

    const event = await waitForEvent(ns.name, ks, 'DriftCorrected');
    expect(event.type).toBe('Normal');
    expect(event.message).toContain(`Deployment/${app}/web: spec.replicas 1 → 5 (by kubectl)`);
  });

  it('brings back a deleted Service', async () => {
    const before = await core().readNamespacedService({ name: 'web', namespace: app });
    await kubectl(['delete', 'service', 'web', '-n', app, '--wait=false']);
    const started = Date.now();
    const service = await waitFor(
      async () => {
        const s = await core().readNamespacedService({ name: 'web', namespace: app });
        return s.metadata?.uid !== before.metadata?.uid && s;
      },
      { description: 'the Service back', timeoutMs: 10_000, intervalMs: 50 },
    );
    console.info(`deleted Service back in ${Date.now() - started} ms`);
    expect(service.spec?.ports?.[0]?.port).toBe(80);
    const back = await history.waitForRecord(
      ns.name,
      ks,
      (r) => r.drift.some((d) => d.type === 'deleted' && d.object.kind === 'Service'),
      'the deleted Service',
    );
    expect(back).toMatchObject({ trigger: 'Drift', result: 'DriftCorrected' });
    expect(back.changes.find((c) => c.object.kind === 'Service')?.action).toBe('created');
  });
});

describe('drift.mode Detect', () => {
  const ns = useNamespace('e2e-detect');
  const app = appNamespace('e2e-detect-app');
  const ks = 'detect';

  it('reports a kubectl scale and leaves it, through later interval reconciles', async () => {
    const source = await gitSource(ns.name, 'e2e-detect', appFiles(app, 1));
    // A short interval, so that interval reconciles after the drift can be waited for.
    await kustomizations.create(
      ns.name,
      ks,
      ksSpec(source.name, { interval: '2s', drift: { mode: 'Detect' } }),
    );
    await kustomizations.waitFor(ns.name, ks, appliedAt(source.revision), 'Ready');

    await kubectl(['scale', 'deployment/web', '--replicas=4', '-n', app]);
    const detected = await history.waitForRecord(
      ns.name,
      ks,
      (r) => r.result === 'DriftDetected',
      'DriftDetected',
    );
    expect(detected.trigger).toBe('Drift');
    expect(detected.drift).toEqual([
      expect.objectContaining({
        object: expect.objectContaining({ kind: 'Deployment', name: 'web' }),
        corrected: false,
        changes: [{ path: 'spec.replicas', desired: 1, live: 4, manager: 'kubectl' }],
      }),
    ]);
    expect(detected.changes).toEqual([]);
    const event = await waitForEvent(ns.name, ks, 'DriftDetected');
    expect(event.type).toBe('Warning');
    expect(event.message).toContain(`Deployment/${app}/web: spec.replicas 1 → 4 (by kubectl)`);

    // Two interval reconciles after the report: had either applied, replicas would be 1 again.
    const intervals = await history.waitForRecord(
      ns.name,
      ks,
      (r) => r.trigger === 'Interval' && r.id > detected.id,
      'an interval reconcile after the report',
    );
    const later = await history.waitForRecord(
      ns.name,
      ks,
      (r) => r.trigger === 'Interval' && r.id > intervals.id,
      'a second interval reconcile after the report',
    );
    expect(later.result).toBe('Succeeded');
    expect(later.changes).toEqual([]);
    expect(await replicasOf(app, 'web')).toBe(4);
    const ready = await kustomizations.get(ns.name, ks);
    expect(ready.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('applies on a manual request, by design', async () => {
    const at = await kustomizations.requestReconcile(ns.name, ks);
    await kustomizations.waitFor(ns.name, ks, (k) => k.status?.lastHandledReconcileAt === at, 'request');
    const manual = await history.waitForRecord(ns.name, ks, (r) => r.trigger === 'Manual', 'the request');
    expect(manual.changes.find((c) => c.object.kind === 'Deployment')).toMatchObject({
      action: 'configured',
      changedFields: ['spec.replicas'],
    });
    expect(await replicasOf(app, 'web')).toBe(1);
  });
});
