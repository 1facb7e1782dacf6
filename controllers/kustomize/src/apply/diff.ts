// What changed between two versions of an object, as field paths: @moor/runtime's object-diff,
// shared with `moor diff`. Fields the API server maintains (status, resourceVersion,
// managedFields...) are ignored, so an object whose dry-run apply shows no path is unchanged.
import { changedPaths, normalizeForDiff } from '@moor/runtime';
import type { KubeObject } from './objects.js';

export { changedPaths, normalizeForDiff };

/** The changed paths between two versions of one object, ignoring server-maintained fields. */
export function objectChanges(before: KubeObject, after: KubeObject): string[] {
  return changedPaths(normalizeForDiff(before), normalizeForDiff(after));
}
