// How `moor history` shows reconcile records: a table of many, and one in full.
import {
  changeCounts,
  type DriftFinding,
  type KustomizationHistory,
  type ObjectReference,
  type ReconcileRecord,
} from '@moor/api';
import { bold, renderTable } from '../../output.js';
import { shortDuration } from '../../time.js';

/** A row's worth of a record, whether it came from JetStream or from status.history. */
export interface HistoryRow {
  id: string;
  startedAt: string;
  trigger: string;
  revision?: string;
  result: string;
  durationMs?: number;
  created: number;
  configured: number;
  deleted: number;
  drift: string;
}

/** main@sha1:0123456789abcdef... → main@0123456 (git's short SHA). */
export function shortRev(revision: string | undefined): string {
  if (!revision) return '-';
  const m = /^(.*?)@(?:sha1|sha256):([0-9a-f]+)$/.exec(revision);
  return m ? `${m[1]}@${(m[2] as string).slice(0, 7)}` : revision;
}

export function objectName(o: Pick<ObjectReference, 'kind' | 'namespace' | 'name'>): string {
  return `${o.kind}/${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}

function driftSummary(drift: DriftFinding[]): string {
  if (drift.length === 0) return '-';
  const first = drift[0] as DriftFinding;
  const what = first.type === 'deleted' ? 'deleted' : first.changes.map((c) => c.path).join(',');
  return `${first.object.kind}/${first.object.name} ${what}${drift.length > 1 ? ` +${drift.length - 1}` : ''}`;
}

export function rowFromRecord(r: ReconcileRecord): HistoryRow {
  const c = changeCounts(r);
  return {
    id: r.id,
    startedAt: r.startedAt,
    trigger: r.trigger,
    ...(r.revision ? { revision: r.revision } : {}),
    result: r.result,
    durationMs: r.durationMs,
    created: c.created,
    configured: c.configured,
    deleted: c.deleted,
    drift: driftSummary(r.drift),
  };
}

export function rowFromSummary(h: KustomizationHistory): HistoryRow {
  return {
    id: h.id,
    startedAt: h.startedAt,
    trigger: h.trigger,
    ...(h.revision ? { revision: h.revision } : {}),
    result: h.result,
    ...(h.durationMs !== undefined ? { durationMs: h.durationMs } : {}),
    created: h.counts?.created ?? 0,
    configured: h.counts?.configured ?? 0,
    deleted: h.counts?.deleted ?? 0,
    drift: h.driftedObjects ? `${h.driftedObjects} object${h.driftedObjects === 1 ? '' : 's'}` : '-',
  };
}

const time = (iso: string) => iso.replace(/\.\d{3}Z$/, 'Z');

export function historyTable(rows: HistoryRow[]): string {
  return renderTable(
    ['ID', 'TIME', 'TRIGGER', 'REVISION', 'RESULT', 'DURATION', 'CREATED', 'CONFIGURED', 'DELETED', 'DRIFT'],
    rows.map((r) => [
      r.id,
      time(r.startedAt),
      r.trigger,
      shortRev(r.revision),
      r.result,
      shortDuration(r.durationMs),
      String(r.created),
      String(r.configured),
      String(r.deleted),
      r.drift,
    ]),
  );
}

const value = (v: unknown) => (v === undefined ? '<absent>' : JSON.stringify(v));

/** One record in full: change set with field paths, pruned objects, drift with managers, errors. */
export function recordDetail(r: ReconcileRecord): string {
  const lines: string[] = [];
  const field = (k: string, v: string | undefined) => {
    if (v !== undefined && v !== '') lines.push(`${`${k}:`.padEnd(15)}${v}`);
  };
  field('ID', r.id);
  field('Kustomization', `${r.kustomization.namespace}/${r.kustomization.name}`);
  field('Started', time(r.startedAt));
  field('Duration', shortDuration(r.durationMs));
  field('Trigger', r.trigger);
  field('Result', r.result);
  field('Revision', r.revision);
  field('Digest', r.digest);
  field(
    'Applied by',
    `${r.appliedBy.controller}${r.appliedBy.instance ? ` (${r.appliedBy.instance})` : ''}${
      r.appliedBy.serviceAccount ? ` as ${r.appliedBy.serviceAccount}` : ''
    }`,
  );
  if (r.health) field('Health', `${r.health.status}: ${r.health.message}`);
  if (r.suspension) {
    const s = r.suspension;
    field(
      'Suspension',
      [s.reason && `reason: ${s.reason}`, s.until && `until ${s.until}`, s.by && `by ${s.by}`]
        .filter(Boolean)
        .join('; ') || 'suspended',
    );
  }

  const changed = r.changes.filter((c) => c.action !== 'unchanged');
  const unchanged = r.changes.length - changed.length;
  lines.push('', bold(`Changes (${changed.length} changed, ${unchanged} unchanged):`));
  if (changed.length === 0) lines.push('  none');
  for (const c of changed) {
    lines.push(`  ${c.action.padEnd(11)} ${objectName(c.object)}`);
    for (const f of c.changedFields ?? []) lines.push(`              ~ ${f}`);
  }

  lines.push('', bold(`Pruned (${r.pruned.length}):`));
  if (r.pruned.length === 0) lines.push('  none');
  for (const p of r.pruned) lines.push(`  deleted     ${objectName(p.object)}`);

  lines.push('', bold(`Drift (${r.drift.length}):`));
  if (r.drift.length === 0) lines.push('  none');
  for (const d of r.drift) {
    lines.push(`  ${objectName(d.object)} ${d.type}, ${d.corrected ? 'corrected' : 'not corrected'}`);
    for (const c of d.changes) {
      lines.push(
        `    ${c.path}: desired ${value(c.desired)}, live ${value(c.live)}${c.manager ? ` (changed by ${c.manager})` : ''}`,
      );
    }
  }

  lines.push('', bold(`Errors (${r.errors.length}):`));
  if (r.errors.length === 0) lines.push('  none');
  for (const e of r.errors) lines.push(`  ${e}`);
  return lines.join('\n');
}
