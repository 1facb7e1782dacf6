// The apply stage of the kustomize controller: built objects in, cluster changed, change set
// out. See manager.ts for the ResourceManager (dry-run, staged server-side apply, prune, wait),
// inventory.ts for the inventory, and @moor/runtime's kstatus for what "healthy" means.
export * from './changeset.js';
export { RawObjectApi, type ResourceInfo } from './client.js';
export { changedPaths, normalizeForDiff, objectChanges } from './diff.js';
export * from './errors.js';
export * from './inventory.js';
export {
  DEFAULT_CLEANUP_MANAGERS,
  type FieldManagerMatch,
  hasApplyEntry,
  type ManagedFieldsEntry,
  managedFieldsOf,
  mergeFieldSets,
  takeOverManagedFields,
} from './managed-fields.js';
export * from './manager.js';
export {
  type ApplyInput,
  apiVersionOfRef,
  formatRef,
  type KubeObject,
  type ObjectRef,
  refOf,
  sameObject,
} from './objects.js';
export { isCrd, isNamespace, STAGE_ORDER, type StageName, splitStages, stageOf } from './stages.js';
