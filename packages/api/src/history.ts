// Reconcile history: one record per reconcile of a Kustomization, written to JetStream
// (stream MOOR_HISTORY, subject moor.history.Kustomization.<namespace>.<name>) and read by
// `moor history`. The schema is versioned: readers accept every version they know and say
// which one they met otherwise. Summaries of the last records also go to status.history.
//
// v1 fields are only ever added to, never renamed or re-typed; a breaking change is v2.

import type { ObjectReference } from './events.js';

export const HISTORY_SCHEMA_VERSION = 'moor.dev/history/v1';

/** Why the reconcile ran. */
export type ReconcileTrigger =
  | 'NewRevision' // the source has a new artifact
  | 'SpecChange' // the Kustomization's spec changed
  | 'Interval' // the periodic safety net
  | 'Drift' // a managed object changed out of band
  | 'Manual' // reconcile.moor.dev/requestedAt, `moor reconcile`, a Receiver
  | 'DependencyReady'; // a dependsOn became Ready

export type ReconcileResult =
  | 'Succeeded' // applied (or nothing to apply) and healthy
  | 'Failed' // nothing or only part was applied; see errors
  | 'DriftCorrected' // drift found and reverted
  | 'DriftDetected' // drift found and reported only (drift.mode Detect)
  | 'Suspended'; // a suspension began or was in force

export type ChangeAction = 'created' | 'configured' | 'unchanged' | 'deleted';

export interface ObjectChange {
  /** Flux's inventory id: <namespace>_<name>_<group>_<kind>. */
  id: string;
  object: ObjectReference;
  action: ChangeAction;
  /** For configured objects: the field paths whose value changed, e.g. spec.replicas. */
  changedFields?: string[];
}

export interface FieldDrift {
  /** e.g. spec.replicas, spec.template.spec.containers[name=web].image */
  path: string;
  desired: unknown;
  live: unknown;
  /** The field manager that made the change, from managedFields (e.g. kubectl). */
  manager?: string;
}

export interface DriftFinding {
  object: ObjectReference;
  type: 'modified' | 'deleted';
  changes: FieldDrift[];
  /** True when Moor put it back (drift.mode Correct). */
  corrected: boolean;
}

export interface HealthOutcome {
  status: 'Healthy' | 'Unhealthy' | 'Skipped';
  message: string;
}

export interface ReconcileRecord {
  schema: typeof HISTORY_SCHEMA_VERSION;
  /** Unique and sortable by time: <ms since epoch, base36>-<random>. */
  id: string;
  kustomization: { namespace: string; name: string };
  trigger: ReconcileTrigger;
  /** The source revision applied or attempted, e.g. main@sha1:<hex>. */
  revision?: string;
  /** The source artifact's digest, sha256:<hex>. */
  digest?: string;
  /** RFC 3339. */
  startedAt: string;
  durationMs: number;
  result: ReconcileResult;
  changes: ObjectChange[];
  pruned: ObjectChange[];
  drift: DriftFinding[];
  health?: HealthOutcome;
  errors: string[];
  /** Who applied: the controller instance and the identity it applied as. */
  appliedBy: { controller: string; instance?: string; serviceAccount?: string };
  /** Set when the reconcile ran under, or began, a break-glass suspension. */
  suspension?: { reason?: string; until?: string; by?: string };
}

/** Sortable id for a record started at `ms`. */
export function historyRecordId(ms: number, random: string): string {
  return `${ms.toString(36).padStart(9, '0')}-${random}`;
}

/** Counts of a record's change set, as tables and status.history show them. */
export function changeCounts(r: Pick<ReconcileRecord, 'changes' | 'pruned'>): Record<ChangeAction, number> {
  const counts: Record<ChangeAction, number> = {
    created: 0,
    configured: 0,
    unchanged: 0,
    deleted: r.pruned.length,
  };
  for (const c of r.changes) counts[c.action]++;
  return counts;
}
