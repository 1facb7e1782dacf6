/**
 * The probe and metrics endpoint of a controller, on its own port:
 *
 *   /healthz  200 while the process serves requests (liveness: a stuck event loop fails it).
 *   /readyz   200 when every readiness check passes, else 503. The body lists each check as
 *             `[+]name ok` or `[-]name failed`, like the API server's; `?verbose` is implied.
 *   /metrics  the Prometheus exposition of the given registry.
 *
 * Readiness should be true for a standby replica too: readiness routes traffic, leadership only
 * decides who reconciles, so a check like "leader elected or standby" must pass for both.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** Resolves true when ready. Throwing or rejecting counts as not ready. */
export type ReadinessCheck = () => boolean | Promise<boolean>;

export interface ProbeServerOptions {
  /** TCP port; 0 picks a free one (see `port` after `listen`). */
  port: number;
  /** Default: all interfaces, as probes come from the kubelet on the node. */
  host?: string;
  /** Served on /metrics when given. */
  registry?: Registry;
  readinessChecks?: Record<string, ReadinessCheck>;
}

/** A read-only JSON endpoint: the request URL in, a status and a JSON body out. */
export type JsonRoute = (url: URL) => Promise<{ status: number; body: unknown }>;

export class ProbeServer {
  readonly #server: Server;
  readonly #options: ProbeServerOptions;
  readonly #readinessChecks = new Map<string, ReadinessCheck>();
  readonly #routes = new Map<string, JsonRoute>();
  #port: number | undefined;

  constructor(options: ProbeServerOptions) {
    this.#options = options;
    for (const [name, check] of Object.entries(options.readinessChecks ?? {}))
      this.addReadinessCheck(name, check);
    this.#server = createServer((request, response) => {
      this.#handle(request, response).catch(() => {
        if (!response.headersSent) response.writeHead(500);
        response.end();
      });
    });
  }

  /** The bound port, once listening. */
  get port(): number {
    if (this.#port === undefined) throw new Error('probe server is not listening');
    return this.#port;
  }

  addReadinessCheck(name: string, check: ReadinessCheck): void {
    this.#readinessChecks.set(name, check);
  }

  async listen(): Promise<number> {
    this.#server.listen(this.#options.port, this.#options.host);
    await once(this.#server, 'listening');
    this.#port = (this.#server.address() as AddressInfo).port;
    return this.#port;
  }

  /** Stops listening and closes open connections, including idle keep-alive ones. */
  async close(): Promise<void> {
    if (!this.#server.listening) return;
    const closed = new Promise<void>((resolve, reject) =>
      this.#server.close((error) => (error === undefined ? resolve() : reject(error))),
    );
    this.#server.closeAllConnections();
    await closed;
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    switch (path) {
      case '/healthz':
        respondText(response, 200, 'ok\n');
        return;
      case '/readyz': {
        const { ready, report } = await this.#runReadinessChecks();
        respondText(response, ready ? 200 : 503, report);
        return;
      }
      case '/metrics': {
        const registry = this.#options.registry;
        if (registry === undefined) break;
        const body = await registry.metrics();
        response.writeHead(200, { 'content-type': registry.contentType }).end(body);
        return;
      }
    }
    for (const [prefix, route] of this.#routes) {
      if (path === prefix || path.startsWith(`${prefix}/`)) {
        const { status, body } = await route(new URL(request.url ?? '/', 'http://localhost')).catch(
          (err: unknown) => ({
            status: 500,
            body: { message: err instanceof Error ? err.message : String(err) },
          }),
        );
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        return;
      }
    }
    respondText(response, 404, 'not found\n');
  }

  /**
   * Serves `prefix` and everything below it with `route`, as JSON (a controller's read API, e.g.
   * reconcile history for the CLI through the API server's Service proxy).
   */
  addRoute(prefix: string, route: JsonRoute): void {
    this.#routes.set(prefix, route);
  }

  async #runReadinessChecks(): Promise<{ ready: boolean; report: string }> {
    const results = await Promise.all(
      [...this.#readinessChecks].map(async ([name, check]) => {
        let ok: boolean;
        try {
          ok = (await check()) === true;
        } catch {
          // A check's error may describe internals; the probe only needs the verdict.
          ok = false;
        }
        return { name, ok };
      }),
    );
    const ready = results.every((result) => result.ok);
    const lines = results.map(({ name, ok }) => (ok ? `[+]${name} ok` : `[-]${name} failed`));
    lines.push(ready ? 'readyz check passed' : 'readyz check failed');
    return { ready, report: `${lines.join('\n')}\n` };
  }
}

function respondText(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
}

/** Creates a probe server and starts listening. */
export async function startProbeServer(options: ProbeServerOptions): Promise<ProbeServer> {
  const server = new ProbeServer(options);
  await server.listen();
  return server;
}
