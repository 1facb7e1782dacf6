// NATS subjects for Moor. A subject token cannot contain '.', but Kubernetes object names can,
// while '_' is not allowed in them: '.' is written as '_' so the mapping is reversible.
import type { ObjectReference } from '@moor/api';

export const SUBJECT_ROOT = 'moor';

export function encodeToken(value: string): string {
  if (value.length === 0) throw new BusSubjectError('an empty subject token');
  if (/[\s*>]/.test(value) || value.includes('_')) {
    throw new BusSubjectError(`"${value}" cannot be a subject token (whitespace, '*', '>' or '_')`);
  }
  return value.replaceAll('.', '_');
}

export function decodeToken(token: string): string {
  return token.replaceAll('_', '.');
}

export class BusSubjectError extends Error {
  override name = 'BusSubjectError';
}

type Channel = 'events' | 'artifacts' | 'history' | 'reconcile';

function objectSubject(channel: Channel, ref: Pick<ObjectReference, 'kind' | 'namespace' | 'name'>): string {
  return [
    SUBJECT_ROOT,
    channel,
    encodeToken(ref.kind),
    encodeToken(ref.namespace),
    encodeToken(ref.name),
  ].join('.');
}

/** moor.events.<kind>.<namespace>.<name> */
export const eventSubject = (ref: Pick<ObjectReference, 'kind' | 'namespace' | 'name'>) =>
  objectSubject('events', ref);
/** moor.artifacts.<kind>.<namespace>.<name> */
export const artifactSubject = (ref: Pick<ObjectReference, 'kind' | 'namespace' | 'name'>) =>
  objectSubject('artifacts', ref);
/** moor.history.<kind>.<namespace>.<name> */
export const historySubject = (ref: Pick<ObjectReference, 'kind' | 'namespace' | 'name'>) =>
  objectSubject('history', ref);
/** moor.reconcile.<kind>.<namespace>.<name> */
export const reconcileSubject = (ref: Pick<ObjectReference, 'kind' | 'namespace' | 'name'>) =>
  objectSubject('reconcile', ref);

/** A wildcard over one channel, optionally narrowed to a kind and namespace. */
export function channelFilter(channel: Channel, kind?: string, namespace?: string): string {
  const parts = [
    SUBJECT_ROOT,
    channel,
    kind ? encodeToken(kind) : '*',
    namespace ? encodeToken(namespace) : '*',
    '*',
  ];
  return parts.join('.');
}

/** The object a per-object subject is about. */
export function parseObjectSubject(subject: string): {
  channel: string;
  kind: string;
  namespace: string;
  name: string;
} {
  const parts = subject.split('.');
  if (parts.length !== 5 || parts[0] !== SUBJECT_ROOT)
    throw new BusSubjectError(`"${subject}" is not a Moor object subject`);
  const [, channel, kind, namespace, name] = parts as [string, string, string, string, string];
  return { channel, kind: decodeToken(kind), namespace: decodeToken(namespace), name: decodeToken(name) };
}
