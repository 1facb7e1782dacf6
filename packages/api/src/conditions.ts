// One condition vocabulary for every Moor controller, kstatus-compatible (the same shape
// and polarity as Flux's fluxcd/pkg/apis/meta):
//   Ready        True when the last reconcile succeeded for the current generation ("normal-true").
//   Reconciling  True while work is in progress ("abnormal-true": present only while it holds).
//   Stalled      True when the controller cannot make progress without a change to the spec
//                or the world ("abnormal-true").
//   Healthy      True when the applied objects passed their health checks.

/** A status condition, as in metav1.Condition. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  /** The generation of the object when this condition was set. */
  observedGeneration?: number;
  /** RFC 3339 time of the last change of status. */
  lastTransitionTime: string;
  /** CamelCase, machine-readable. */
  reason: string;
  /** For people; never contains secret values. */
  message: string;
}

export const ConditionType = {
  Ready: 'Ready',
  Reconciling: 'Reconciling',
  Stalled: 'Stalled',
  Healthy: 'Healthy',
  ArtifactInStorage: 'ArtifactInStorage',
  FetchFailed: 'FetchFailed',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

/** Reasons shared across controllers; each controller adds its own, specific ones. */
export const Reason = {
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Progressing: 'Progressing',
  ProgressingWithRetry: 'ProgressingWithRetry',
  Suspended: 'Suspended',
  DependencyNotReady: 'DependencyNotReady',
  InvalidSpec: 'InvalidSpec',
  HealthCheckFailed: 'HealthCheckFailed',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];
