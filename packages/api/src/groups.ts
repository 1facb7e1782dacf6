/** Moor's API groups. Field names follow Flux's v1 APIs; only the group differs. */
export const SOURCE_GROUP = 'source.moor.dev';
export const KUSTOMIZE_GROUP = 'kustomize.moor.dev';
export const NOTIFICATION_GROUP = 'notification.moor.dev';
export const API_VERSION = 'v1';

/** The annotation that requests an immediate reconcile; its value is echoed in status.lastHandledReconcileAt. */
export const RECONCILE_REQUESTED_AT_ANNOTATION = 'reconcile.moor.dev/requestedAt';
