/**
 * The one definition of "healthy", compatible with kubernetes-sigs/cli-utils pkg/kstatus: every
 * object maps to one of six statuses, from its own fields alone (no further API calls).
 *
 *   Current      the object has reached its desired state (Deployment rolled out, CRD
 *                established, Job complete, or simply exists for kinds without a status)
 *   InProgress   the controllers are still working on it; waiting may help
 *   Failed       it will not get there without a change (deadline exceeded, Job failed,
 *                Stalled=True)
 *   Terminating  it has a deletionTimestamp
 *   NotFound     there is no object (computeStatus(undefined))
 *   Unknown      the object is malformed (a status field of the wrong type)
 *
 * Rules, in order: Terminating; a `status.observedGeneration` behind `metadata.generation` is
 * InProgress; then the built-in kind's rule (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
 * Pod, PersistentVolumeClaim, Service, CustomResourceDefinition, Namespace); for every other kind
 * the standard conditions with kstatus polarity: Stalled=True is Failed, Reconciling=True is
 * InProgress, Ready=False/Unknown is InProgress, otherwise Current. Objects without conditions
 * (ConfigMap, Secret, RBAC...) are Current once they exist.
 *
 * Deviation from cli-utils: a started, unfinished Job is InProgress (cli-utils says Current);
 * a GitOps apply that waits for a Job wants it to have completed.
 */

export type KStatus = 'InProgress' | 'Current' | 'Failed' | 'Terminating' | 'NotFound' | 'Unknown';

export interface StatusResult {
  status: KStatus;
  /** For people: why the object has this status. */
  message: string;
}

/** A field of the wrong type: the object cannot be judged. */
class MalformedObject extends Error {
  override name = 'MalformedObject';
}

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (!isObj(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

function int(obj: unknown, path: string, fallback: number): number {
  const v = field(obj, path);
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new MalformedObject(`${path} is not an integer`);
  return v;
}

function optInt(obj: unknown, path: string): number | undefined {
  const v = field(obj, path);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new MalformedObject(`${path} is not an integer`);
  return v;
}

function str(obj: unknown, path: string): string | undefined {
  const v = field(obj, path);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new MalformedObject(`${path} is not a string`);
  return v;
}

interface Cond {
  type: string;
  status: string;
  reason: string;
  message: string;
}

function conditions(obj: unknown): Cond[] {
  const raw = field(obj, 'status.conditions');
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new MalformedObject('status.conditions is not a list');
  const out: Cond[] = [];
  for (const c of raw) {
    if (!isObj(c) || typeof c.type !== 'string') continue;
    out.push({
      type: c.type,
      status: typeof c.status === 'string' ? c.status : 'Unknown',
      reason: typeof c.reason === 'string' ? c.reason : '',
      message: typeof c.message === 'string' ? c.message : '',
    });
  }
  return out;
}

const cond = (obj: unknown, type: string): Cond | undefined => conditions(obj).find((c) => c.type === type);

const current = (message: string): StatusResult => ({ status: 'Current', message });
const inProgress = (message: string): StatusResult => ({ status: 'InProgress', message });
const failed = (message: string): StatusResult => ({ status: 'Failed', message });

function groupOf(apiVersion: unknown): string {
  if (typeof apiVersion !== 'string') return '';
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

function deploymentStatus(obj: unknown): StatusResult {
  const progressing = cond(obj, 'Progressing');
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    return failed(`Progress deadline exceeded${progressing.message ? `: ${progressing.message}` : ''}`);
  }
  const spec = int(obj, 'spec.replicas', 1);
  const replicas = int(obj, 'status.replicas', 0);
  const updated = int(obj, 'status.updatedReplicas', 0);
  const ready = int(obj, 'status.readyReplicas', 0);
  const available = int(obj, 'status.availableReplicas', 0);
  if (spec > replicas) return inProgress(`Replicas: ${replicas}/${spec}`);
  if (updated < spec) return inProgress(`Updated: ${updated}/${spec}`);
  if (replicas > updated) return inProgress(`Pending termination: ${replicas - updated}`);
  if (available < updated) return inProgress(`Available: ${available}/${updated}`);
  if (ready < spec) return inProgress(`Ready: ${ready}/${spec}`);
  const available_ = cond(obj, 'Available');
  if (available_ && available_.status !== 'True') return inProgress('Deployment not Available');
  return current(`Deployment is available. Replicas: ${replicas}`);
}

function statefulSetStatus(obj: unknown): StatusResult {
  if (optInt(obj, 'status.observedGeneration') === undefined) {
    return inProgress('StatefulSet status not yet observed');
  }
  const spec = int(obj, 'spec.replicas', 1);
  const replicas = int(obj, 'status.replicas', 0);
  const ready = int(obj, 'status.readyReplicas', 0);
  const currentReplicas = int(obj, 'status.currentReplicas', 0);
  const updated = int(obj, 'status.updatedReplicas', 0);
  if (spec > replicas) return inProgress(`Replicas: ${replicas}/${spec}`);
  if (ready < spec) return inProgress(`Ready: ${ready}/${spec}`);
  if (str(obj, 'spec.updateStrategy.type') === 'OnDelete') {
    return current(`StatefulSet with OnDelete update strategy: ${ready} ready`);
  }
  const partition = int(obj, 'spec.updateStrategy.rollingUpdate.partition', 0);
  if (partition > 0) {
    const expected = Math.max(spec - partition, 0);
    if (updated < expected) return inProgress(`Partitioned rollout: ${updated}/${expected} updated`);
    return current(`Partitioned rollout complete: ${updated} updated`);
  }
  const currentRevision = str(obj, 'status.currentRevision');
  const updateRevision = str(obj, 'status.updateRevision');
  if (currentRevision !== updateRevision) {
    return inProgress(`Waiting for the rollout to finish: ${updated}/${spec} updated`);
  }
  if (currentReplicas < spec) return inProgress(`Current: ${currentReplicas}/${spec}`);
  return current(`All replicas scheduled as expected. Replicas: ${replicas}`);
}

function daemonSetStatus(obj: unknown): StatusResult {
  if (optInt(obj, 'status.observedGeneration') === undefined) {
    return inProgress('DaemonSet status not yet observed');
  }
  const desired = int(obj, 'status.desiredNumberScheduled', -1);
  if (desired === -1) return inProgress('Missing .status.desiredNumberScheduled');
  const scheduled = int(obj, 'status.currentNumberScheduled', 0);
  const updated = int(obj, 'status.updatedNumberScheduled', 0);
  const available = int(obj, 'status.numberAvailable', 0);
  const ready = int(obj, 'status.numberReady', 0);
  if (desired > scheduled) return inProgress(`Current: ${scheduled}/${desired}`);
  if (desired > updated) return inProgress(`Updated: ${updated}/${desired}`);
  if (desired > available) return inProgress(`Available: ${available}/${desired}`);
  if (desired > ready) return inProgress(`Ready: ${ready}/${desired}`);
  return current(`All replicas scheduled as expected. Replicas: ${desired}`);
}

function replicaSetStatus(obj: unknown): StatusResult {
  const failure = cond(obj, 'ReplicaFailure');
  if (failure?.status === 'True') return inProgress(`Replica failure: ${failure.message || failure.reason}`);
  const spec = int(obj, 'spec.replicas', 1);
  const replicas = int(obj, 'status.replicas', 0);
  const labelled = int(obj, 'status.fullyLabeledReplicas', 0);
  const available = int(obj, 'status.availableReplicas', 0);
  const ready = int(obj, 'status.readyReplicas', 0);
  if (spec > labelled) return inProgress(`Labelled: ${labelled}/${spec}`);
  if (spec > available) return inProgress(`Available: ${available}/${spec}`);
  if (spec > ready) return inProgress(`Ready: ${ready}/${spec}`);
  if (replicas > spec) return inProgress(`Pending termination: ${replicas - spec}`);
  return current(`ReplicaSet is available. Replicas: ${replicas}`);
}

function jobStatus(obj: unknown): StatusResult {
  const parallelism = int(obj, 'spec.parallelism', 1);
  const completions = int(obj, 'spec.completions', parallelism);
  const succeeded = int(obj, 'status.succeeded', 0);
  const active = int(obj, 'status.active', 0);
  const failedPods = int(obj, 'status.failed', 0);
  const complete = cond(obj, 'Complete');
  if (complete?.status === 'True') return current(`Job Completed. succeeded: ${succeeded}/${completions}`);
  const fail = cond(obj, 'Failed');
  if (fail?.status === 'True') {
    return failed(
      `Job Failed. failed: ${failedPods}/${completions}${fail.message ? `: ${fail.message}` : ''}`,
    );
  }
  if (str(obj, 'status.startTime') === undefined) return inProgress('Job not started');
  return inProgress(`Job in progress. success: ${succeeded}, active: ${active}, failed: ${failedPods}`);
}

function podStatus(obj: unknown): StatusResult {
  const phase = str(obj, 'status.phase') ?? '';
  switch (phase) {
    case 'Succeeded':
      return current('Pod has completed successfully');
    case 'Failed':
      return failed('Pod has completed, but not successfully');
    case 'Running': {
      if (cond(obj, 'Ready')?.status === 'True') return current('Pod is Ready');
      const crashing = waitingReason(obj, 'CrashLoopBackOff');
      if (crashing) return failed(`Container ${crashing} is in CrashLoopBackOff`);
      return inProgress('Pod is running but is not Ready');
    }
    case 'Pending': {
      const scheduled = cond(obj, 'PodScheduled');
      if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
        return inProgress(`Pod could not be scheduled${scheduled.message ? `: ${scheduled.message}` : ''}`);
      }
      for (const reason of ['ImagePullBackOff', 'ErrImagePull', 'CreateContainerConfigError']) {
        const container = waitingReason(obj, reason);
        if (container) return inProgress(`Container ${container}: ${reason}`);
      }
      return inProgress('Pod is in the Pending phase');
    }
    default:
      return inProgress(phase ? `Pod is in the ${phase} phase` : 'Pod phase not available');
  }
}

/** The name of a container waiting with `reason`, if any. */
function waitingReason(obj: unknown, reason: string): string | undefined {
  for (const list of ['status.initContainerStatuses', 'status.containerStatuses']) {
    const statuses = field(obj, list);
    if (!Array.isArray(statuses)) continue;
    for (const s of statuses) {
      if (field(s, 'state.waiting.reason') === reason) {
        const name = field(s, 'name');
        return typeof name === 'string' ? name : '<unnamed>';
      }
    }
  }
  return undefined;
}

function pvcStatus(obj: unknown): StatusResult {
  const phase = str(obj, 'status.phase');
  if (phase === 'Bound') return current('PVC is Bound');
  return inProgress(`PVC is not Bound. phase: ${phase ?? '<none>'}`);
}

function serviceStatus(obj: unknown): StatusResult {
  if (str(obj, 'spec.type') !== 'LoadBalancer') return current('Service is ready');
  if (!str(obj, 'spec.clusterIP')) return inProgress('ClusterIP not set');
  const ingress = field(obj, 'status.loadBalancer.ingress');
  if (!Array.isArray(ingress) || ingress.length === 0)
    return inProgress('No ingress for the LoadBalancer yet');
  return current('Service is ready');
}

function crdStatus(obj: unknown): StatusResult {
  const names = cond(obj, 'NamesAccepted');
  if (names?.status === 'False') return failed(`CRD names not accepted: ${names.message || names.reason}`);
  if (cond(obj, 'Established')?.status === 'True') return current('CRD is established');
  return inProgress('CRD is not established');
}

function namespaceStatus(obj: unknown): StatusResult {
  const phase = str(obj, 'status.phase');
  if (phase === 'Terminating') return { status: 'Terminating', message: 'Namespace is terminating' };
  return current(phase ? `Namespace is ${phase}` : 'Namespace exists');
}

/** Ready/Stalled/Reconciling with kstatus polarity, for any kind without its own rule. */
function genericStatus(obj: unknown): StatusResult {
  const all = conditions(obj);
  const stalled = all.find((c) => c.type === 'Stalled');
  if (stalled?.status === 'True') return failed(stalled.message || stalled.reason || 'Stalled');
  const reconciling = all.find((c) => c.type === 'Reconciling');
  if (reconciling?.status === 'True')
    return inProgress(reconciling.message || reconciling.reason || 'Reconciling');
  const ready = all.find((c) => c.type === 'Ready');
  if (ready) {
    if (ready.status === 'True') return current(ready.message || 'Resource is Ready');
    return inProgress(ready.message || ready.reason || `Ready is ${ready.status}`);
  }
  return current('Resource is current');
}

const BUILT_IN: Record<string, (obj: unknown) => StatusResult> = {
  'apps/Deployment': deploymentStatus,
  'apps/StatefulSet': statefulSetStatus,
  'apps/DaemonSet': daemonSetStatus,
  'apps/ReplicaSet': replicaSetStatus,
  'batch/Job': jobStatus,
  '/Pod': podStatus,
  '/PersistentVolumeClaim': pvcStatus,
  '/Service': serviceStatus,
  '/Namespace': namespaceStatus,
  'apiextensions.k8s.io/CustomResourceDefinition': crdStatus,
};

/**
 * The kstatus status of an object as read from the API server; `undefined`/`null` (the object
 * does not exist) is NotFound. Never throws.
 */
export function computeStatus(object: unknown): StatusResult {
  if (object === undefined || object === null) return { status: 'NotFound', message: 'Resource not found' };
  if (!isObj(object)) return { status: 'Unknown', message: 'Not a Kubernetes object' };
  try {
    if (field(object, 'metadata.deletionTimestamp')) {
      return { status: 'Terminating', message: 'Resource scheduled for deletion' };
    }
    const generation = optInt(object, 'metadata.generation');
    const observed = optInt(object, 'status.observedGeneration');
    if (generation !== undefined && observed !== undefined && observed !== generation) {
      return inProgress(`Generation is ${generation}, but latest observed generation is ${observed}`);
    }
    const kind = typeof object.kind === 'string' ? object.kind : '';
    const rule = BUILT_IN[`${groupOf(object.apiVersion)}/${kind}`];
    return rule ? rule(object) : genericStatus(object);
  } catch (err) {
    if (err instanceof MalformedObject) return { status: 'Unknown', message: err.message };
    throw err;
  }
}
