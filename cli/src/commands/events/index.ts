// moor events: what the controllers reported. From NATS JetStream (stream MOOR_EVENTS, the full
// envelope, kept 7 days) when reachable, else from Kubernetes Events, which carry a reduced copy.
import type { MoorEvent } from '@moor/api';
import { type Bus, channelFilter, eventSubject, Streams } from '@moor/bus';
import { type Command, Option } from 'commander';
import { Context } from '../../context.js';
import { UsageError } from '../../errors.js';
import { ALL_KINDS, type MoorKind, parseKind } from '../../kinds.js';
import {
  note,
  OUTPUT_FORMATS,
  type OutputFormat,
  parseFormat,
  print,
  red,
  renderData,
  renderTable,
} from '../../output.js';
import { age, parseSince } from '../../time.js';

const EXAMPLES = `
Examples:
  # The last hour of events in the current namespace
  moor events

  # One Kustomization's events, then follow new ones
  moor events --for Kustomization/apps -w

  # Everything in the past day, in every namespace, as JSON lines
  moor events -A --since 24h -o json`;

interface EventsOptions {
  for?: string;
  watch?: boolean;
  allNamespaces?: boolean;
  since: string;
  limit: string;
  output: string;
}

/** One line of output, from either source. */
interface Row {
  time: string;
  type: string;
  reason: string;
  object: string;
  message: string;
  raw: unknown;
}

export function registerEvents(program: Command): void {
  program
    .command('events')
    .description('show the events of Moor objects: from NATS when reachable, else Kubernetes Events')
    .option('--for <kind/name>', 'only the events of one object, e.g. Kustomization/apps or ks/apps')
    .option('-w, --watch', 'keep printing new events until interrupted')
    .option('-A, --all-namespaces', 'events of every namespace')
    .option('--since <when>', 'events since a duration ago or an RFC 3339 time', '1h')
    .option('--limit <n>', 'at most the newest n events before watching', '100')
    .addOption(
      new Option('-o, --output <format>', 'output format (json and yaml: one document per event)')
        .choices(OUTPUT_FORMATS as string[])
        .default('table'),
    )
    .addHelpText('after', EXAMPLES)
    .action(async (opts: EventsOptions, self: Command) => {
      await events(Context.of(self), opts);
    });
}

function parseFor(text: string | undefined): { kind: MoorKind; name: string } | undefined {
  if (!text) return undefined;
  const slash = text.indexOf('/');
  if (slash <= 0 || slash === text.length - 1)
    throw new UsageError(`--for ${text}: write KIND/NAME, e.g. --for Kustomization/apps`);
  const kindWord = text.slice(0, slash);
  const { kind } = parseKind([kindWord]);
  return { kind, name: text.slice(slash + 1) };
}

function printer(format: OutputFormat) {
  let headerDone = false;
  const headers = ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'];
  const cells = (r: Row) => [
    age(r.time),
    r.type === 'Warning' ? red(r.type) : r.type,
    r.reason,
    r.object,
    r.message,
  ];
  return (rows: Row[]) => {
    if (format === 'json') for (const r of rows) print(JSON.stringify(r.raw));
    else if (format === 'yaml') for (const r of rows) print(`${renderData(r.raw, 'yaml')}\n---`);
    else if (!headerDone) {
      if (rows.length === 0) return;
      headerDone = true;
      print(renderTable(headers, rows.map(cells)));
    } else for (const r of rows) print(cells(r).join('   '));
  };
}

async function events(ctx: Context, opts: EventsOptions): Promise<void> {
  const format = parseFormat(opts.output);
  const target = parseFor(opts.for);
  const since = parseSince(opts.since);
  const limit = Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new UsageError(`--limit ${opts.limit}: give a whole number of at least 1`);
  const namespace = opts.allNamespaces && !target ? undefined : ctx.namespace;
  if (target) await ctx.getObject(target.kind, target.name, namespace);
  const out = printer(format);
  const bus = await ctx.bus(false);
  if (bus) {
    try {
      await fromNats(bus, { target, namespace, since, limit, watch: opts.watch === true }, out);
    } finally {
      await bus.close().catch(() => undefined);
    }
    return;
  }
  note(
    ctx.natsUrl()
      ? `NATS at ${ctx.natsUrl()?.url} is unreachable: showing Kubernetes Events (a reduced copy of Moor's events)`
      : 'no NATS URL (--nats-url, MOOR_NATS_URL or NATS_URL): showing Kubernetes Events (a reduced copy of Moor events)',
  );
  await fromKubernetes(ctx, { target, namespace, since, limit, watch: opts.watch === true }, out);
}

interface Query {
  target: { kind: MoorKind; name: string } | undefined;
  namespace: string | undefined;
  since: Date;
  limit: number;
  watch: boolean;
}

const rowOfMoor = (e: MoorEvent): Row => ({
  time: e.timestamp,
  type: e.severity === 'error' ? 'Warning' : 'Normal',
  reason: e.reason,
  object: `${e.involvedObject.kind}/${e.involvedObject.name}`,
  message: e.message,
  raw: e,
});

async function fromNats(bus: Bus, q: Query, out: (rows: Row[]) => void): Promise<void> {
  const filter = q.target
    ? eventSubject({ kind: q.target.kind.kind, namespace: q.namespace as string, name: q.target.name })
    : channelFilter('events', undefined, q.namespace);
  const consumer = await bus.js.consumers.get(Streams.events, {
    filter_subjects: filter,
    deliver_policy: 'by_start_time',
    opt_start_time: q.since.toISOString(),
  });
  const pending = (await consumer.info(false)).num_pending;
  const backlog: Row[] = [];
  const flush = () => out(backlog.splice(0).slice(-q.limit));
  if (pending === 0) {
    flush();
    if (!q.watch) return;
  }
  const stop = () => void messages.close();
  const messages = await consumer.consume();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let caughtUp = pending === 0;
  for await (const m of messages) {
    const row = rowOfMoor(m.json<MoorEvent>());
    if (caughtUp) {
      out([row]);
      continue;
    }
    backlog.push(row);
    if (m.info.pending === 0) {
      caughtUp = true;
      flush();
      if (!q.watch) break;
    }
  }
  await messages.close().catch(() => undefined);
}

interface KubeEvent {
  type?: string;
  reason?: string;
  message?: string;
  involvedObject?: { kind?: string; namespace?: string; name?: string };
  lastTimestamp?: string;
  eventTime?: string;
  firstTimestamp?: string;
  metadata?: { creationTimestamp?: string; resourceVersion?: string };
}

const EVENTS = { group: '', version: 'v1', plural: 'events', namespaced: true };
const moorKinds = new Set(ALL_KINDS.map((k) => k.kind));

function rowOfKube(e: KubeEvent): Row {
  return {
    time: e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? '',
    type: e.type ?? 'Normal',
    reason: e.reason ?? '',
    object: `${e.involvedObject?.kind}/${e.involvedObject?.name}`,
    message: e.message ?? '',
    raw: e,
  };
}

async function fromKubernetes(ctx: Context, q: Query, out: (rows: Row[]) => void): Promise<void> {
  const fieldSelector = q.target
    ? `involvedObject.kind=${q.target.kind.kind},involvedObject.name=${q.target.name}`
    : undefined;
  const keep = (e: KubeEvent) => moorKinds.has(e.involvedObject?.kind ?? '');
  const list = await ctx.kube.list<KubeEvent>(EVENTS, q.namespace, fieldSelector ? { fieldSelector } : {});
  const rows = list.items
    .filter(keep)
    .map(rowOfKube)
    .filter((r) => Date.parse(r.time) >= q.since.getTime())
    .sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  out(rows.slice(-q.limit));
  if (!q.watch) return;
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  process.once('SIGTERM', () => abort.abort());
  await ctx.kube.watch<KubeEvent>(
    EVENTS,
    q.namespace,
    {
      ...(fieldSelector ? { fieldSelector } : {}),
      resourceVersion: list.resourceVersion,
      signal: abort.signal,
    },
    (e) => {
      if ((e.type === 'ADDED' || e.type === 'MODIFIED') && keep(e.object)) out([rowOfKube(e.object)]);
    },
  );
}
