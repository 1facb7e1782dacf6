// Raw JSON access to any kind, over @kubernetes/client-node's KubernetesObjectApi.
//
// KubernetesObjectApi's own create/patch/read run objects of built-in groups through the typed
// model serializer, which drops fields it does not know and renames others (a CRD's
// `x-kubernetes-*` schema keys would be lost). This subclass keeps its discovery (the cached
// APIResourceList lookup that tells namespaced from cluster-scoped kinds), its authentication
// and middleware, and sends and returns JSON untouched.
import * as k8s from '@kubernetes/client-node';
import { httpStatusOf } from '@moor/runtime';
import { isObject, type KubeObject } from './objects.js';

/** What discovery says about one kind. */
export interface ResourceInfo {
  /** The plural resource name used in URLs, e.g. `deployments`. */
  plural: string;
  namespaced: boolean;
}

export type QueryParams = Record<string, string | undefined>;

export interface RawRequest {
  method: k8s.HttpMethod;
  path: string;
  query?: QueryParams;
  body?: unknown;
  contentType?: string;
}

export class RawObjectApi extends k8s.KubernetesObjectApi {
  static fromKubeConfig(kc: k8s.KubeConfig): RawObjectApi {
    return kc.makeApiClient(RawObjectApi);
  }

  /** Discovery: undefined when the API server does not serve `kind` in `apiVersion`. */
  async lookup(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    let resource: k8s.V1APIResource | undefined;
    try {
      resource = await this.resource(apiVersion, kind);
    } catch (err) {
      // The whole group/version is not served.
      if (httpStatusOf(err) === 404) return undefined;
      throw err;
    }
    if (!resource) return undefined;
    return { plural: resource.name, namespaced: resource.namespaced };
  }

  /** Forgets what discovery returned for `apiVersion` (after a CRD was installed or removed). */
  forget(apiVersion: string): void {
    delete this.apiVersionResourceCache[apiVersion];
  }

  /** The URL path of a resource collection or, with `name`, of one object. */
  static path(apiVersion: string, info: ResourceInfo, namespace: string, name?: string): string {
    const root = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    return `${root}${ns}/${info.plural}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
  }

  /** Sends a request and returns the JSON response; non-2xx answers throw k8s.ApiException. */
  async send(request: RawRequest): Promise<KubeObject> {
    const ctx = this.configuration.baseServer.makeRequestContext(request.path, request.method);
    ctx.setHeaderParam('Accept', 'application/json');
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) ctx.setQueryParam(key, value);
    }
    if (request.body !== undefined) {
      ctx.setHeaderParam('Content-Type', request.contentType ?? 'application/json');
      ctx.setBody(JSON.stringify(request.body));
    }
    return this.requestPromise<KubeObject>(ctx);
  }

  protected override async processResponse<T extends k8s.KubernetesObject>(
    response: k8s.ResponseContext,
  ): Promise<T> {
    const text = await response.body.text();
    let body: unknown = text;
    try {
      body = text === '' ? {} : JSON.parse(text);
    } catch {
      // Not JSON: keep the text for the error.
    }
    if (response.httpStatusCode >= 200 && response.httpStatusCode <= 299) {
      if (!isObject(body))
        throw new Error(`unexpected non-object response (HTTP ${response.httpStatusCode})`);
      return body as T;
    }
    throw new k8s.ApiException(response.httpStatusCode, 'Unsuccessful HTTP Request', body, response.headers);
  }
}
