// What an apply or prune did, object by object, and the events reported while it runs
// (cli-utils' apply event stream, fluxcd/pkg ssa's change set).
import type { ObjectRef } from './objects.js';
import type { StageName } from './stages.js';

export type ChangeAction = 'created' | 'configured' | 'unchanged' | 'deleted' | 'skipped';

export interface ChangeSetEntry {
  ref: ObjectRef;
  action: ChangeAction;
  /** For `configured`: the JSON paths whose values changed (or were added or removed). */
  changedFields?: string[];
  /** For `created`: the object existed and was deleted first (an immutable field changed). */
  recreated?: boolean;
  /** For `skipped`: why nothing was done. */
  reason?: string;
  /** The file the object came from. */
  file?: string;
}

/** kstatus of one object as seen by a wait. */
export type ObjectStatus = 'InProgress' | 'Current' | 'Failed' | 'Terminating' | 'NotFound' | 'Unknown';

/** computeStatus from @moor/runtime's kstatus, or any function with its contract. */
export type StatusFunction = (object: unknown) => { status: ObjectStatus; message: string };

export interface WaitResult {
  ref: ObjectRef;
  status: ObjectStatus;
  message: string;
}

export type ApplyEvent =
  | { type: 'StageStarted'; stage: StageName; refs: ObjectRef[] }
  | { type: 'ObjectApplied'; stage: StageName; entry: ChangeSetEntry }
  | { type: 'ObjectRecreating'; stage: StageName; ref: ObjectRef; reason: string }
  | { type: 'ObjectFailed'; stage: StageName; ref: ObjectRef; error: Error }
  | { type: 'StageWaiting'; stage: StageName; refs: ObjectRef[] }
  | { type: 'StageCompleted'; stage: StageName; entries: ChangeSetEntry[] }
  | { type: 'WaitProgress'; results: WaitResult[] }
  | { type: 'ObjectPruned'; entry: ChangeSetEntry }
  | { type: 'PruneSkipped'; entry: ChangeSetEntry };

export type ApplyEventListener = (event: ApplyEvent) => void;
