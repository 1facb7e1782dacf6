// What an event says, in words people read: the headline, the facts, the drift. Every
// renderer (Slack, Teams, Discord, GitHub) formats the same EventDescription, so they agree.

import type { DriftFinding, FieldDrift, MoorEvent, ObjectReference } from '@moor/api';

/** The tone of a message: its colour and its emoji. */
export type Tone = 'success' | 'warning' | 'error' | 'info';

export interface RevisionInfo {
  /** As the event carries it, e.g. main@sha1:<hex>. */
  raw: string;
  /** The branch, tag or other ref name, without refs/heads/, when the revision names one. */
  ref?: string;
  /** The hash algorithm, e.g. sha1 (a Git commit) or sha256 (an OCI digest). */
  algorithm?: string;
  /** The full hash, lower-case hex. */
  hash?: string;
  /** For people: main@a1b2c3d, or the raw text when it has no recognisable hash. */
  display: string;
}

export interface DriftLine {
  /** e.g. Deployment/default/web */
  object: string;
  /** e.g. `spec.replicas: 2 → 9`, or `deleted` for a deleted object. */
  change: string;
  /** The field manager that made the change, e.g. kubectl. */
  manager?: string;
}

export interface DriftDescription {
  findings: DriftFinding[];
  /** One line per changed field (deleted objects: one line each), in the order reported. */
  lines: DriftLine[];
  /** Objects Moor put back, of `findings.length`. */
  correctedCount: number;
  /** "Corrected by Moor", "Not corrected (drift.mode Detect)", or a partial count. */
  correction: string;
}

export interface EventDescription {
  tone: Tone;
  emoji: string;
  /** The headline without the emoji, e.g. "Drift corrected on default/shop". */
  headline: string;
  /** Kind/namespace/name, e.g. Kustomization/default/shop. */
  object: string;
  revision?: RevisionInfo;
  reason: string;
  /** The event message, trimmed. */
  message: string;
  /** Present when the event carries drift findings in metadata.drift. */
  drift?: DriftDescription;
  controller: string;
  timestamp: string;
  historyId?: string;
}

/** Kind/namespace/name, or Kind/name for a cluster-scoped object. */
export function objectPath(o: Pick<ObjectReference, 'kind' | 'namespace' | 'name'>): string {
  return `${o.kind}/${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}

function nsName(o: Pick<ObjectReference, 'namespace' | 'name'>): string {
  return o.namespace ? `${o.namespace}/${o.name}` : o.name;
}

const HASH = /^(?:(?<ref>.+)@)?(?<alg>sha1|sha256|blake3):(?<hash>[0-9a-f]+)$/i;
/** Flux v1's <branch>/<sha1>, still written by some tools. */
const LEGACY = /^(?<ref>.+)\/(?<hash>[0-9a-f]{40})$/i;

/** Splits a source revision (main@sha1:<hex>, sha1:<hex>, latest@sha256:<hex>, main/<hex>). */
export function parseRevision(raw: string): RevisionInfo {
  const m = HASH.exec(raw) ?? LEGACY.exec(raw);
  if (!m?.groups) return { raw, display: raw };
  const hash = (m.groups.hash as string).toLowerCase();
  const algorithm = (m.groups.alg ?? 'sha1').toLowerCase();
  const ref = m.groups.ref?.replace(/^refs\/(?:heads|tags)\//, '');
  // A Git commit is known by its first 7 hex digits; a digest is not a commit, so say which.
  const short = algorithm === 'sha1' ? hash.slice(0, 7) : `${algorithm}:${hash.slice(0, 12)}`;
  return {
    raw,
    ...(ref ? { ref } : {}),
    algorithm,
    hash,
    display: ref ? `${ref}@${short}` : short,
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** metadata.drift as DriftFinding[], or undefined when absent or not in that shape. */
export function parseDrift(json: string | undefined): DriftFinding[] | undefined {
  if (!json) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  const findings: DriftFinding[] = [];
  for (const f of value) {
    if (!isRecord(f) || !isRecord(f.object)) return undefined;
    const o = f.object;
    if (typeof o.kind !== 'string' || typeof o.name !== 'string') return undefined;
    const changes: FieldDrift[] = [];
    for (const c of Array.isArray(f.changes) ? f.changes : []) {
      if (!isRecord(c) || typeof c.path !== 'string') continue;
      changes.push({
        path: c.path,
        desired: c.desired,
        live: c.live,
        ...(typeof c.manager === 'string' && c.manager ? { manager: c.manager } : {}),
      });
    }
    findings.push({
      object: {
        apiVersion: typeof o.apiVersion === 'string' ? o.apiVersion : '',
        kind: o.kind,
        namespace: typeof o.namespace === 'string' ? o.namespace : '',
        name: o.name,
      },
      type: f.type === 'deleted' ? 'deleted' : 'modified',
      changes,
      corrected: f.corrected === true,
    });
  }
  return findings;
}

/** Shortens `text` to at most `max` characters, marking the cut with "…". */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return text.slice(0, max);
  // Do not split a surrogate pair.
  let end = max - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** A field value as people read it: strings bare, the rest as JSON, long values cut. */
export function showValue(v: unknown): string {
  if (v === undefined) return '(absent)';
  const text =
    typeof v === 'string' && v !== '' && v.trim() === v && !v.includes('\n') ? v : JSON.stringify(v);
  return truncate(text ?? String(v), 80);
}

function describeDrift(findings: DriftFinding[], reason: string): DriftDescription {
  const lines: DriftLine[] = [];
  for (const f of findings) {
    const object = objectPath(f.object);
    if (f.type === 'deleted') {
      lines.push({ object, change: 'deleted' });
      continue;
    }
    if (f.changes.length === 0) lines.push({ object, change: 'modified' });
    for (const c of f.changes) {
      lines.push({
        object,
        change: `${c.path}: ${showValue(c.desired)} → ${showValue(c.live)}`,
        ...(c.manager ? { manager: c.manager } : {}),
      });
    }
  }
  // The findings say per object; when they are empty, the reason still tells.
  const correctedCount =
    findings.length > 0 ? findings.filter((f) => f.corrected).length : reason === 'DriftCorrected' ? 1 : 0;
  const total = Math.max(findings.length, 1);
  const correction =
    correctedCount >= total
      ? 'Corrected by Moor'
      : correctedCount === 0
        ? 'Not corrected (drift.mode Detect)'
        : `Corrected by Moor for ${correctedCount} of ${total} objects; the rest not corrected`;
  return { findings, lines, correctedCount, correction };
}

/** "GitOperationFailed" → "Git operation failed". */
export function humanizeReason(reason: string): string {
  const words = reason
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(' ')
    .filter(Boolean);
  return words
    .map((w, i) =>
      i === 0
        ? w.charAt(0).toUpperCase() + w.slice(1)
        : /^[A-Z]+$/.test(w) && w.length > 1
          ? w
          : w.toLowerCase(),
    )
    .join(' ');
}

const EMOJI: Record<Tone, string> = { success: '✅', warning: '⚠️', error: '❌', info: 'ℹ️' };

/** The headline, tone and facts of an event. */
export function describeEvent(event: MoorEvent): EventDescription {
  const o = event.involvedObject;
  const where = nsName(o);
  const revisionRaw = event.metadata.revision;
  const findings = parseDrift(event.metadata.drift);
  const isDrift =
    findings !== undefined || event.reason === 'DriftCorrected' || event.reason === 'DriftDetected';
  const drift = isDrift ? describeDrift(findings ?? [], event.reason) : undefined;

  let tone: Tone;
  let headline: string;
  let emoji: string | undefined;
  if (drift) {
    const corrected = drift.correctedCount >= Math.max(drift.findings.length, 1);
    tone = corrected && event.severity !== 'error' ? 'warning' : 'error';
    emoji = corrected ? EMOJI.warning : '🚨';
    headline = corrected ? `Drift corrected on ${where}` : `Drift detected on ${where}, not corrected`;
  } else if (event.reason === 'ReconciliationSucceeded') {
    tone = 'success';
    headline = `${where} reconciled`;
  } else if (event.reason === 'ReconciliationFailed') {
    tone = 'error';
    headline = `${where} failed`;
  } else if (event.reason === 'NewArtifact') {
    tone = 'info';
    emoji = '📦';
    headline = `New revision for ${o.kind} ${where}`;
  } else {
    tone = event.severity === 'error' ? 'error' : 'info';
    headline = `${o.kind} ${where}: ${humanizeReason(event.reason)}`;
  }
  // An Alert's summary (e.g. the cluster: "prod-eu-1") leads, so every provider shows it first.
  const summary = event.metadata.summary?.trim();
  return {
    tone,
    emoji: emoji ?? EMOJI[tone],
    headline: summary ? `${summary} · ${headline}` : headline,
    object: objectPath(o),
    ...(revisionRaw ? { revision: parseRevision(revisionRaw) } : {}),
    reason: event.reason,
    message: event.message.trim(),
    ...(drift ? { drift } : {}),
    controller: event.reportingController,
    timestamp: event.timestamp,
    ...(event.metadata.historyId ? { historyId: event.metadata.historyId } : {}),
  };
}
