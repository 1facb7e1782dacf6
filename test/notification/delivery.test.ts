// Delivery, as a receiving service sees it, through a notification controller of the test's own
// (its own durable consumer, so "this event has been fully handled" can be read from its ack
// floor): generic-hmac's signature and body, a provider answering 500 then 200, a provider down
// for a minute, and the Alert's exclusionList and eventSeverity filters.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNamespace } from '../harness/index.js';
import {
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

describe('delivery', () => {
  const ns = useNamespace('notify-delivery');
  const controller = new OwnController();
  const nats = useBus(() => controller.consumerName);
  const servers = useWebhookServers();
  beforeAll(async () => {
    await controller.start();
  });
  afterAll(async () => {
    await controller.stop();
  });

  it('generic-hmac: the body is the full event JSON, signed with the Secret token', async () => {
    const server = await servers.start();
    const token = `hmac-${Math.random().toString(36).slice(2)}`;
    const provider = await createProvider(ns.name, server, {
      type: 'generic-hmac',
      token,
      labels: controller.labels,
    });
    await createAlert(ns.name, provider, { kustomization: 'signed' }, controller.labels);

    const event = kustomizationEvent(ns.name, 'signed', { message: 'applied revision: café ✓ <b>&</b>' });
    const seq = await publish(nats.bus, event);
    await waitHandled(nats.bus, controller.consumerName, seq);

    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    if (!request) throw new Error('no request');
    const expected = `sha256=${createHmac('sha256', token).update(Buffer.from(request.body, 'utf8')).digest('hex')}`;
    expect(request.headers['x-signature']).toBe(expected);
    // A signature made with any other key does not match.
    const forged = `sha256=${createHmac('sha256', `${token}x`).update(request.body).digest('hex')}`;
    expect(request.headers['x-signature']).not.toBe(forged);
    expect(JSON.parse(request.body)).toEqual(event);
    expect(request.headers['content-type']).toMatch(/^application\/json/);
  });

  it('a provider answering 500, then 200, gets the message exactly once', async () => {
    const server = await servers.start();
    server.answer({ status: 500, body: 'internal error' });
    const provider = await createProvider(ns.name, server, { type: 'generic', labels: controller.labels });
    await createAlert(ns.name, provider, { kustomization: 'flaky' }, controller.labels);

    const event = kustomizationEvent(ns.name, 'flaky');
    const seq = await publish(nats.bus, event);
    // Acknowledged only once every delivery for it ended: nothing more will be sent for it.
    await waitHandled(nats.bus, controller.consumerName, seq);
    expect(server.attempts).toBe(2);
    expect(server.requests.map((r) => eventIdOf(r.body))).toEqual([event.id]);
  });

  it('a provider down for a minute, then up, still gets the message, once', async () => {
    const server = await servers.start();
    // The retry schedule waits 1, 2, 4, 8, 16 and 30 s: six dropped connections span a minute.
    server.answer('drop', 'drop', 'drop', 'drop', 'drop', 'drop');
    const provider = await createProvider(ns.name, server, { type: 'generic', labels: controller.labels });
    await createAlert(ns.name, provider, { kustomization: 'down' }, controller.labels);

    const event = kustomizationEvent(ns.name, 'down', {
      severity: 'error',
      reason: 'ReconciliationFailed',
      message: 'health check failed: Deployment/app/web not ready',
    });
    const published = Date.now();
    const seq = await publish(nats.bus, event);
    await waitHandled(nats.bus, controller.consumerName, seq, 120_000);
    const [request] = server.requests;
    expect(server.requests).toHaveLength(1);
    expect(eventIdOf(request?.body ?? '{}')).toBe(event.id);
    expect(server.attempts).toBe(7);
    const downFor = (request?.at ?? 0) - published;
    console.info(`delivered ${downFor} ms after the event, on attempt ${server.attempts}`);
    expect(downFor).toBeGreaterThanOrEqual(60_000);
  }, 150_000);

  it('exclusionList: a message matching the regex is not sent; others are', async () => {
    const server = await servers.start();
    const provider = await createProvider(ns.name, server, { type: 'generic', labels: controller.labels });
    await createAlert(
      ns.name,
      provider,
      { kustomization: 'filtered', exclusionList: ['^applied revision .*, no changes$', 'waiting for'] },
      controller.labels,
    );

    const excluded = kustomizationEvent(ns.name, 'filtered', {
      message: `applied revision main@sha1:${'b'.repeat(40)}, no changes`,
    });
    const alsoExcluded = kustomizationEvent(ns.name, 'filtered', {
      reason: 'Progressing',
      message: 'waiting for Deployment/app/web',
    });
    const sent = kustomizationEvent(ns.name, 'filtered', {
      message: `applied revision main@sha1:${'b'.repeat(40)}: Deployment/app/web configured`,
    });
    await publish(nats.bus, excluded);
    await publish(nats.bus, alsoExcluded);
    const seq = await publish(nats.bus, sent);
    await waitHandled(nats.bus, controller.consumerName, seq);
    expect(server.requests.map((r) => eventIdOf(r.body))).toEqual([sent.id]);
  });

  it('eventSeverity error: an info event is not sent, an error event is', async () => {
    const server = await servers.start();
    const provider = await createProvider(ns.name, server, { type: 'generic', labels: controller.labels });
    await createAlert(
      ns.name,
      provider,
      { kustomization: 'errors-only', eventSeverity: 'error' },
      controller.labels,
    );

    const info = kustomizationEvent(ns.name, 'errors-only', { severity: 'info' });
    const error = kustomizationEvent(ns.name, 'errors-only', {
      severity: 'error',
      reason: 'ReconciliationFailed',
      message: 'kustomize build failed: accumulating resources',
    });
    await publish(nats.bus, info);
    const seq = await publish(nats.bus, error);
    await waitHandled(nats.bus, controller.consumerName, seq);
    expect(server.requests.map((r) => eventIdOf(r.body))).toEqual([error.id]);
  });
});
