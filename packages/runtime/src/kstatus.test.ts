import { describe, expect, it } from 'vitest';
import { computeStatus } from './kstatus.js';

const deployment = (spec: object, status: object, extra: object = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'ns', generation: 2 },
  spec,
  status: { observedGeneration: 2, ...status },
  ...extra,
});

describe('computeStatus', () => {
  it('is NotFound for no object and Unknown for a non-object or a malformed status', () => {
    expect(computeStatus(undefined).status).toBe('NotFound');
    expect(computeStatus(null).status).toBe('NotFound');
    expect(computeStatus('nope').status).toBe('Unknown');
    const malformed = computeStatus(deployment({ replicas: 1 }, { replicas: 'one' }));
    expect(malformed).toEqual({ status: 'Unknown', message: 'status.replicas is not an integer' });
  });

  it('is Terminating when a deletionTimestamp is set, before any other rule', () => {
    const obj = deployment({ replicas: 3 }, {}, {});
    (obj.metadata as Record<string, unknown>).deletionTimestamp = '2024-01-01T00:00:00Z';
    expect(computeStatus(obj).status).toBe('Terminating');
  });

  it('is InProgress while observedGeneration lags behind generation', () => {
    const obj = deployment({ replicas: 1 }, { observedGeneration: 1, replicas: 1, updatedReplicas: 1 });
    expect(computeStatus(obj)).toEqual({
      status: 'InProgress',
      message: 'Generation is 2, but latest observed generation is 1',
    });
  });

  describe('Deployment', () => {
    const full = { replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 };
    it('is Current when all replicas are updated, ready and available', () => {
      expect(computeStatus(deployment({ replicas: 2 }, full)).status).toBe('Current');
    });
    it('defaults spec.replicas to 1', () => {
      expect(computeStatus(deployment({}, { replicas: 0 })).message).toBe('Replicas: 0/1');
    });
    it.each([
      [{ ...full, replicas: 1 }, 'Replicas: 1/2'],
      [{ ...full, updatedReplicas: 1 }, 'Updated: 1/2'],
      [{ ...full, replicas: 3 }, 'Pending termination: 1'],
      [{ ...full, availableReplicas: 1 }, 'Available: 1/2'],
      [{ ...full, readyReplicas: 1 }, 'Ready: 1/2'],
    ])('is InProgress for %j', (status, message) => {
      expect(computeStatus(deployment({ replicas: 2 }, status))).toEqual({ status: 'InProgress', message });
    });
    it('is Failed when the progress deadline is exceeded', () => {
      const obj = deployment(
        { replicas: 1 },
        {
          replicas: 1,
          conditions: [
            { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'too slow' },
          ],
        },
      );
      expect(computeStatus(obj)).toEqual({
        status: 'Failed',
        message: 'Progress deadline exceeded: too slow',
      });
    });
  });

  describe('StatefulSet', () => {
    const sts = (spec: object, status: object) => ({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { generation: 1 },
      spec,
      status,
    });
    const full = {
      observedGeneration: 1,
      replicas: 2,
      readyReplicas: 2,
      currentReplicas: 2,
      updatedReplicas: 2,
      currentRevision: 'r1',
      updateRevision: 'r1',
    };
    it('is Current when all replicas are ready on the current revision', () => {
      expect(computeStatus(sts({ replicas: 2 }, full)).status).toBe('Current');
    });
    it('is InProgress before its status is observed, with too few ready, or mid-rollout', () => {
      expect(computeStatus(sts({ replicas: 2 }, {})).status).toBe('InProgress');
      expect(computeStatus(sts({ replicas: 2 }, { ...full, readyReplicas: 1 })).message).toBe('Ready: 1/2');
      expect(computeStatus(sts({ replicas: 2 }, { ...full, updateRevision: 'r2' })).status).toBe(
        'InProgress',
      );
    });
    it('honours a partitioned rolling update', () => {
      const spec = {
        replicas: 3,
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } },
      };
      const status = { ...full, replicas: 3, readyReplicas: 3, updateRevision: 'r2' };
      expect(computeStatus(sts(spec, { ...status, updatedReplicas: 0 })).status).toBe('InProgress');
      expect(computeStatus(sts(spec, { ...status, updatedReplicas: 1 })).status).toBe('Current');
    });
  });

  describe('DaemonSet', () => {
    const ds = (status: object) => ({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: {}, status });
    const full = {
      observedGeneration: 1,
      desiredNumberScheduled: 3,
      currentNumberScheduled: 3,
      updatedNumberScheduled: 3,
      numberAvailable: 3,
      numberReady: 3,
    };
    it('is Current when every desired pod is scheduled, updated, available and ready', () => {
      expect(computeStatus(ds(full)).status).toBe('Current');
    });
    it('is InProgress otherwise', () => {
      expect(computeStatus(ds({})).status).toBe('InProgress');
      expect(computeStatus(ds({ ...full, numberAvailable: 2 })).message).toBe('Available: 2/3');
      expect(computeStatus(ds({ ...full, updatedNumberScheduled: 1 })).message).toBe('Updated: 1/3');
    });
  });

  describe('ReplicaSet', () => {
    const rs = (status: object) => ({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      spec: { replicas: 2 },
      status,
    });
    const full = { replicas: 2, fullyLabeledReplicas: 2, availableReplicas: 2, readyReplicas: 2 };
    it('is Current when all replicas are available and ready', () => {
      expect(computeStatus(rs(full)).status).toBe('Current');
    });
    it('is InProgress on a replica failure or missing replicas', () => {
      const failure = { type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'quota' };
      expect(computeStatus(rs({ ...full, conditions: [failure] }))).toEqual({
        status: 'InProgress',
        message: 'Replica failure: quota',
      });
      expect(computeStatus(rs({ ...full, readyReplicas: 0 })).message).toBe('Ready: 0/2');
    });
  });

  describe('Job', () => {
    const job = (status: object) => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      spec: { completions: 1 },
      status,
    });
    it('is Current when complete, Failed when failed, InProgress otherwise', () => {
      expect(
        computeStatus(job({ succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] })),
      ).toEqual({
        status: 'Current',
        message: 'Job Completed. succeeded: 1/1',
      });
      expect(
        computeStatus(
          job({ failed: 6, conditions: [{ type: 'Failed', status: 'True', message: 'BackoffLimit' }] }),
        ),
      ).toEqual({ status: 'Failed', message: 'Job Failed. failed: 6/1: BackoffLimit' });
      expect(computeStatus(job({})).message).toBe('Job not started');
      expect(computeStatus(job({ startTime: '2024-01-01T00:00:00Z', active: 1 })).status).toBe('InProgress');
    });
  });

  describe('Pod', () => {
    const pod = (status: object) => ({ apiVersion: 'v1', kind: 'Pod', status });
    it('follows the phase and the Ready condition', () => {
      expect(computeStatus(pod({ phase: 'Succeeded' })).status).toBe('Current');
      expect(computeStatus(pod({ phase: 'Failed' })).status).toBe('Failed');
      expect(
        computeStatus(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] })).status,
      ).toBe('Current');
      expect(computeStatus(pod({ phase: 'Running' })).status).toBe('InProgress');
    });
    it('is Failed in CrashLoopBackOff and InProgress when unschedulable', () => {
      const crash = pod({
        phase: 'Running',
        containerStatuses: [{ name: 'app', state: { waiting: { reason: 'CrashLoopBackOff' } } }],
      });
      expect(computeStatus(crash)).toEqual({
        status: 'Failed',
        message: 'Container app is in CrashLoopBackOff',
      });
      const unschedulable = pod({
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'no nodes' }],
      });
      expect(computeStatus(unschedulable)).toEqual({
        status: 'InProgress',
        message: 'Pod could not be scheduled: no nodes',
      });
    });
  });

  it('PersistentVolumeClaim is Current only when Bound', () => {
    const pvc = (phase: string) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', status: { phase } });
    expect(computeStatus(pvc('Bound')).status).toBe('Current');
    expect(computeStatus(pvc('Pending'))).toEqual({
      status: 'InProgress',
      message: 'PVC is not Bound. phase: Pending',
    });
  });

  it('Service is Current unless a LoadBalancer without ingress', () => {
    const svc = (spec: object, status: object = {}) => ({ apiVersion: 'v1', kind: 'Service', spec, status });
    expect(computeStatus(svc({ type: 'ClusterIP', clusterIP: '10.0.0.1' })).status).toBe('Current');
    expect(computeStatus(svc({ type: 'LoadBalancer', clusterIP: '10.0.0.1' })).status).toBe('InProgress');
    expect(
      computeStatus(
        svc(
          { type: 'LoadBalancer', clusterIP: '10.0.0.1' },
          { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } },
        ),
      ).status,
    ).toBe('Current');
  });

  it('CustomResourceDefinition is Current when Established, Failed when its names are rejected', () => {
    const crd = (conditions: object[]) => ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      status: { conditions },
    });
    expect(computeStatus(crd([{ type: 'Established', status: 'True' }])).status).toBe('Current');
    expect(computeStatus(crd([])).status).toBe('InProgress');
    expect(computeStatus(crd([{ type: 'NamesAccepted', status: 'False', message: 'taken' }]))).toEqual({
      status: 'Failed',
      message: 'CRD names not accepted: taken',
    });
  });

  it('kinds without status are Current once they exist; a terminating Namespace is Terminating', () => {
    for (const [apiVersion, kind] of [
      ['v1', 'ConfigMap'],
      ['v1', 'Secret'],
      ['rbac.authorization.k8s.io/v1', 'ClusterRole'],
      ['v1', 'ServiceAccount'],
    ]) {
      expect(computeStatus({ apiVersion, kind, metadata: { name: 'x' } }).status).toBe('Current');
    }
    expect(computeStatus({ apiVersion: 'v1', kind: 'Namespace', status: { phase: 'Active' } }).status).toBe(
      'Current',
    );
    expect(
      computeStatus({ apiVersion: 'v1', kind: 'Namespace', status: { phase: 'Terminating' } }).status,
    ).toBe('Terminating');
  });

  describe('custom resources with standard conditions', () => {
    const cr = (conditions: object[], generation = 1, observedGeneration = 1) => ({
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { generation },
      status: { observedGeneration, conditions },
    });
    it('Stalled=True is Failed, Reconciling=True is InProgress, Ready decides otherwise', () => {
      expect(computeStatus(cr([{ type: 'Stalled', status: 'True', message: 'bad spec' }]))).toEqual({
        status: 'Failed',
        message: 'bad spec',
      });
      expect(computeStatus(cr([{ type: 'Reconciling', status: 'True', reason: 'Progressing' }]))).toEqual({
        status: 'InProgress',
        message: 'Progressing',
      });
      expect(computeStatus(cr([{ type: 'Ready', status: 'False', reason: 'NotYet' }])).status).toBe(
        'InProgress',
      );
      expect(computeStatus(cr([{ type: 'Ready', status: 'Unknown' }])).status).toBe('InProgress');
      expect(computeStatus(cr([{ type: 'Ready', status: 'True' }])).status).toBe('Current');
      expect(computeStatus(cr([])).status).toBe('Current');
    });
    it('Stalled=False and Reconciling=False do not count against the object', () => {
      const conditions = [
        { type: 'Stalled', status: 'False' },
        { type: 'Reconciling', status: 'False' },
        { type: 'Ready', status: 'True' },
      ];
      expect(computeStatus(cr(conditions)).status).toBe('Current');
    });
    it('an unobserved generation wins over Ready=True', () => {
      expect(computeStatus(cr([{ type: 'Ready', status: 'True' }], 3, 2)).status).toBe('InProgress');
    });
  });
});
