// Events land twice, as a Kubernetes Event and on NATS, and repeats are counted, not copied.

import type { MoorEvent } from '@moor/api';
import { Bus, eventSubject, Streams } from '@moor/bus';
import { createLogger, EventRecorder } from '@moor/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { core, kubeConfig, sandboxEnv, useNamespace, waitFor } from '../harness/index.js';

describe('the event recorder', () => {
  const ns = useNamespace('events');
  let bus: Bus;
  beforeAll(async () => {
    bus = await Bus.connect({ servers: sandboxEnv().NATS_URL, name: 'recorder-test' });
  });
  afterAll(() => bus.close());

  it('records a Kubernetes Event and a NATS event, and counts repeats', async () => {
    const cm = await core().createNamespacedConfigMap({
      namespace: ns.name,
      body: { metadata: { name: 'subject' } },
    });
    const recorder = new EventRecorder(kubeConfig(), {
      controller: 'test-controller',
      instance: 'test-0',
      bus,
      log: createLogger({ level: 'silent' }),
    });
    const object = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: ns.name,
      name: 'subject',
      uid: cm.metadata?.uid as string,
    };
    const input = {
      object,
      severity: 'error' as const,
      reason: 'BuildFailed',
      message: 'kustomization.yaml: unknown field "resourcez"',
      metadata: { revision: 'main@sha1:abc' },
    };
    await recorder.record(input);
    await recorder.record(input);

    const events = await waitFor(
      async () => {
        const list = await core().listNamespacedEvent({
          namespace: ns.name,
          fieldSelector: 'involvedObject.name=subject',
        });
        return list.items.length > 0 ? list.items : undefined;
      },
      { description: 'the Kubernetes Event' },
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'Warning',
      reason: 'BuildFailed',
      count: 2,
      reportingComponent: 'test-controller',
    });
    expect(events[0]?.metadata?.annotations?.['event.moor.dev/revision']).toBe('main@sha1:abc');

    const subject = eventSubject(object);
    const stored = await bus.jsm.streams.getMessage(Streams.events, { last_by_subj: subject });
    expect(stored?.json<MoorEvent>()).toMatchObject({
      reason: 'BuildFailed',
      severity: 'error',
      metadata: { revision: 'main@sha1:abc' },
    });
  });
});
