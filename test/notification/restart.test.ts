// The notification controller stopped in the middle of a burst (its deliveries cut off while a
// provider is failing) and started again with the same consumer name: every event of the burst
// arrives exactly once, and a burst of identical events (one dedup key) is one message, also when
// the burst spans the restart.
import { afterAll, describe, expect, it } from 'vitest';
import { useNamespace, waitFor } from '../harness/index.js';
import {
  counts,
  createAlert,
  createProvider,
  eventIdOf,
  kustomizationEvent,
  OwnController,
  publish,
  useBus,
  useWebhookServers,
  waitHandled,
} from './helpers.js';

describe('a notification controller killed mid-burst and restarted', () => {
  const ns = useNamespace('notify-restart');
  const controller = new OwnController();
  const nats = useBus(() => controller.consumerName);
  const servers = useWebhookServers();
  afterAll(async () => {
    await controller.stop();
  });
  const N = 30;

  it(`delivers each of ${N} distinct events exactly once`, async () => {
    await controller.start();
    const server = await servers.start();
    // The first third gets through; then the provider fails and deliveries retry, in flight.
    server.answer(...Array.from({ length: N / 3 }, () => ({ status: 200, body: 'ok' }))).otherwise('drop');
    const provider = await createProvider(ns.name, server, { type: 'generic', labels: controller.labels });
    await createAlert(ns.name, provider, { kustomization: 'burst' }, controller.labels);

    const burst = Array.from({ length: N }, (_, i) =>
      kustomizationEvent(ns.name, 'burst', {
        message: `applied revision main@sha1:${String(i).padStart(40, '0')}: ConfigMap/app/c${i} configured`,
        metadata: { revision: `main@sha1:${String(i).padStart(40, '0')}` },
      }),
    );
    let last = 0;
    for (const e of burst) last = await publish(nats.bus, e);
    // Mid-burst: some delivered, every other one tried and now retrying.
    await waitFor(() => server.requests.length >= N / 3 && server.attempts >= N + 1, {
      description: 'the burst in flight',
      timeoutMs: 30_000,
      intervalMs: 20,
    });
    const before = server.requests.length;
    expect(before).toBeLessThan(N);

    const stopping = Date.now();
    await controller.stop();
    const stopMs = Date.now() - stopping;
    console.info(`stopped with ${N - before} deliveries in flight in ${stopMs} ms`);
    // The cut-off deliveries neither held the shutdown nor were given up (an error event, acked).
    expect(stopMs).toBeLessThan(10_000);

    server.otherwise({ status: 200, body: 'ok' });
    await controller.start();
    // Up to ack_wait (60 s) when a message was on its way to the stopped instance.
    await waitHandled(nats.bus, controller.consumerName, last, 120_000);
    const ids = server.requests.map((r) => eventIdOf(r.body));
    expect(new Set(ids)).toEqual(new Set(burst.map((e) => e.id)));
    expect([...counts(ids).values()].every((n) => n === 1)).toBe(true);
    expect(ids).toHaveLength(N);
  });

  it('sends a burst of identical events once, across a restart', async () => {
    if (!controller.running) await controller.start();
    const server = await servers.start();
    const provider = await createProvider(ns.name, server, { type: 'generic', labels: controller.labels });
    await createAlert(ns.name, provider, { kustomization: 'same' }, controller.labels);

    // One occurrence, reported on every retry: different ids, the same dedup key.
    const same = () =>
      kustomizationEvent(ns.name, 'same', {
        severity: 'error',
        reason: 'ReconciliationFailed',
        message: 'kustomize build failed: missing resource deploy/gone.yaml',
        metadata: { dedupKey: 'build-failed-gone', revision: `main@sha1:${'c'.repeat(40)}` },
      });
    const first = Array.from({ length: N / 2 }, same);
    for (const e of first) await publish(nats.bus, e);
    await waitFor(() => server.requests.length >= 1, { description: 'the first message', timeoutMs: 30_000 });
    await controller.stop();
    await controller.start();
    const second = Array.from({ length: N / 2 }, same);
    let last = 0;
    for (const e of second) last = await publish(nats.bus, e);
    // A different occurrence afterwards still gets through.
    const other = kustomizationEvent(ns.name, 'same', {
      severity: 'error',
      reason: 'ReconciliationFailed',
      message: 'kustomize build failed: something else',
      metadata: { dedupKey: 'build-failed-else' },
    });
    last = await publish(nats.bus, other);
    // Up to ack_wait (60 s) when a message was on its way to the stopped instance.
    await waitHandled(nats.bus, controller.consumerName, last, 120_000);

    const ids = server.requests.map((r) => eventIdOf(r.body));
    expect(ids).toHaveLength(2);
    expect(first.map((e) => e.id)).toContain(ids[0]);
    expect(ids[1]).toBe(other.id);
  });
});
