// The one event envelope every Moor controller emits. The same envelope goes to NATS (stream
// MOOR_EVENTS) and, reduced, to a Kubernetes Event. It mirrors Flux's event schema
// (fluxcd/pkg/apis/event), so alert tooling written for Flux reads it unchanged.

export const EVENT_SCHEMA_VERSION = 'moor.dev/event/v1';

export type EventSeverity = 'info' | 'error';

export interface ObjectReference {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid?: string;
}

/** Well-known metadata keys. Values are strings; never secret values. */
export const EventMetadata = {
  /** The source revision the event is about, e.g. main@sha1:<hex>. */
  Revision: 'revision',
  /** The artifact digest, sha256:<hex>. */
  Digest: 'digest',
  /**
   * A de-duplication key: two events with the same key describe the same occurrence
   * (a Kustomization failing the same way on every retry), so alerting sends one message.
   */
  DedupKey: 'dedupKey',
} as const;

export interface MoorEvent {
  schema: typeof EVENT_SCHEMA_VERSION;
  /** Unique per emitted event. */
  id: string;
  involvedObject: ObjectReference;
  severity: EventSeverity;
  /** CamelCase, e.g. NewArtifact, ReconciliationSucceeded, DriftDetected. */
  reason: string;
  message: string;
  metadata: Record<string, string>;
  /** e.g. source-controller. */
  reportingController: string;
  reportingInstance?: string;
  /** RFC 3339. */
  timestamp: string;
}

/** Announced on NATS when a source has a new artifact (stream MOOR_ARTIFACTS, last value per source). */
export interface ArtifactAnnouncement {
  source: ObjectReference;
  revision: string;
  digest: string;
  url: string;
  size: number;
  lastUpdateTime: string;
}

/** Asks a controller to reconcile one object now (a Receiver's webhook, `moor reconcile`). */
export interface ReconcileRequest {
  object: ObjectReference;
  requestedAt: string;
  /** Who asked, for logs and history: e.g. receiver/github-push, cli. */
  requestedBy: string;
}
