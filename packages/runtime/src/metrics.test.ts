import type { Condition } from '@moor/api';
import { describe, expect, it } from 'vitest';
import { ControllerMetrics } from './metrics.js';

const condition = (type: string, status: Condition['status']): Condition => ({
  type,
  status,
  reason: 'R',
  message: '',
  lastTransitionTime: '2025-01-01T00:00:00Z',
});
const repo = { kind: 'GitRepository', namespace: 'default', name: 'podinfo' };

/** A sample as getMetricsAsJSON returns it; histogram samples also name their series (_bucket, _sum…). */
interface Sample {
  value: number;
  labels: Record<string, string | number | undefined>;
  metricName?: string;
}

async function valuesOf(metrics: ControllerMetrics, name: string): Promise<Sample[]> {
  // getMetricsAsJSON, unlike a metric's own get(), applies the registry's default labels.
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  return metric.values;
}

describe('ControllerMetrics', () => {
  it('records reconcile durations by kind and result, labelled with the controller', async () => {
    const metrics = new ControllerMetrics({ controller: 'source' });
    metrics.observeReconcile('GitRepository', 'success', 0.2);
    metrics.observeReconcile('GitRepository', 'error', 3);
    const values = await valuesOf(metrics, 'moor_reconcile_duration_seconds');
    const find = (metricName: string, labels: Record<string, string | number>) =>
      values.find(
        (v) =>
          v.metricName === metricName &&
          Object.entries(labels).every(([key, value]) => v.labels[key] === value),
      )?.value;
    const success = { controller: 'source', kind: 'GitRepository', result: 'success' };
    expect(find('moor_reconcile_duration_seconds_count', success)).toBe(1);
    expect(find('moor_reconcile_duration_seconds_bucket', { ...success, le: 0.1 })).toBe(0);
    expect(find('moor_reconcile_duration_seconds_bucket', { ...success, le: 0.25 })).toBe(1);
    expect(find('moor_reconcile_duration_seconds_sum', { kind: 'GitRepository', result: 'error' })).toBe(3);
  });

  it('sets 1 on the current status of each condition, 0 on the others, and drops vanished types', async () => {
    const metrics = new ControllerMetrics();
    metrics.recordConditions(repo, [condition('Ready', 'False'), condition('Reconciling', 'True')]);
    metrics.recordConditions(repo, [condition('Ready', 'True')]);
    const values = await valuesOf(metrics, 'moor_reconcile_condition');
    const series = values.map((v) => `${v.labels.type}=${v.labels.status}:${v.value}`).sort();
    expect(series).toEqual(['Ready=False:0', 'Ready=True:1', 'Ready=Unknown:0']);
    expect(values[0]?.labels).toMatchObject({ kind: 'GitRepository', name: 'podinfo', namespace: 'default' });
  });

  it('deletes every series of a forgotten object and keeps the others', async () => {
    const metrics = new ControllerMetrics();
    const other = { ...repo, name: 'other' };
    metrics.recordConditions(repo, [condition('Ready', 'True')]);
    metrics.recordConditions(other, [condition('Ready', 'True')]);
    metrics.recordSuspended(repo, true);
    metrics.forgetObject(repo);
    const conditions = await valuesOf(metrics, 'moor_reconcile_condition');
    expect(new Set(conditions.map((v) => v.labels.name))).toEqual(new Set(['other']));
    expect(await valuesOf(metrics, 'moor_suspend_status')).toEqual([]);
  });

  it('reads queue depths at scrape time and counts retries', async () => {
    const metrics = new ControllerMetrics();
    let depth = 3;
    metrics.observeQueueDepth('gitrepository', () => depth);
    metrics.countRetry('gitrepository');
    metrics.countRetry('gitrepository');
    expect(await metrics.registry.metrics()).toContain('moor_workqueue_depth{name="gitrepository"} 3');
    depth = 0;
    const text = await metrics.registry.metrics();
    expect(text).toContain('moor_workqueue_depth{name="gitrepository"} 0');
    expect(text).toContain('moor_workqueue_retries_total{name="gitrepository"} 2');
  });

  it('keeps registries of different controllers apart', async () => {
    const a = new ControllerMetrics();
    const b = new ControllerMetrics();
    a.recordSuspended(repo, true);
    expect(await valuesOf(b, 'moor_suspend_status')).toEqual([]);
  });

  it('times a reconcile with the result given at the end', async () => {
    const metrics = new ControllerMetrics();
    const end = metrics.startReconcileTimer('Kustomization');
    expect(end('stalled')).toBeGreaterThanOrEqual(0);
    const values = await valuesOf(metrics, 'moor_reconcile_duration_seconds');
    const count = values.find((v) => v.metricName === 'moor_reconcile_duration_seconds_count');
    expect(count).toMatchObject({ labels: { kind: 'Kustomization', result: 'stalled' }, value: 1 });
  });
});
