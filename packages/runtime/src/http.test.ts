import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type ProbeServer, startProbeServer } from './http.js';

let server: ProbeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function get(path: string, method = 'GET') {
  if (server === undefined) throw new Error('no server');
  const response = await fetch(`http://127.0.0.1:${server.port}${path}`, { method });
  return { status: response.status, body: await response.text(), type: response.headers.get('content-type') };
}

describe('ProbeServer', () => {
  it('answers /healthz on a port picked by the OS', async () => {
    server = await startProbeServer({ port: 0, host: '127.0.0.1' });
    expect(server.port).toBeGreaterThan(0);
    expect(await get('/healthz')).toMatchObject({ status: 200, body: 'ok\n' });
  });

  it('is ready only when every check passes, and names the failing ones', async () => {
    let synced = false;
    server = await startProbeServer({
      port: 0,
      host: '127.0.0.1',
      readinessChecks: { 'leader-or-standby': () => true, 'cache-synced': () => synced },
    });
    server.addReadinessCheck('broken', async () => {
      throw new Error('token abc leaked?');
    });
    const notReady = await get('/readyz');
    expect(notReady.status).toBe(503);
    expect(notReady.body).toBe(
      '[+]leader-or-standby ok\n[-]cache-synced failed\n[-]broken failed\nreadyz check failed\n',
    );
    expect(notReady.body).not.toContain('abc');

    synced = true;
    server.addReadinessCheck('broken', async () => true);
    const ready = await get('/readyz?verbose');
    expect(ready.status).toBe(200);
    expect(ready.body).toContain('[+]cache-synced ok');
  });

  it('is ready with no checks at all', async () => {
    server = await startProbeServer({ port: 0, host: '127.0.0.1' });
    expect((await get('/readyz')).status).toBe(200);
  });

  it('serves the registry on /metrics, and 404 without one', async () => {
    const registry = new Registry();
    new Counter({ name: 'probe_test_total', help: 'test', registers: [registry] });
    server = await startProbeServer({ port: 0, host: '127.0.0.1', registry });
    const metrics = await get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.type).toBe(registry.contentType);
    expect(metrics.body).toContain('probe_test_total 0');
    await server.close();

    server = await startProbeServer({ port: 0, host: '127.0.0.1' });
    expect((await get('/metrics')).status).toBe(404);
  });

  it('rejects other paths and methods', async () => {
    server = await startProbeServer({ port: 0, host: '127.0.0.1' });
    expect((await get('/nope')).status).toBe(404);
    expect((await get('/healthz', 'POST')).status).toBe(405);
  });

  it('closes, even with a keep-alive connection open', async () => {
    server = await startProbeServer({ port: 0, host: '127.0.0.1' });
    const port = server.port;
    await get('/healthz');
    await server.close();
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    await server.close(); // idempotent
  });
});
