// Reconcile history over HTTP, beside the probes: GET /api/v1/history?namespace=&name=&since=&limit=
// lists a Kustomization's records, GET /api/v1/history/<id> returns one. It is how `moor history`
// reaches JetStream for a user who only has a kubeconfig: through the API server's Service proxy
// (so Kubernetes RBAC on services/proxy decides who may read it), or a port-forward.
import { findHistoryRecord, readHistory } from '@moor/bus';
import type { BackgroundBus, JsonRoute } from '@moor/runtime';

export const HISTORY_API_PATH = '/api/v1/history';

const problem = (status: number, message: string) => ({ status, body: { message } });

export function historyApi(bus: BackgroundBus): JsonRoute {
  return async (url) => {
    const b = bus.current();
    if (!b)
      return problem(
        503,
        'the kustomize controller is not connected to NATS; reconcile history is unavailable',
      );
    const rest = url.pathname.slice(HISTORY_API_PATH.length).replace(/^\/+/, '');
    if (rest) {
      const record = await findHistoryRecord(b.js, decodeURIComponent(rest));
      return record ? { status: 200, body: record } : problem(404, `no history record ${rest}`);
    }
    const q = url.searchParams;
    const namespace = q.get('namespace');
    const name = q.get('name');
    if (!namespace || !name) return problem(400, 'namespace and name are required query parameters');
    const since = q.get('since');
    const limit = q.get('limit');
    const sinceDate = since ? new Date(since) : undefined;
    if (sinceDate && Number.isNaN(sinceDate.getTime()))
      return problem(400, `since=${since} is not an RFC 3339 time`);
    if (limit !== null && !/^[1-9][0-9]*$/.test(limit))
      return problem(400, `limit=${limit} is not a positive whole number`);
    const records = await readHistory(b.js, {
      kustomization: { namespace, name },
      ...(sinceDate ? { since: sinceDate } : {}),
      ...(limit !== null ? { limit: Number(limit) } : {}),
    });
    return { status: 200, body: records };
  };
}
