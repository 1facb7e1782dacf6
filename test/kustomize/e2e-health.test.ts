// Health checks: with wait: true, a Deployment that can never become available (its nodeSelector
// matches no node, its progress deadline is short) fails the Kustomization within its timeout:
// Ready=False HealthCheckFailed naming the Deployment, Healthy=False. The objects were applied
// (a health failure is not an apply failure) and stay in the inventory.
import { describe, expect, it } from 'vitest';
import { condition, failedWith, kustomizations, useNamespace } from '../harness/index.js';
import { configMapYaml, deploymentYaml, gitSource, ksSpec, live, useHistory } from './e2e-helpers.js';

describe('health checks', () => {
  const ns = useNamespace('e2e-health');
  const history = useHistory();

  it('fails with HealthCheckFailed naming a Deployment that never becomes available', async () => {
    const stuck = deploymentYaml(ns.name, 'stuck', 1, {
      spec: '  progressDeadlineSeconds: 3\n',
      podSpec: '      nodeSelector:\n        moor.dev/no-such-node: "true"\n',
    });
    const source = await gitSource(ns.name, 'e2e-health', {
      'deploy/stuck.yaml': stuck,
      'deploy/cm.yaml': configMapYaml(ns.name, 'cfg', { a: '1' }),
    });
    const started = Date.now();
    await kustomizations.create(
      ns.name,
      'app',
      ksSpec(source.name, { wait: true, timeout: '10s', retryInterval: '10m' }),
    );
    const failed = await kustomizations.waitFor(
      ns.name,
      'app',
      failedWith('HealthCheckFailed'),
      'Ready=False HealthCheckFailed',
    );
    const tookMs = Date.now() - started;
    console.info(`health check failed after ${tookMs} ms: ${condition(failed)?.message}`);
    expect(tookMs).toBeLessThan(20_000);
    expect(condition(failed)?.message).toContain(`Deployment/${ns.name}/stuck`);
    const healthy = condition(failed, 'Healthy');
    expect(healthy).toMatchObject({ status: 'False', reason: 'HealthCheckFailed' });
    expect(healthy?.message).toContain(`Deployment/${ns.name}/stuck`);
    expect(failed.status?.lastAttemptedRevision).toBe(source.revision);
    expect(failed.status?.lastAppliedRevision).toBeUndefined();

    // Applied, and tracked so a later revision can prune them.
    expect(await live('apps/v1', 'Deployment', 'stuck', ns.name)).toBeDefined();
    expect(failed.status?.inventory?.entries.map((e) => e.id).sort()).toEqual([
      `${ns.name}_cfg__ConfigMap`,
      `${ns.name}_stuck_apps_Deployment`,
    ]);
    const record = await history.waitForRecord(ns.name, 'app', (r) => r.result === 'Failed', 'Failed');
    expect(record.health?.status).toBe('Unhealthy');
    expect(record.errors.join()).toContain(`Deployment/${ns.name}/stuck`);
  });
});
