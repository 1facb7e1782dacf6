/**
 * The thin, typed bridge from @kubernetes/client-node to the informer cache's `ListWatch`: lists with
 * CustomObjectsApi and watches with `Watch`, for any resource under /apis (CRDs and named groups).
 *
 * Quirks of client-node it smooths over:
 * - `Watch` aborts a connection after 30 s without data and reports a TimeoutError; for a quiet
 *   resource that is the normal end of a watch, so it is reported as one (the cache then resumes
 *   from the last resourceVersion).
 * - Non-200 answers to the watch request come back as errors with `statusCode`, which the cache
 *   understands (410 → relist).
 */
import { CustomObjectsApi, type KubeConfig, type KubernetesObject, Watch } from '@kubernetes/client-node';
import type { CachedObject, ListResult, ListWatch, WatchEvent, WatchHandle } from './cache.js';

export interface WatchedResource {
  /** API group; the core group ("") is not served by CustomObjectsApi and is rejected. */
  group: string;
  version: string;
  plural: string;
  /** Watch one namespace; default all namespaces (or a cluster-scoped resource). */
  namespace?: string;
  labelSelector?: string;
}

/** The collection path of `resource`, e.g. /apis/source.moor.dev/v1/namespaces/ns/gitrepositories. */
export function resourcePath(resource: WatchedResource): string {
  const namespace =
    resource.namespace === undefined ? '' : `/namespaces/${encodeURIComponent(resource.namespace)}`;
  return `/apis/${resource.group}/${resource.version}${namespace}/${resource.plural}`;
}

export function kubeListWatch<T extends CachedObject>(
  kubeConfig: KubeConfig,
  resource: WatchedResource,
): ListWatch<T> {
  if (resource.group === '') {
    throw new TypeError('kubeListWatch serves named API groups only, not the core group');
  }
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  const watcher = new Watch(kubeConfig);
  const { group, version, plural, namespace, labelSelector } = resource;
  const selector = labelSelector === undefined ? {} : { labelSelector };

  return {
    async list(): Promise<ListResult<T>> {
      const response: unknown =
        namespace === undefined
          ? await api.listClusterCustomObject({ group, version, plural, ...selector })
          : await api.listNamespacedCustomObject({ group, version, namespace, plural, ...selector });
      return toListResult<T>(response);
    },

    async watch(resourceVersion, onEvent, onDone): Promise<WatchHandle> {
      const controller = await watcher.watch(
        resourcePath(resource),
        { resourceVersion, allowWatchBookmarks: true, ...selector },
        (phase: string, object: unknown) => {
          const event = toWatchEvent<T>(phase, object);
          if (event !== undefined) onEvent(event);
        },
        (error: unknown) => onDone(isClientTimeout(error) ? undefined : (error ?? undefined)),
      );
      return { abort: () => controller.abort() };
    },
  };
}

function toListResult<T>(response: unknown): ListResult<T> {
  if (typeof response !== 'object' || response === null)
    throw new TypeError('list response is not an object');
  const items: unknown = Reflect.get(response, 'items');
  if (!Array.isArray(items)) throw new TypeError('list response has no items');
  const metadata: unknown = Reflect.get(response, 'metadata');
  const resourceVersion: unknown =
    typeof metadata === 'object' && metadata !== null ? Reflect.get(metadata, 'resourceVersion') : undefined;
  return { items: items as T[], resourceVersion: typeof resourceVersion === 'string' ? resourceVersion : '' };
}

/** A watch event as the cache understands it, or undefined for a phase it does not know. */
export function toWatchEvent<T>(phase: string, object: unknown): WatchEvent<T> | undefined {
  if (typeof object !== 'object' || object === null) return undefined;
  switch (phase) {
    case 'ADDED':
    case 'MODIFIED':
    case 'DELETED':
      return { type: phase, object: object as T };
    case 'BOOKMARK':
      return { type: phase, object: object as KubernetesObject };
    case 'ERROR':
      return { type: phase, object: object as { code?: number; reason?: string; message?: string } };
    default:
      return undefined;
  }
}

function isClientTimeout(error: unknown): boolean {
  // client-node reports it as a DOMException, which need not be an Error instance everywhere.
  return typeof error === 'object' && error !== null && Reflect.get(error, 'name') === 'TimeoutError';
}
