// Full history records without NATS: the kustomize controller serves them over HTTP
// (/api/v1/history). A user with only a kubeconfig reaches it through the API server's Service
// proxy (RBAC on services/proxy in Moor's namespace decides), or through --history-url after a
// `kubectl port-forward svc/kustomize-controller 9440`.
import type { ReconcileRecord } from '@moor/api';
import type { Context } from '../../context.js';
import { ApiError } from '../../kube.js';

const API = '/api/v1/history';

export interface RemoteHistorySource {
  /** Where the records came from, for notes. */
  describe: string;
  get<T>(subPath: string, query: Record<string, string | undefined>): Promise<T | undefined>;
}

/** --history-url, or MOOR_HISTORY_URL. */
function directUrl(flag: string | undefined): string | undefined {
  return flag ?? process.env.MOOR_HISTORY_URL;
}

export function moorNamespace(): string {
  return process.env.MOOR_NAMESPACE ?? 'moor-system';
}

/**
 * The source to ask, or why there is none (shown in the fallback note). A 404 from the
 * controller means "no such record", not "no source".
 */
export async function remoteHistory(
  ctx: Context,
  historyUrl: string | undefined,
): Promise<{ source: RemoteHistorySource } | { unavailable: string }> {
  const url = directUrl(historyUrl);
  if (url) {
    const base = url.replace(/\/+$/, '');
    return {
      source: {
        describe: base,
        async get<T>(subPath: string, query: Record<string, string | undefined>) {
          const u = new URL(`${base}${API}${subPath}`);
          for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, v);
          const res = await fetch(u).catch((err: unknown) => {
            throw new ApiError(`cannot reach ${base}: ${(err as Error).message}`, 0);
          });
          if (res.status === 404) return undefined;
          const body = (await res.json().catch(() => ({}))) as { message?: string };
          if (!res.ok) throw new ApiError(body.message ?? `HTTP ${res.status}`, res.status);
          return body as T;
        },
      },
    };
  }
  const ns = moorNamespace();
  const proxy = `/api/v1/namespaces/${ns}/services/kustomize-controller:metrics/proxy${API}`;
  const source: RemoteHistorySource = {
    describe: `the kustomize controller in ${ns}, through the API server`,
    async get<T>(subPath: string, query: Record<string, string | undefined>) {
      try {
        return await ctx.kube.request<T>('GET', `${proxy}${subPath}`, { query });
      } catch (err) {
        if (err instanceof ApiError && err.status === 404 && subPath) return undefined;
        throw err;
      }
    },
  };
  // One cheap probe: a controller that answers at all (even 400 for a missing name) is there.
  try {
    await ctx.kube.request('GET', proxy, { query: {} });
    return { source };
  } catch (err) {
    if (err instanceof ApiError && err.status === 400) return { source };
    const why =
      err instanceof ApiError
        ? err.status === 503
          ? `no kustomize controller pod answers behind service ${ns}/kustomize-controller`
          : err.status === 403
            ? `your kubeconfig may not use services/proxy in ${ns}`
            : err.status === 404
              ? `no service ${ns}/kustomize-controller (set MOOR_NAMESPACE if Moor runs elsewhere)`
              : err.message
        : (err as Error).message;
    return { unavailable: why };
  }
}

export type RemoteRecords = ReconcileRecord[];
