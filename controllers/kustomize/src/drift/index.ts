// Drift detection of the kustomize controller: field ownership from managedFields (fields.ts),
// field-level drift between what we applied and what is live (diff.ts), and the event-driven
// watcher that reports drift made by others within the debounce window (watcher.ts).
export {
  computeDrift,
  DEFAULT_IGNORE_PATHS,
  type DriftChange,
  type DriftOptions,
  type IgnoreRule,
  type IgnoreTarget,
  type ObjectDrift,
  parsePointer,
  quantityValue,
  validateIgnoreRules,
  withoutIgnored,
} from './diff.js';
export * from './errors.js';
export {
  type FieldOwner,
  type FieldPath,
  FieldSet,
  formatPath,
  formatPattern,
  type ListType,
  ManagedFields,
  ownerOf,
  type PathElement,
  parseFieldsElement,
  parseFieldsV1,
  parsePath,
} from './fields.js';
export {
  apiVersionOf,
  formatGvk,
  type GroupVersionKind,
  kubeListWatchFactory,
  kubeObjectListWatch,
  type ListWatchFactory,
  type ObjectListWatchOptions,
  type WatchedObject,
} from './listwatch.js';
export {
  type DriftEvent,
  DriftWatcher,
  type DriftWatcherOptions,
  type TrackedObject,
  type TrackOptions,
  trackedObject,
} from './watcher.js';
