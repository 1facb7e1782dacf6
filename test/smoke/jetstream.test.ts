// NATS with JetStream is real: the sandbox's server has JetStream, and a stream and its
// messages survive a restart of nats-server (a server this test owns, so the shared
// sandbox is not disturbed).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, OwnedProcess, sandboxEnv, waitForHttp } from '../harness/index.js';

describe('NATS JetStream', () => {
  it('is enabled on the sandbox server', async () => {
    const nc = await connect({ servers: sandboxEnv().NATS_URL });
    try {
      const jsm = await jetstreamManager(nc);
      const info = await jsm.getAccountInfo();
      expect(info.limits).toBeDefined();
    } finally {
      await nc.close();
    }
  });

  const storeDir = mkdtempSync(join(tmpdir(), 'moor-nats-'));
  let server: OwnedProcess | undefined;
  afterAll(async () => {
    await server?.stop();
    rmSync(storeDir, { recursive: true, force: true });
  });

  it('keeps a stream and its messages across a nats-server restart', async () => {
    const [port, monitor] = [await freePort(), await freePort()];
    server = new OwnedProcess('nats-server', [
      '--addr=127.0.0.1',
      `--port=${port}`,
      `--http_port=${monitor}`,
      '--jetstream',
      `--store_dir=${storeDir}`,
    ]);
    const healthz = `http://127.0.0.1:${monitor}/healthz?js-enabled-only=true`;
    server.start();
    await waitForHttp(healthz, 'nats-server with JetStream to start');

    let nc = await connect({ servers: `nats://127.0.0.1:${port}` });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'SMOKE', subjects: ['smoke.>'] });
    const js = jetstream(nc);
    for (const n of [1, 2, 3]) await js.publish('smoke.events', JSON.stringify({ n }));
    await nc.close();

    await server.stop();
    server.start();
    await waitForHttp(healthz, 'nats-server with JetStream to restart');

    nc = await connect({ servers: `nats://127.0.0.1:${port}` });
    try {
      const after = await jetstreamManager(nc);
      const info = await after.streams.info('SMOKE');
      expect(info.state.messages).toBe(3);
      const msg = await after.streams.getMessage('SMOKE', { seq: 3 });
      expect(msg?.json<{ n: number }>()).toEqual({ n: 3 });
    } finally {
      await nc.close();
    }
  });
});
