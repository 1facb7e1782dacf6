import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { WatchEvent } from './cache.js';
import { isGone } from './errors.js';
import { kubeListWatch, resourcePath } from './kube-listwatch.js';

// A stand-in API server on localhost: enough to check the requests the adapter makes and how it
// translates answers. The real API server is covered by the integration tests.
let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});

async function fakeApiServer(respond: (url: URL, reply: (status: number, body: string) => void) => void) {
  const requests: URL[] = [];
  server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    requests.push(url);
    respond(url, (status, body) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(body),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [
      {
        name: 'fake',
        server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        // client-node refuses plain HTTP unless TLS verification is explicitly off.
        skipTLSVerify: true,
      },
    ],
    users: [{ name: 'fake' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
    currentContext: 'fake',
  });
  return { kubeConfig, requests };
}

const resource = { group: 'source.moor.dev', version: 'v1', plural: 'gitrepositories' };

describe('resourcePath', () => {
  it('builds cluster-wide and namespaced collection paths', () => {
    expect(resourcePath(resource)).toBe('/apis/source.moor.dev/v1/gitrepositories');
    expect(resourcePath({ ...resource, namespace: 'flux-system' })).toBe(
      '/apis/source.moor.dev/v1/namespaces/flux-system/gitrepositories',
    );
  });
});

describe('kubeListWatch', () => {
  it('rejects the core group', () => {
    expect(() => kubeListWatch(new KubeConfig(), { group: '', version: 'v1', plural: 'secrets' })).toThrow(
      TypeError,
    );
  });

  it('lists with the label selector and returns items and resourceVersion', async () => {
    const { kubeConfig, requests } = await fakeApiServer((_url, reply) =>
      reply(
        200,
        JSON.stringify({ metadata: { resourceVersion: '42' }, items: [{ metadata: { name: 'a' } }] }),
      ),
    );
    const listWatch = kubeListWatch(kubeConfig, { ...resource, namespace: 'ns', labelSelector: 'team=a' });
    expect(await listWatch.list()).toEqual({ items: [{ metadata: { name: 'a' } }], resourceVersion: '42' });
    expect(requests[0]?.pathname).toBe('/apis/source.moor.dev/v1/namespaces/ns/gitrepositories');
    expect(requests[0]?.searchParams.get('labelSelector')).toBe('team=a');
  });

  it('watches from a resourceVersion with bookmarks and translates events', async () => {
    const lines = [
      { type: 'ADDED', object: { metadata: { name: 'a', resourceVersion: '43' } } },
      { type: 'BOOKMARK', object: { metadata: { resourceVersion: '44' } } },
      { type: 'SOMETHING_NEW', object: {} },
      { type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } },
    ];
    const { kubeConfig, requests } = await fakeApiServer((_url, reply) =>
      reply(200, `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`),
    );
    const events: Array<WatchEvent<unknown>> = [];
    const done = new Promise<unknown>((resolve) => {
      kubeListWatch(kubeConfig, resource)
        .watch('42', (event) => events.push(event), resolve)
        .catch(resolve);
    });
    expect(await done).toBeUndefined();
    expect(events.map((event) => event.type)).toEqual(['ADDED', 'BOOKMARK', 'ERROR']);
    expect(requests[0]?.pathname).toBe('/apis/source.moor.dev/v1/gitrepositories');
    expect(requests[0]?.searchParams.get('watch')).toBe('true');
    expect(requests[0]?.searchParams.get('resourceVersion')).toBe('42');
    expect(requests[0]?.searchParams.get('allowWatchBookmarks')).toBe('true');
  });

  it('reports an HTTP 410 on the watch request as a Gone error', async () => {
    const { kubeConfig } = await fakeApiServer((_url, reply) => reply(410, '{"kind":"Status","code":410}'));
    const error = await new Promise<unknown>((resolve) => {
      kubeListWatch(kubeConfig, resource)
        .watch('1', () => {}, resolve)
        .catch(resolve);
    });
    expect(isGone(error)).toBe(true);
  });
});
