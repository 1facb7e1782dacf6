// Kubernetes access for the CLI: credentials from the kubeconfig (@moor/runtime's loader, the
// same one the controllers use), and a small REST client over node:https that can address any
// kind, so that `tree`, `check`, `events` and `diff` reach built-in kinds as easily as Moor's.
import http from 'node:http';
import https from 'node:https';
import { loadKubeConfig } from '@moor/runtime';
import { CliError, messageOf } from './errors.js';

export type KubeConfig = ReturnType<typeof loadKubeConfig>;

export interface KubeOptions {
  kubeconfig?: string;
  context?: string;
}

/** What a request needs to address one kind. */
export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    creationTimestamp?: string;
    generation?: number;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    managedFields?: unknown[];
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

/** An answer of the API server other than 2xx. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly status: number,
    readonly reason?: string,
  ) {
    super(message);
  }
}

export const isNotFound = (err: unknown) => err instanceof ApiError && err.status === 404;

export interface RequestOptions {
  query?: Record<string, string | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export function resourcePath(r: ResourceType, namespace?: string, name?: string): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${r.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}

export class Kube {
  private discovery = new Map<string, Promise<Array<{ kind: string; name: string; namespaced: boolean }>>>();

  private constructor(
    readonly config: KubeConfig,
    /** Where the credentials came from, for messages. */
    readonly source: string,
  ) {}

  static load(opts: KubeOptions): Kube {
    let kc: KubeConfig;
    const source = opts.kubeconfig ?? process.env.KUBECONFIG ?? '~/.kube/config';
    try {
      kc = loadKubeConfig(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {});
    } catch (err) {
      throw new CliError(
        `cannot read the kubeconfig ${source}: ${messageOf(err)}\n` +
          'Point --kubeconfig (or KUBECONFIG) at a readable kubeconfig file.',
      );
    }
    if (opts.context) {
      if (!kc.getContextObject(opts.context)) {
        const known = kc.getContexts().map((c) => c.name);
        throw new CliError(
          `the kubeconfig ${source} has no context "${opts.context}"; it has: ${known.join(', ') || 'none'}`,
        );
      }
      kc.setCurrentContext(opts.context);
    }
    return new Kube(kc, source);
  }

  get server(): string {
    return this.config.getCurrentCluster()?.server ?? '<no cluster>';
  }

  /** The namespace of the current context, or default. */
  get defaultNamespace(): string {
    return this.config.getContextObject(this.config.getCurrentContext())?.namespace ?? 'default';
  }

  /** The kubeconfig user of the current context. */
  get user(): string {
    return this.config.getCurrentUser()?.name ?? 'unknown';
  }

  private unreachable(err: unknown): CliError {
    const e = err as NodeJS.ErrnoException;
    return new CliError(
      `cannot reach the Kubernetes API server at ${this.server} (${e.code ?? messageOf(err)}).\n` +
        `Check that the cluster is running and that the kubeconfig (${this.source}, context ` +
        `"${this.config.getCurrentContext()}") points at it; choose another with --kubeconfig or --context.`,
    );
  }

  private async open(
    method: string,
    path: string,
    opts: RequestOptions = {},
  ): Promise<{ res: http.IncomingMessage; done: () => void }> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const reqOpts: https.RequestOptions = { method, headers: { Accept: 'application/json' } };
    await this.config.applyToHTTPSOptions(reqOpts);
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const headers = reqOpts.headers as Record<string, string>;
    if (body !== undefined) {
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    const lib = url.protocol === 'http:' ? http : https;
    return new Promise((resolve, reject) => {
      const req = lib.request(url, { ...reqOpts, timeout: 15_000 }, (res) =>
        resolve({ res, done: () => req.destroy() }),
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      req.on('error', (err) => reject(opts.signal?.aborted ? err : this.unreachable(err)));
      opts.signal?.addEventListener('abort', () => req.destroy(), { once: true });
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const { res } = await this.open(method, path, opts);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      let message = text.trim() || `HTTP ${status}`;
      let reason: string | undefined;
      try {
        const s = JSON.parse(text) as { message?: string; reason?: string };
        message = s.message ?? message;
        reason = s.reason;
      } catch {}
      if (status === 401)
        throw new CliError(
          `the API server at ${this.server} rejected the credentials of the kubeconfig (${this.source}): ${message}`,
        );
      throw new ApiError(message, status, reason);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T = KubeObject>(r: ResourceType, namespace: string | undefined, name: string): Promise<T> {
    return this.request<T>('GET', resourcePath(r, namespace, name));
  }

  async list<T = KubeObject>(
    r: ResourceType,
    namespace?: string,
    opts: { labelSelector?: string; fieldSelector?: string } = {},
  ): Promise<{ items: T[]; resourceVersion: string }> {
    const res = await this.request<{ items: T[]; metadata: { resourceVersion: string } }>(
      'GET',
      resourcePath(r, namespace),
      { query: { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector } },
    );
    return { items: res.items ?? [], resourceVersion: res.metadata?.resourceVersion ?? '' };
  }

  /** A JSON merge patch (null removes a key). */
  mergePatch<T = KubeObject>(r: ResourceType, namespace: string, name: string, patch: object): Promise<T> {
    return this.request<T>('PATCH', resourcePath(r, namespace, name), {
      body: patch,
      contentType: 'application/merge-patch+json',
      query: { fieldManager: 'moor' },
    });
  }

  /**
   * Server-side apply as field manager moor; dryRun leaves the cluster as it is; `strict`
   * rejects unknown and duplicate fields (fieldValidation=Strict, as the kustomize controller).
   */
  apply<T = KubeObject>(
    r: ResourceType,
    object: KubeObject,
    opts: { dryRun?: boolean; force?: boolean; strict?: boolean } = {},
  ): Promise<T> {
    const md = object.metadata ?? {};
    return this.request<T>('PATCH', resourcePath(r, md.namespace, md.name), {
      body: object,
      contentType: 'application/apply-patch+yaml',
      query: {
        fieldManager: 'moor',
        ...(opts.force ? { force: 'true' } : {}),
        ...(opts.dryRun ? { dryRun: 'All' } : {}),
        ...(opts.strict ? { fieldValidation: 'Strict' } : {}),
      },
    });
  }

  /**
   * Watches a list from `resourceVersion` (or from now), calling `onEvent` per change until the
   * signal aborts or the server ends the watch; resolves then.
   */
  async watch<T = KubeObject>(
    r: ResourceType,
    namespace: string | undefined,
    opts: { labelSelector?: string; fieldSelector?: string; resourceVersion?: string; signal?: AbortSignal },
    onEvent: (e: WatchEvent<T>) => void,
  ): Promise<void> {
    const { res, done } = await this.open('GET', resourcePath(r, namespace), {
      query: {
        watch: '1',
        allowWatchBookmarks: 'true',
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        resourceVersion: opts.resourceVersion,
      },
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    if ((res.statusCode ?? 0) >= 300) {
      done();
      throw new ApiError(`watch failed: HTTP ${res.statusCode}`, res.statusCode ?? 0);
    }
    let buffer = '';
    try {
      for await (const chunk of res) {
        buffer += (chunk as Buffer).toString('utf8');
        for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (line) onEvent(JSON.parse(line) as WatchEvent<T>);
        }
      }
    } catch (err) {
      if (!opts.signal?.aborted) throw err;
    } finally {
      done();
    }
  }

  /** The resource type of a kind in an apiVersion, from the API server's discovery. */
  async resourceFor(apiVersion: string, kind: string): Promise<ResourceType> {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    const key = `${group}/${version}`;
    let p = this.discovery.get(key);
    if (!p) {
      p = this.request<{ resources: Array<{ kind: string; name: string; namespaced: boolean }> }>(
        'GET',
        group ? `/apis/${group}/${version}` : `/api/${version}`,
      ).then((r) => r.resources.filter((x) => !x.name.includes('/')));
      this.discovery.set(key, p);
    }
    const found = (await p).find((x) => x.kind === kind);
    if (!found) throw new CliError(`the API server does not serve ${kind} in ${apiVersion}`);
    return {
      group: group as string,
      version: version as string,
      plural: found.name,
      namespaced: found.namespaced,
    };
  }
}
