// The bus against the sandbox's real NATS: events are stored once per id, the latest artifact
// per source reaches a late subscriber, and reconcile requests reach their kind's listeners.
import { randomUUID } from 'node:crypto';
import {
  EVENT_SCHEMA_VERSION,
  HISTORY_SCHEMA_VERSION,
  historyRecordId,
  type MoorEvent,
  type ReconcileRecord,
  type ReconcileRequest,
} from '@moor/api';
import {
  Bus,
  eventSubject,
  findHistoryRecord,
  historySubject,
  readHistory,
  Streams,
  writeHistory,
} from '@moor/bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxEnv, uniqueName, waitFor } from '../harness/index.js';

describe('the NATS bus', () => {
  let bus: Bus;
  beforeAll(async () => {
    bus = await Bus.connect({ servers: sandboxEnv().NATS_URL, name: 'bus-test' });
  });
  afterAll(async () => {
    await bus.close();
  });

  it('stores an event once even when its publish is retried', async () => {
    const ns = uniqueName('bus');
    const event: MoorEvent = {
      schema: EVENT_SCHEMA_VERSION,
      id: randomUUID(),
      involvedObject: {
        apiVersion: 'source.moor.dev/v1',
        kind: 'GitRepository',
        namespace: ns,
        name: 'app.v1',
      },
      severity: 'info',
      reason: 'NewArtifact',
      message: 'stored artifact for revision main@sha1:abc',
      metadata: { revision: 'main@sha1:abc' },
      reportingController: 'bus-test',
      timestamp: new Date().toISOString(),
    };
    await bus.publishEvent(event);
    await bus.publishEvent(event);
    const subject = eventSubject(event.involvedObject);
    const info = await bus.jsm.streams.info(Streams.events, { subjects_filter: subject });
    expect(info.state.subjects?.[subject]).toBe(1);
    const stored = await bus.jsm.streams.getMessage(Streams.events, { last_by_subj: subject });
    expect(stored?.json<MoorEvent>()).toEqual(event);
  });

  it('gives a late subscriber the latest artifact of each source, then new ones', async () => {
    const ns = uniqueName('bus');
    const source = (name: string) => ({
      apiVersion: 'source.moor.dev/v1',
      kind: 'GitRepository',
      namespace: ns,
      name,
    });
    const announce = (name: string, revision: string) =>
      bus.announceArtifact({
        source: source(name),
        revision,
        digest: `sha256:${revision}`,
        url: `http://artifacts/${name}/${revision}.tar.gz`,
        size: 1,
        lastUpdateTime: new Date().toISOString(),
      });
    await announce('a', 'r1');
    await announce('a', 'r2');
    await announce('b', 'r1');

    const seen: string[] = [];
    const watch = await bus.watchArtifacts((a) => {
      if (a.source.namespace === ns) seen.push(`${a.source.name}@${a.revision}`);
    }, 'GitRepository');
    try {
      await waitFor(() => seen.length >= 2, { description: 'the latest artifacts of a and b' });
      expect(seen.sort()).toEqual(['a@r2', 'b@r1']);
      await announce('a', 'r3');
      await waitFor(() => seen.includes('a@r3'), { description: 'the new artifact of a' });
    } finally {
      await watch.stop();
    }
  });

  it('delivers reconcile requests to the listeners of their kind only', async () => {
    const got: ReconcileRequest[] = [];
    const other: ReconcileRequest[] = [];
    const a = bus.onReconcileRequest('GitRepository', (r) => got.push(r));
    const b = bus.onReconcileRequest('Kustomization', (r) => other.push(r));
    await bus.connection.flush();
    const request: ReconcileRequest = {
      object: {
        apiVersion: 'source.moor.dev/v1',
        kind: 'GitRepository',
        namespace: 'default',
        name: 'podinfo',
      },
      requestedAt: new Date().toISOString(),
      requestedBy: 'test',
    };
    bus.requestReconcile(request);
    await waitFor(() => got.length === 1, { description: 'the reconcile request' });
    expect(got[0]).toEqual(request);
    expect(other).toEqual([]);
    await a.stop();
    await b.stop();
  });

  it('keeps reconcile history per Kustomization, readable by limit, time and id', async () => {
    const ks = { namespace: uniqueName('hist'), name: 'shop' };
    const record = (n: number, startedAt: Date): ReconcileRecord => ({
      schema: HISTORY_SCHEMA_VERSION,
      id: historyRecordId(startedAt.getTime(), `r${n}`),
      kustomization: ks,
      trigger: n === 0 ? 'NewRevision' : 'Drift',
      revision: `main@sha1:${n}`,
      startedAt: startedAt.toISOString(),
      durationMs: 10 * n,
      result: n === 0 ? 'Succeeded' : 'DriftCorrected',
      changes: [],
      pruned: [],
      drift: [],
      errors: [],
      appliedBy: { controller: 'test' },
    });
    const before = new Date();
    const records = [0, 1, 2].map((n) => record(n, new Date(before.getTime() + n)));
    for (const r of records) await writeHistory(bus.js, r);
    await writeHistory(bus.js, records[2] as ReconcileRecord); // a retried write is stored once

    expect((await readHistory(bus.js, { kustomization: ks })).map((r) => r.id)).toEqual(
      records.map((r) => r.id),
    );
    expect((await readHistory(bus.js, { kustomization: ks, limit: 2 })).map((r) => r.id)).toEqual(
      records.slice(1).map((r) => r.id),
    );
    expect(await findHistoryRecord(bus.js, records[1]?.id as string)).toEqual(records[1]);
    expect(await findHistoryRecord(bus.js, 'no-such-id')).toBeUndefined();

    // A record of a schema this reader does not know is an error that says so; a search by id
    // passes over it when it is not the record asked for.
    const subject = historySubject({ kind: 'Kustomization', ...ks });
    await bus.js.publish(subject, JSON.stringify({ schema: 'moor.dev/history/v9', id: 'from-the-future' }));
    try {
      await expect(readHistory(bus.js, { kustomization: ks })).rejects.toThrow(
        /moor\.dev\/history\/v9.*upgrade the reader/,
      );
      expect(await findHistoryRecord(bus.js, records[0]?.id as string)).toEqual(records[0]);
      await expect(findHistoryRecord(bus.js, 'from-the-future')).rejects.toThrow(/upgrade the reader/);
    } finally {
      // The stream is shared by everyone using the sandbox: leave nothing unreadable in it.
      await bus.jsm.streams.purge(Streams.history, { filter: subject });
    }
  });
});
