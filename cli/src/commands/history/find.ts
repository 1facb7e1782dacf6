// One history record by id. The id starts with its start time (base36 ms), so the search reads
// the stream from a minute before it, not from the beginning, and it skips records it cannot read
// (another schema version, another tool's message) unless they are the one asked for.
import type { ReconcileRecord } from '@moor/api';
import { type Bus, channelFilter, parseRecord, Streams } from '@moor/bus';

export function idTime(id: string): Date | undefined {
  const m = /^([0-9a-z]{9})-[0-9a-z]+$/.exec(id);
  if (!m) return undefined;
  const ms = Number.parseInt(m[1] as string, 36);
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}

export async function findRecord(bus: Bus, id: string): Promise<ReconcileRecord | undefined> {
  const started = idTime(id);
  if (!started) return undefined;
  const consumer = await bus.js.consumers.get(Streams.history, {
    filter_subjects: channelFilter('history', 'Kustomization'),
    deliver_policy: 'by_start_time',
    opt_start_time: new Date(started.getTime() - 60_000).toISOString(),
  });
  let remaining = (await consumer.info(false)).num_pending;
  while (remaining > 0) {
    const batch = await consumer.fetch({ max_messages: Math.min(remaining, 500), expires: 5000 });
    let got = 0;
    for await (const m of batch) {
      got++;
      remaining = m.info.pending;
      let candidate: { id?: unknown } | undefined;
      try {
        candidate = m.json<{ id?: unknown }>();
      } catch {
        candidate = undefined;
      }
      if (candidate?.id === id) return parseRecord(m.string());
      if (remaining === 0) break;
    }
    if (got === 0) break;
  }
  return undefined;
}
