// buildRequest and deliver against real HTTP servers on 127.0.0.1 that record what they get,
// standing in for Slack's incoming webhooks, a generic webhook and GitHub's API. Waits between
// attempts go through a clock that jumps forward instead of sleeping.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MoorEvent } from '@moor/api';
import type { CancelTimer, Clock } from '@moor/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildRequest,
  type DeliverOptions,
  DeliveryAbortedError,
  DeliveryAttemptError,
  DeliveryGaveUpError,
  DeliveryRejectedError,
  deliver,
  ProviderConfigError,
  parseGitHubAddress,
  providerTimeoutMs,
  type RetryReport,
  renderSlack,
  UnsupportedEventError,
} from './index.js';

const SHA = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const SLACK_PATH = '/services/T0001/B0002/s3cr3tWebhookToken';

const event: MoorEvent = {
  schema: 'moor.dev/event/v1',
  id: 'ev-42',
  involvedObject: {
    apiVersion: 'kustomize.moor.dev/v1',
    kind: 'Kustomization',
    namespace: 'default',
    name: 'shop',
  },
  severity: 'info',
  reason: 'DriftCorrected',
  message: 'corrected drift: Deployment/default/web: spec.replicas 2 → 9 (by kubectl)',
  metadata: {
    revision: `main@sha1:${SHA}`,
    historyId: 'h1',
    dedupKey: 'h1',
    drift: JSON.stringify([
      {
        object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'web' },
        type: 'modified',
        changes: [{ path: 'spec.replicas', desired: 2, live: 9, manager: 'kubectl' }],
        corrected: true,
      },
    ]),
  },
  reportingController: 'kustomize-controller',
  timestamp: '2025-06-01T12:00:00Z',
};

interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

type Handler = (req: Received, res: ServerResponse, n: number) => void;

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

/** A server on 127.0.0.1 answering with `handler`; `received` lists every request in order. */
async function serve(handler: Handler): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      received.push(r);
      handler(r, res, received.length);
    });
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

/** Slack's incoming webhook: 200 "ok", or what `fail` says for the n-th request. */
function slackLike(
  fail: (n: number) => { status: number; body: string; headers?: Record<string, string> } | undefined,
): Handler {
  return (_req, res, n) => {
    const f = fail(n);
    if (f) res.writeHead(f.status, { 'content-type': 'text/plain', ...f.headers }).end(f.body);
    else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  };
}

/** Time that jumps forward by each wait, at once; `waits` records them. */
class JumpClock implements Clock {
  readonly waits: number[] = [];
  constructor(private t = Date.parse('2025-06-01T12:00:00Z')) {}
  now(): number {
    return this.t;
  }
  setTimer(callback: () => void, delayMs: number): CancelTimer {
    this.waits.push(delayMs);
    this.t += delayMs;
    queueMicrotask(callback);
    return () => {};
  }
}

function options(clock: Clock, extra: Partial<DeliverOptions> = {}): DeliverOptions {
  return { timeoutMs: 5000, maxElapsedMs: 60_000, clock, ...extra };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`rejected with a non-Error: ${String(err)}`);
  }
  throw new Error('expected the promise to reject');
}

describe('slack', () => {
  it('posts the Block Kit message to the webhook from the Secret', async () => {
    const { url, received } = await serve(slackLike(() => undefined));
    const request = buildRequest(
      { type: 'slack', channel: '#deploys' },
      { address: `${url}${SLACK_PATH}` },
      event,
    );
    const result = await deliver(request, options(new JumpClock()));
    expect(result).toEqual({ attempts: 1, status: 200, elapsedMs: 0 });
    expect(received).toHaveLength(1);
    const [r] = received;
    expect(r?.path).toBe(SLACK_PATH);
    expect(r?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(r?.headers.authorization).toBeUndefined();
    const body: unknown = JSON.parse(r?.body.toString('utf8') ?? '');
    expect(body).toEqual(JSON.parse(JSON.stringify(renderSlack(event, { channel: '#deploys' }))));
    expect(r?.body.toString('utf8')).toContain('spec.replicas: 2 → 9');
  });

  it('retries a 500 and delivers once on the second attempt', async () => {
    const { url, received } = await serve(
      slackLike((n) => (n === 1 ? { status: 500, body: 'internal_error' } : undefined)),
    );
    const clock = new JumpClock();
    const retries: RetryReport[] = [];
    const request = buildRequest({ type: 'slack' }, { address: `${url}${SLACK_PATH}` }, event);
    const result = await deliver(request, options(clock, { onRetry: (r) => retries.push(r) }));
    expect(result).toEqual({ attempts: 2, status: 200, elapsedMs: 1000 });
    expect(received).toHaveLength(2);
    expect(received[1]?.body.equals(received[0]?.body ?? Buffer.alloc(0))).toBe(true);
    expect(clock.waits).toEqual([1000]);
    expect(retries).toHaveLength(1);
    expect(retries[0]?.error.message).toBe(`slack provider: ${url}/… answered HTTP 500: internal_error`);
  });

  it('waits as long as Retry-After says on a 429 (seconds)', async () => {
    const { url, received } = await serve(
      slackLike((n) =>
        n === 1 ? { status: 429, body: 'rate_limited', headers: { 'retry-after': '2' } } : undefined,
      ),
    );
    const clock = new JumpClock();
    const result = await deliver(
      buildRequest({ type: 'slack' }, { address: `${url}${SLACK_PATH}` }, event),
      options(clock),
    );
    expect(result.attempts).toBe(2);
    expect(clock.waits).toEqual([2000]);
    expect(received).toHaveLength(2);
  });

  it('waits as long as Retry-After says on a 429 (HTTP date)', async () => {
    const clock = new JumpClock();
    const { url } = await serve(
      slackLike((n) =>
        n === 1
          ? { status: 429, body: '', headers: { 'retry-after': new Date(clock.now() + 7000).toUTCString() } }
          : undefined,
      ),
    );
    await deliver(buildRequest({ type: 'slack' }, { address: `${url}${SLACK_PATH}` }, event), options(clock));
    expect(clock.waits).toEqual([7000]);
  });

  it('does not retry a 400 and says what Slack said, but not the webhook path', async () => {
    const { url, received } = await serve(slackLike(() => ({ status: 400, body: 'invalid_payload' })));
    const clock = new JumpClock();
    const request = buildRequest({ type: 'slack' }, { address: `${url}${SLACK_PATH}` }, event);
    const err = await rejection(deliver(request, options(clock)));
    expect(err).toBeInstanceOf(DeliveryRejectedError);
    expect(err).toMatchObject({ providerType: 'slack', status: 400, detail: 'invalid_payload', attempts: 1 });
    expect(err.message).toBe(
      `slack provider: ${url}/… rejected the notification with HTTP 400: invalid_payload`,
    );
    expect(err.message).not.toContain('s3cr3t');
    expect(err.message).not.toContain('/services');
    expect(received).toHaveLength(1);
    expect(clock.waits).toEqual([]);
  });

  it('scrubs the webhook secret from an error text that echoes it', async () => {
    const { url } = await serve(slackLike(() => ({ status: 404, body: `no_service for ${SLACK_PATH}` })));
    const err = await rejection(
      deliver(
        buildRequest({ type: 'slack' }, { address: `${url}${SLACK_PATH}` }, event),
        options(new JumpClock()),
      ),
    );
    expect(err.message).toContain('HTTP 404: no_service for');
    expect(err.message).not.toContain('s3cr3tWebhookToken');
  });

  it('reads chat.postMessage answers: ok false is an error even with 200', async () => {
    const { url, received } = await serve((_req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end('{"ok":false,"error":"channel_not_found"}');
    });
    const request = buildRequest(
      { type: 'slack', channel: '#nope' },
      { address: `${url}/api/chat.postMessage`, token: 'xoxb-123456' },
      event,
    );
    // A local server is not slack.com: mark it as the Slack API, as buildRequest does for slack.com.
    const err = await rejection(deliver({ ...request, expect: 'slack-api' }, options(new JumpClock())));
    expect(err).toBeInstanceOf(DeliveryRejectedError);
    expect(err.message).toContain('HTTP 200: channel_not_found');
    expect(received[0]?.headers.authorization).toBe('Bearer xoxb-123456');
  });

  it('needs a token and a channel for chat.postMessage', () => {
    expect(() =>
      buildRequest(
        { type: 'slack', channel: '#c' },
        { address: 'https://slack.com/api/chat.postMessage' },
        event,
      ),
    ).toThrow('slack provider: Secret key "token": the Slack API (chat.postMessage) needs a bot token');
    expect(() =>
      buildRequest(
        { type: 'slack' },
        { address: 'https://slack.com/api/chat.postMessage', token: 'xoxb-1' },
        event,
      ),
    ).toThrow(/spec\.channel/);
    expect(
      buildRequest(
        { type: 'slack', channel: '#c' },
        { address: 'https://slack.com/api/chat.postMessage', token: 'xoxb-1' },
        event,
      ).expect,
    ).toBe('slack-api');
  });
});

describe('retry budget and deadlines', () => {
  it('gives up after maxElapsedMs with the attempts made and the last status', async () => {
    const { url, received } = await serve(slackLike(() => ({ status: 503, body: 'upstream down' })));
    const clock = new JumpClock();
    const err = await rejection(
      deliver(
        buildRequest({ type: 'generic' }, { address: `${url}/hook` }, event),
        options(clock, { maxElapsedMs: 10_000 }),
      ),
    );
    expect(err).toBeInstanceOf(DeliveryGaveUpError);
    // Attempts at 0, 1, 3 and 7 s; the next wait (8 s) would end past 10 s.
    expect(err).toMatchObject({ attempts: 4, lastStatus: 503, elapsedMs: 7000 });
    expect(clock.waits).toEqual([1000, 2000, 4000]);
    expect(received).toHaveLength(4);
    expect(err.message).toBe(
      `generic provider: gave up on ${url}/… after 4 attempts in 7000 ms: generic provider: ${url}/… answered HTTP 503: upstream down`,
    );
    expect(err.cause).toBeInstanceOf(DeliveryAttemptError);
  });

  it('caps the exponential wait', async () => {
    const { url } = await serve(slackLike(() => ({ status: 502, body: '' })));
    const clock = new JumpClock();
    await rejection(
      deliver(
        buildRequest({ type: 'generic' }, { address: `${url}/hook` }, event),
        options(clock, { maxElapsedMs: 20_000, maxDelayMs: 3000 }),
      ),
    );
    expect(clock.waits).toEqual([1000, 2000, 3000, 3000, 3000, 3000, 3000]);
  });

  it('gives up at once when Retry-After asks for more than the budget has left', async () => {
    const { url, received } = await serve(
      slackLike(() => ({ status: 429, body: '', headers: { 'retry-after': '120' } })),
    );
    const clock = new JumpClock();
    const err = await rejection(
      deliver(buildRequest({ type: 'slack' }, { address: `${url}${SLACK_PATH}` }, event), options(clock)),
    );
    expect(err).toMatchObject({ name: 'DeliveryGaveUpError', attempts: 1, lastStatus: 429 });
    expect(clock.waits).toEqual([]);
    expect(received).toHaveLength(1);
  });

  it('times out an attempt that gets no answer and retries it', async () => {
    const { url, received } = await serve(() => {
      // Hold the socket: never answer.
    });
    const clock = new JumpClock();
    const err = await rejection(
      deliver(
        buildRequest({ type: 'generic' }, { address: `${url}/hook` }, event),
        options(clock, { timeoutMs: 50, maxElapsedMs: 1500 }),
      ),
    );
    expect(err).toBeInstanceOf(DeliveryGaveUpError);
    expect(err).toMatchObject({ attempts: 2, lastStatus: undefined });
    expect(err.cause).toMatchObject({ failure: 'timeout' });
    expect(err.message).toContain(`no answer from ${url}/… within 50 ms`);
    expect(received).toHaveLength(2);
    expect(clock.waits).toEqual([1000]);
  });

  it('retries network errors without naming the path', async () => {
    const { url } = await serve(() => {});
    const closed = servers.pop() as Server;
    closed.closeAllConnections();
    await new Promise((resolve) => closed.close(resolve));
    const clock = new JumpClock();
    const err = await rejection(
      deliver(
        buildRequest({ type: 'slack' }, { address: `${url}${SLACK_PATH}` }, event),
        options(clock, { maxElapsedMs: 2000 }),
      ),
    );
    expect(err).toMatchObject({ name: 'DeliveryGaveUpError', attempts: 2 });
    expect(err.cause).toMatchObject({ failure: 'network' });
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.message).not.toContain('s3cr3t');
  });

  it('stops when the signal aborts', async () => {
    const { url } = await serve(() => {});
    const controller = new AbortController();
    const p = deliver(
      buildRequest({ type: 'generic' }, { address: `${url}/hook` }, event),
      options(new JumpClock(), { signal: controller.signal }),
    );
    setImmediate(() => controller.abort(new Error('shutting down')));
    const err = await rejection(p);
    expect(err).toBeInstanceOf(DeliveryAbortedError);
    expect(err).toMatchObject({ attempts: 1 });
  });
});

describe('generic and generic-hmac', () => {
  it('posts the event JSON with the custom headers of the Secret', async () => {
    const { url, received } = await serve((_req, res) => res.writeHead(202).end());
    const request = buildRequest(
      { type: 'generic', address: `${url}/events` },
      { headers: 'X-Api-Key: k-123456\nX-Team: platform\nContent-Type: text/plain\n' },
      event,
    );
    expect(await deliver(request, options(new JumpClock()))).toMatchObject({ attempts: 1, status: 202 });
    const [r] = received;
    expect(r?.body.toString('utf8')).toBe(JSON.stringify(event));
    expect(JSON.parse(r?.body.toString('utf8') ?? '')).toEqual(event);
    expect(r?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(r?.headers['x-api-key']).toBe('k-123456');
    expect(r?.headers['x-team']).toBe('platform');
    expect(request.secrets).toContain('k-123456');
  });

  it('signs the exact body bytes with HMAC-SHA256 of the token', async () => {
    const { url, received } = await serve((_req, res) => res.writeHead(200).end());
    const key = 'hmac-key-☃';
    await deliver(
      buildRequest({ type: 'generic-hmac', address: `${url}/events` }, { token: key }, event),
      options(new JumpClock()),
    );
    const [r] = received;
    const header = String(r?.headers['x-signature']);
    expect(header).toMatch(/^sha256=[0-9a-f]{64}$/);
    const expected = createHmac('sha256', key)
      .update(r?.body ?? Buffer.alloc(0))
      .digest();
    expect(timingSafeEqual(Buffer.from(header.slice('sha256='.length), 'hex'), expected)).toBe(true);
    const other = createHmac('sha256', 'another-key')
      .update(r?.body ?? Buffer.alloc(0))
      .digest();
    expect(timingSafeEqual(Buffer.from(header.slice('sha256='.length), 'hex'), other)).toBe(false);
  });

  it('needs a token for generic-hmac and an address for all', () => {
    const err = (() => {
      try {
        buildRequest({ type: 'generic-hmac', address: 'https://example.com/h' }, {}, event);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ProviderConfigError);
    expect(err).toMatchObject({ field: 'Secret key "token"', providerType: 'generic-hmac' });
    expect(() => buildRequest({ type: 'msteams' }, undefined, event)).toThrow(
      'msteams provider: spec.address or Secret key "address": a msteams provider needs an address',
    );
    expect(() => buildRequest({ type: 'discord' }, { address: 'hooks.example.com/s3cr3t' }, event)).toThrow(
      /^discord provider: spec\.address or Secret key "address": is not a URL$/,
    );
  });

  it('prefers the Secret address over spec.address', () => {
    const r = buildRequest(
      { type: 'generic', address: 'https://public.example.com/a' },
      { address: 'https://private.example.com/b' },
      event,
    );
    expect(r.url).toBe('https://private.example.com/b');
    expect(r.secrets).toContain('https://private.example.com/b');
  });
});

describe('github', () => {
  it('sets a commit status through the Enterprise API of the repository address', async () => {
    const { url, received } = await serve((_req, res) =>
      res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":1}'),
    );
    const request = buildRequest(
      { type: 'github', address: `${url}/acme/shop.git` },
      { token: 'ghp_abcdef123456' },
      event,
    );
    expect(await deliver(request, options(new JumpClock()))).toMatchObject({ attempts: 1, status: 201 });
    const [r] = received;
    expect(r?.method).toBe('POST');
    expect(r?.path).toBe(`/api/v3/repos/acme/shop/statuses/${SHA}`);
    expect(r?.headers.authorization).toBe('Bearer ghp_abcdef123456');
    expect(r?.headers.accept).toBe('application/vnd.github+json');
    expect(JSON.parse(r?.body.toString('utf8') ?? '')).toEqual({
      state: 'success',
      context: 'moor/kustomization/default/shop',
      description: 'Drift corrected: 1 field',
    });
  });

  it('names GitHub’s message on a 422 and never the token', async () => {
    const { url } = await serve((_req, res) =>
      res
        .writeHead(422, { 'content-type': 'application/json' })
        .end('{"message":"No commit found for SHA","documentation_url":"x"}'),
    );
    const err = await rejection(
      deliver(
        buildRequest({ type: 'github', address: `${url}/acme/shop` }, { token: 'ghp_abcdef123456' }, event),
        options(new JumpClock()),
      ),
    );
    expect(err.message).toBe(
      `github provider: ${url}/… rejected the notification with HTTP 422: No commit found for SHA`,
    );
  });

  it('targets api.github.com for github.com in every address form', () => {
    const api = { apiBase: 'https://api.github.com', owner: 'acme', repo: 'shop' };
    expect(parseGitHubAddress('https://github.com/acme/shop')).toEqual(api);
    expect(parseGitHubAddress('https://github.com/acme/shop.git/')).toEqual(api);
    expect(parseGitHubAddress('git@github.com:acme/shop.git')).toEqual(api);
    expect(parseGitHubAddress('ssh://git@github.com/acme/shop')).toEqual(api);
    expect(parseGitHubAddress('https://ghe.example.com/acme/shop')).toEqual({
      ...api,
      apiBase: 'https://ghe.example.com/api/v3',
    });
    expect(
      buildRequest({ type: 'github', address: 'https://github.com/acme/shop' }, { token: 't0ken' }, event)
        .url,
    ).toBe(`https://api.github.com/repos/acme/shop/statuses/${SHA}`);
    expect(() => parseGitHubAddress('https://github.com/acme')).toThrow(/must name a repository/);
  });

  it('needs a token, and skips events without a commit', () => {
    expect(() =>
      buildRequest({ type: 'github', address: 'https://github.com/acme/shop' }, {}, event),
    ).toThrow(ProviderConfigError);
    expect(() =>
      buildRequest(
        { type: 'github', address: 'https://github.com/acme/shop' },
        { token: 't0ken' },
        { ...event, metadata: {} },
      ),
    ).toThrow(UnsupportedEventError);
  });
});

describe('providerTimeoutMs', () => {
  it('reads spec.timeout, 15 s by default', () => {
    expect(providerTimeoutMs({ type: 'slack' })).toBe(15_000);
    expect(providerTimeoutMs({ type: 'slack', timeout: '1m30s' })).toBe(90_000);
    expect(() => providerTimeoutMs({ type: 'slack', timeout: 'soon' })).toThrow(ProviderConfigError);
  });
});
