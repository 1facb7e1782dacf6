/**
 * Pure functions over status conditions, with kstatus polarity (see @moor/api conditions.ts):
 * Ready is "normal-true" and always present once reconciled; Reconciling and Stalled are
 * "abnormal-true" and present only while they hold, and never both at once.
 *
 * Every function returns a new array and leaves its input alone. `lastTransitionTime` changes only
 * when a condition's status does, so re-asserting a condition does not churn the object.
 */
import { type Condition, ConditionType, Reason } from '@moor/api';
import { toReconcileError } from './errors.js';

export type ConditionStatus = Condition['status'];
type Conditions = readonly Condition[] | undefined;

export interface SetConditionOptions {
  /** The time recorded when the status changes. Default: now. */
  now?: Date;
  /** The object's `metadata.generation` this condition speaks for. */
  observedGeneration?: number;
}

/** metav1.Time has second precision; writing milliseconds would make every read-back differ. */
export function formatConditionTime(time: Date): string {
  return time.toISOString().replace(/\.\d+Z$/, 'Z');
}

export function getCondition(conditions: Conditions, type: string): Condition | undefined {
  return conditions?.find((condition) => condition.type === type);
}

export function isTrue(conditions: Conditions, type: string): boolean {
  return getCondition(conditions, type)?.status === 'True';
}

export function isFalse(conditions: Conditions, type: string): boolean {
  return getCondition(conditions, type)?.status === 'False';
}

/** True when the condition is Unknown or absent. */
export function isUnknown(conditions: Conditions, type: string): boolean {
  const condition = getCondition(conditions, type);
  return condition === undefined || condition.status === 'Unknown';
}

/**
 * Sets a condition, replacing any of the same type in place (new types are appended, so the order
 * is stable across reconciles). `lastTransitionTime` is kept unless the status changed.
 */
export function setCondition(
  conditions: Conditions,
  condition: { type: string; status: ConditionStatus; reason: string; message: string },
  options: SetConditionOptions = {},
): Condition[] {
  const existing = getCondition(conditions, condition.type);
  const next: Condition = {
    type: condition.type,
    status: condition.status,
    ...(options.observedGeneration === undefined ? {} : { observedGeneration: options.observedGeneration }),
    lastTransitionTime:
      existing !== undefined && existing.status === condition.status
        ? existing.lastTransitionTime
        : formatConditionTime(options.now ?? new Date()),
    reason: condition.reason,
    message: condition.message,
  };
  if (existing === undefined) return [...(conditions ?? []), next];
  return (conditions ?? []).map((c) => (c.type === condition.type ? next : c));
}

export function removeCondition(conditions: Conditions, type: string): Condition[] {
  return (conditions ?? []).filter((condition) => condition.type !== type);
}

/** Reconciling=True: work is in progress. Removes Stalled, which it contradicts. */
export function markReconciling(
  conditions: Conditions,
  reason: string,
  message: string,
  options: SetConditionOptions = {},
): Condition[] {
  const withoutStalled = removeCondition(conditions, ConditionType.Stalled);
  return setCondition(
    withoutStalled,
    { type: ConditionType.Reconciling, status: 'True', reason, message },
    options,
  );
}

/** Stalled=True: no progress until the spec changes. Removes Reconciling, which it contradicts. */
export function markStalled(
  conditions: Conditions,
  reason: string,
  message: string,
  options: SetConditionOptions = {},
): Condition[] {
  const withoutReconciling = removeCondition(conditions, ConditionType.Reconciling);
  return setCondition(
    withoutReconciling,
    { type: ConditionType.Stalled, status: 'True', reason, message },
    options,
  );
}

export function markReady(
  conditions: Conditions,
  reason: string,
  message: string,
  options: SetConditionOptions = {},
): Condition[] {
  return setCondition(conditions, { type: ConditionType.Ready, status: 'True', reason, message }, options);
}

export function markNotReady(
  conditions: Conditions,
  reason: string,
  message: string,
  options: SetConditionOptions = {},
): Condition[] {
  return setCondition(conditions, { type: ConditionType.Ready, status: 'False', reason, message }, options);
}

/** The part of an object's status this module owns. */
export interface ReconciledStatus {
  conditions?: readonly Condition[];
  observedGeneration?: number;
}

export type ReconcileOutcome =
  | { ok: true; message: string; reason?: string }
  | { ok: false; error: unknown; secrets?: Iterable<string> };

/**
 * Summarises a reconcile of `generation` into conditions and `observedGeneration`:
 *
 * - success: Ready=True, Reconciling and Stalled removed.
 * - retryable failure: Ready=False with the error's reason, Reconciling=True (ProgressingWithRetry).
 * - stalling failure: Ready=False and Stalled=True with the error's reason, Reconciling removed.
 *
 * `observedGeneration` says "the conditions are the final word on this generation", which is how
 * kstatus tells a finished object from one still in progress. So it is written on success and on a
 * stalling failure (the outcome for this generation is settled: stalled), and left alone on a
 * retryable failure, whose outcome is not known yet. This matches Flux's controllers. Readers that
 * want "last generation that succeeded" should use Ready=True together with it, not it alone.
 */
export function finishReconcile(
  status: ReconciledStatus,
  generation: number,
  outcome: ReconcileOutcome,
  now: Date = new Date(),
): { conditions: Condition[]; observedGeneration?: number } {
  const options = { now, observedGeneration: generation };
  if (outcome.ok) {
    let conditions = removeCondition(status.conditions, ConditionType.Reconciling);
    conditions = removeCondition(conditions, ConditionType.Stalled);
    conditions = markReady(conditions, outcome.reason ?? Reason.Succeeded, outcome.message, options);
    return { conditions, observedGeneration: generation };
  }

  const error = toReconcileError(outcome.error, Reason.Failed, outcome.secrets);
  if (error.stalling) {
    let conditions = markStalled(status.conditions, error.reason, error.message, options);
    conditions = markNotReady(conditions, error.reason, error.message, options);
    return { conditions, observedGeneration: generation };
  }
  let conditions = markReconciling(status.conditions, Reason.ProgressingWithRetry, error.message, options);
  conditions = markNotReady(conditions, error.reason, error.message, options);
  return {
    conditions,
    ...(status.observedGeneration === undefined ? {} : { observedGeneration: status.observedGeneration }),
  };
}
