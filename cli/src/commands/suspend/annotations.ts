// The break-glass suspension annotations. The kustomize controller reads them (records them in
// status.suspension and history, and lifts the suspension at suspend-until); the source
// controller has no expiry, so a GitRepository keeps only the reason and who suspended it.
import { GitRepositoryKind, type MoorKind } from '../../kinds.js';

export const SUSPEND_REASON = 'kustomize.moor.dev/suspend-reason';
export const SUSPEND_UNTIL = 'kustomize.moor.dev/suspend-until';
export const SUSPENDED_BY = 'kustomize.moor.dev/suspended-by';
export const SOURCE_SUSPEND_REASON = 'source.moor.dev/suspend-reason';
export const SOURCE_SUSPENDED_BY = 'source.moor.dev/suspended-by';

export function suspendKeys(kind: MoorKind): { reason: string; by: string; until?: string } {
  return kind === GitRepositoryKind
    ? { reason: SOURCE_SUSPEND_REASON, by: SOURCE_SUSPENDED_BY }
    : { reason: SUSPEND_REASON, by: SUSPENDED_BY, until: SUSPEND_UNTIL };
}

/** The merge patch that suspends: spec.suspend and the annotations (null removes a stale one). */
export function suspendPatch(
  kind: MoorKind,
  opts: { reason?: string; until?: string; by: string },
): { spec: { suspend: true }; metadata: { annotations: Record<string, string | null> } } {
  const keys = suspendKeys(kind);
  return {
    spec: { suspend: true },
    metadata: {
      annotations: {
        [keys.reason]: opts.reason ?? null,
        [keys.by]: opts.by,
        ...(keys.until ? { [keys.until]: opts.until ?? null } : {}),
      },
    },
  };
}

export function resumePatch(kind: MoorKind): {
  spec: { suspend: false };
  metadata: { annotations: Record<string, null> };
} {
  const keys = suspendKeys(kind);
  return {
    spec: { suspend: false },
    metadata: {
      annotations: { [keys.reason]: null, [keys.by]: null, ...(keys.until ? { [keys.until]: null } : {}) },
    },
  };
}
