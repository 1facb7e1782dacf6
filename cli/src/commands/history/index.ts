// moor history: what each reconcile of a Kustomization did. Full records come from NATS
// JetStream (stream MOOR_HISTORY) when a NATS URL is known; otherwise the summaries the
// controller keeps in status.history (the last ten), with a note saying so.
import type { Kustomization, KustomizationHistory, ReconcileRecord } from '@moor/api';
import { readHistory } from '@moor/bus';
import { type Command, Option } from 'commander';
import { Context } from '../../context.js';
import { CliError } from '../../errors.js';
import { commandKinds } from '../../kind-commands.js';
import { KustomizationKind } from '../../kinds.js';
import { note, OUTPUT_FORMATS, parseFormat, print, renderData } from '../../output.js';
import { parseSince } from '../../time.js';
import { findRecord } from './find.js';
import { historyTable, recordDetail, rowFromRecord, rowFromSummary } from './format.js';
import { remoteHistory } from './remote.js';

const EXAMPLES = `
Examples:
  # Every reconcile of a Kustomization kept in NATS (90 days by default), oldest first
  moor history kustomization apps -n apps

  # The last 10 of the past day, as JSON
  moor history ks apps --since 24h --limit 10 -o json

  # One reconcile in full: changed fields, pruned objects, drift and who made it, errors
  moor history show 0mbb1x2y3-0a1b2c3d

Full records need NATS (--nats-url, MOOR_NATS_URL or NATS_URL); without it the CLI shows the
summaries of the last reconciles from status.history.`;

interface HistoryOptions {
  historyUrl?: string;
  since?: string;
  limit?: string;
  output: string;
}

const fallbackNote = (n: number, why?: string) =>
  `showing the last ${n} summaries from status.history; full history needs NATS (--nats-url or MOOR_NATS_URL/NATS_URL) or the kustomize controller (--history-url, or the API server proxy${why ? `: ${why}` : ''})`;

export function registerHistory(program: Command): void {
  const history = program
    .command('history')
    .description('the reconcile history of a Kustomization: what was applied, when, why, and what changed')
    .addHelpText('after', EXAMPLES);

  const ks = history
    .command('kustomization')
    .aliases(['ks', 'kustomizations'])
    .description('list the reconciles of a Kustomization, oldest first')
    .argument('<name>', 'the Kustomization')
    .option('--since <when>', 'only reconciles since a duration ago (2h, 7d) or an RFC 3339 time')
    .option('--limit <n>', 'only the newest n reconciles')
    .option(
      '--history-url <url>',
      "the kustomize controller's address, e.g. after kubectl port-forward (env MOOR_HISTORY_URL)",
    )
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(OUTPUT_FORMATS as string[])
        .default('table'),
    )
    .addHelpText('after', EXAMPLES)
    .action(async (name: string, opts: HistoryOptions, self: Command) => {
      await listHistory(Context.of(self), name, opts);
    });
  commandKinds.set(ks, KustomizationKind);

  history
    .command('show')
    .description('one reconcile in full: per-object changes with field paths, pruned objects, drift, errors')
    .argument('<id>', 'the record ID, from moor history kustomization NAME')
    .option(
      '--history-url <url>',
      "the kustomize controller's address, e.g. after kubectl port-forward (env MOOR_HISTORY_URL)",
    )
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(OUTPUT_FORMATS as string[])
        .default('table'),
    )
    .action(async (id: string, opts: { output: string; historyUrl?: string }, self: Command) => {
      await showRecord(Context.of(self), id, opts);
    });
}

function parseLimit(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new CliError(`--limit ${text}: give a whole number of at least 1`, 2);
  return n;
}

async function listHistory(ctx: Context, name: string, opts: HistoryOptions): Promise<void> {
  const format = parseFormat(opts.output);
  const since = opts.since ? parseSince(opts.since) : undefined;
  const limit = parseLimit(opts.limit);
  const namespace = ctx.namespace;
  // Full records: from NATS, else from the kustomize controller (port-forward or API server proxy).
  let records: ReconcileRecord[] | undefined;
  let unavailable: string | undefined;
  const bus = await ctx.bus(true);
  if (bus) {
    try {
      records = await readHistory(bus.js, {
        kustomization: { namespace, name },
        ...(since ? { since } : {}),
        ...(limit !== undefined ? { limit } : {}),
      });
    } finally {
      await bus.close().catch(() => undefined);
    }
  } else {
    const remote = await remoteHistory(ctx, opts.historyUrl);
    if ('source' in remote) {
      records =
        (await remote.source.get<ReconcileRecord[]>('', {
          namespace,
          name,
          since: since?.toISOString(),
          limit: limit === undefined ? undefined : String(limit),
        })) ?? [];
    } else unavailable = remote.unavailable;
  }
  if (records) {
    // History outlives its Kustomization; an empty one for a name that does not exist is a typo.
    if (records.length === 0) await ctx.getObject(KustomizationKind, name, namespace);
    if (format !== 'table') return print(renderData(records, format));
    if (records.length === 0)
      return note(
        `no reconciles of Kustomization ${namespace}/${name} recorded${since ? ' in that time' : ''}`,
      );
    return print(historyTable(records.map(rowFromRecord)));
  }

  const ks = await ctx.getObject<Kustomization>(KustomizationKind, name, namespace);
  let summaries = [...(ks.status?.history ?? [])].reverse();
  if (since) summaries = summaries.filter((h) => Date.parse(h.startedAt) >= since.getTime());
  if (limit !== undefined) summaries = summaries.slice(-limit);
  note(fallbackNote(summaries.length, unavailable));
  if (format !== 'table') return print(renderData(summaries, format));
  if (summaries.length === 0)
    return note(`no reconciles of Kustomization ${namespace}/${name} in status.history`);
  print(historyTable(summaries.map(rowFromSummary)));
}

async function showRecord(
  ctx: Context,
  id: string,
  opts: { output: string; historyUrl?: string },
): Promise<void> {
  const format = parseFormat(opts.output);
  const bus = await ctx.bus(true);
  let record: ReconcileRecord | undefined;
  let searched = false;
  if (bus) {
    try {
      record = await findRecord(bus, id);
      searched = true;
    } finally {
      await bus.close().catch(() => undefined);
    }
  } else {
    const remote = await remoteHistory(ctx, opts.historyUrl);
    if ('source' in remote) {
      record = await remote.source.get<ReconcileRecord>(`/${encodeURIComponent(id)}`, {});
      searched = true;
    }
  }
  if (searched) {
    if (!record)
      throw new CliError(
        `no history record ${id}; list the IDs with moor history kustomization NAME (records older than the stream's retention are gone)`,
      );
    return print(format === 'table' ? recordDetail(record) : renderData(record, format));
  }
  // Neither NATS nor the controller: the summary, if the record is among the last ones of some Kustomization.
  const { items } = await ctx.kube.list<Kustomization>(KustomizationKind);
  let found: { ks: Kustomization; h: KustomizationHistory } | undefined;
  for (const ks of items) {
    const h = ks.status?.history?.find((x) => x.id === id);
    if (h) found = { ks, h };
  }
  if (!found)
    throw new CliError(
      `no history record ${id} in the status.history of any Kustomization; full history needs NATS: --nats-url or MOOR_NATS_URL/NATS_URL`,
    );
  note(
    'showing the summary from status.history; the full record (changes, drift, errors) needs NATS: --nats-url or MOOR_NATS_URL/NATS_URL',
  );
  const summary = {
    kustomization: { namespace: found.ks.metadata.namespace, name: found.ks.metadata.name },
    ...found.h,
  };
  print(format === 'table' ? renderData(summary, 'yaml') : renderData(summary, format));
}
