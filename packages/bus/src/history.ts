// Reading and writing reconcile history in JetStream.
import { HISTORY_SCHEMA_VERSION, type ReconcileRecord } from '@moor/api';
import { DeliverPolicy, type JetStreamClient } from '@nats-io/jetstream';
import { Streams } from './streams.js';
import { channelFilter, historySubject } from './subjects.js';

export class UnknownHistorySchemaError extends Error {
  override name = 'UnknownHistorySchemaError';
}

const KIND = 'Kustomization';

export function parseRecord(data: string): ReconcileRecord {
  const r = JSON.parse(data) as { schema?: string };
  if (r.schema !== HISTORY_SCHEMA_VERSION) {
    throw new UnknownHistorySchemaError(
      `a history record has schema ${JSON.stringify(r.schema)}; this version of Moor reads ${HISTORY_SCHEMA_VERSION}: upgrade the reader`,
    );
  }
  return r as ReconcileRecord;
}

export async function writeHistory(js: JetStreamClient, record: ReconcileRecord): Promise<void> {
  const subject = historySubject({ kind: KIND, ...record.kustomization });
  await js.publish(subject, JSON.stringify(record), { msgID: record.id });
}

export interface HistoryQuery {
  /** One Kustomization, or all when omitted. */
  kustomization?: { namespace: string; name: string };
  /** Only records started at or after this time. */
  since?: Date;
  /** The newest `limit` records. */
  limit?: number;
}

/** The raw records, oldest first. Reads with an ordered consumer until it has caught up with the stream. */
async function readRaw(js: JetStreamClient, q: HistoryQuery): Promise<string[]> {
  const filter = q.kustomization
    ? historySubject({ kind: KIND, ...q.kustomization })
    : channelFilter('history', KIND);
  const consumer = await js.consumers.get(Streams.history, {
    filter_subjects: filter,
    ...(q.since
      ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: q.since.toISOString() }
      : { deliver_policy: DeliverPolicy.All }),
  });
  const raw: string[] = [];
  // What is in the stream now is what we read; records written meanwhile are for the next call.
  let remaining = (await consumer.info(false)).num_pending;
  while (remaining > 0) {
    const batch = await consumer.fetch({ max_messages: Math.min(remaining, 500), expires: 5000 });
    let got = 0;
    for await (const m of batch) {
      raw.push(m.string());
      got++;
      remaining = m.info.pending;
      if (remaining === 0) break;
    }
    if (got === 0) break;
  }
  return raw;
}

/** Records oldest first. A record of a schema this reader does not know is an error that says so. */
export async function readHistory(js: JetStreamClient, q: HistoryQuery = {}): Promise<ReconcileRecord[]> {
  const records = (await readRaw(js, q)).map(parseRecord);
  return q.limit !== undefined ? records.slice(-q.limit) : records;
}

/**
 * One record by id, or undefined. Other Kustomizations' records it cannot read (a newer schema)
 * are passed over: only the record asked for has to be readable.
 */
export async function findHistoryRecord(
  js: JetStreamClient,
  id: string,
  since?: Date,
): Promise<ReconcileRecord | undefined> {
  for (const text of await readRaw(js, since ? { since } : {})) {
    let candidate: { id?: unknown };
    try {
      candidate = JSON.parse(text) as { id?: unknown };
    } catch {
      continue;
    }
    if (candidate.id === id) return parseRecord(text);
  }
  return undefined;
}
