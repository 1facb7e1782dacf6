// An isomorphic-git HttpClient on node:http/node:https. Compared with isomorphic-git's own
// node client it adds what a controller needs: a custom CA, an idle timeout per request, an
// AbortSignal for the whole operation, pre-emptive auth headers, and a byte budget — every
// response byte is counted and the transfer is aborted with RepositoryTooLargeError once the
// budget is exceeded, so an oversized repository never fills the disk or the heap.
import http from 'node:http';
import https from 'node:https';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import { RepositoryTooLargeError } from './errors.js';

export interface HttpClientOptions {
  /** PEM CA bundle trusted for https remotes; when unset the system roots are used. */
  caCert?: string;
  /** Headers added to every request (e.g. Authorization). Dropped on cross-origin redirects. */
  headers?: Readonly<Record<string, string>>;
  /** Abort the request when the socket is idle this long. Default 60 s. */
  idleTimeoutMs?: number;
  /** Aborts every in-flight and future request. */
  signal?: AbortSignal;
  /** Total response bytes allowed over the client's lifetime; unlimited when unset. */
  maxBytes?: number;
  /** Used in RepositoryTooLargeError messages (redacted there). */
  repositoryUrl?: string;
}

/** An isomorphic-git HttpClient that also reports how much it received. */
export interface MeteredHttpClient extends HttpClient {
  /** Response body bytes received so far, over all requests. */
  readonly bytesReceived: number;
  /** The error that aborted a transfer because of `maxBytes`, if that happened. */
  readonly tooLarge: RepositoryTooLargeError | undefined;
  /** Closes pooled keep-alive sockets. */
  close(): void;
}

/** Thrown (as `cause`) when a socket stays idle longer than `idleTimeoutMs`. */
export class HttpIdleTimeoutError extends Error {
  override readonly name = 'HttpIdleTimeoutError';
  readonly code = 'ETIMEDOUT';
}

const MAX_REDIRECTS = 5;

async function collectBody(body: GitHttpRequest['body']): Promise<Buffer | undefined> {
  if (!body) return undefined;
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Creates a client; one per Git operation, so byte counts and the abort signal are scoped to it. */
export function createHttpClient(options: HttpClientOptions = {}): MeteredHttpClient {
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  const httpsAgent = new https.Agent({ keepAlive: true, ...(options.caCert ? { ca: options.caCert } : {}) });
  const httpAgent = new http.Agent({ keepAlive: true });
  let bytesReceived = 0;
  let tooLarge: RepositoryTooLargeError | undefined;

  function send(
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: Buffer | undefined,
  ): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const signal = options.signal;
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const isHttps = url.protocol === 'https:';
      const requestHeaders: Record<string, string> = { ...headers };
      if (body) requestHeaders['content-length'] = String(body.length);
      const req = (isHttps ? https : http).request(url, {
        method,
        headers: requestHeaders,
        agent: isHttps ? httpsAgent : httpAgent,
        ...(signal ? { signal } : {}),
      });
      req.setTimeout(idleTimeoutMs, () => {
        req.destroy(new HttpIdleTimeoutError(`no data for ${idleTimeoutMs} ms`));
      });
      req.once('error', reject);
      req.once('response', resolve);
      req.end(body);
    });
  }

  async function* meter(res: http.IncomingMessage): AsyncGenerator<Uint8Array> {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      bytesReceived += chunk.length;
      if (options.maxBytes !== undefined && bytesReceived > options.maxBytes) {
        tooLarge = new RepositoryTooLargeError(options.repositoryUrl ?? 'remote', options.maxBytes);
        res.destroy(tooLarge);
        throw tooLarge;
      }
      yield chunk;
    }
  }

  async function request(req: GitHttpRequest): Promise<GitHttpResponse> {
    const method = req.method ?? 'GET';
    const body = await collectBody(req.body);
    let url = new URL(req.url);
    const origin = url.origin;
    let headers: Record<string, string> = { ...options.headers, ...req.headers };
    for (let hop = 0; ; hop++) {
      const res = await send(url, method, headers, body);
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status >= 300 && status < 400 && location && hop < MAX_REDIRECTS) {
        res.resume();
        url = new URL(location, url);
        if (url.origin !== origin) {
          // Never forward credentials to another origin.
          headers = Object.fromEntries(
            Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'),
          );
        }
        continue;
      }
      const flat: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) {
        if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
      }
      return {
        url: url.toString(),
        method,
        statusCode: status,
        statusMessage: res.statusMessage ?? '',
        headers: flat,
        body: meter(res),
      };
    }
  }

  return {
    request,
    get bytesReceived() {
      return bytesReceived;
    },
    get tooLarge() {
      return tooLarge;
    },
    close() {
      httpsAgent.destroy();
      httpAgent.destroy();
    },
  };
}
