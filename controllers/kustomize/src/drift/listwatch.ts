// A ListWatch (the informer cache's view of the API server) for any group/version/kind, core
// group included: discovery finds the resource's plural and scope, lists go through RawObjectApi
// (KubernetesObjectApi's request machinery, JSON untouched, paged) and watches through
// client-node's Watch. @moor/runtime's kubeListWatch serves named groups only (CustomObjectsApi).
import * as k8s from '@kubernetes/client-node';
import {
  type CachedObject,
  type ListResult,
  type ListWatch,
  toWatchEvent,
  type WatchHandle,
} from '@moor/runtime';
import { RawObjectApi, type ResourceInfo } from '../apply/client.js';
import { isObject, type KubeObject } from '../apply/objects.js';
import { UnservedKindError } from './errors.js';

/** An object as listed or watched: plain JSON, with the metadata the informer cache reads. */
export type WatchedObject = KubeObject & CachedObject;

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export const apiVersionOf = (gvk: Pick<GroupVersionKind, 'group' | 'version'>): string =>
  gvk.group === '' ? gvk.version : `${gvk.group}/${gvk.version}`;

/** `apps/v1/Deployment`, `v1/ConfigMap` (core group). */
export const formatGvk = (gvk: GroupVersionKind): string => `${apiVersionOf(gvk)}/${gvk.kind}`;

export interface ObjectListWatchOptions {
  labelSelector?: string;
  /** One namespace; default all namespaces (or a cluster-scoped kind). */
  namespace?: string;
  /** Objects per list page. Default 500. */
  pageSize?: number;
}

/** Makes the ListWatch of one kind; the DriftWatcher asks for one per watched kind. */
export type ListWatchFactory = (gvk: GroupVersionKind, labelSelector: string) => ListWatch<WatchedObject>;

/** The ListWatch of `gvk` through the API server of `kubeConfig`. */
export function kubeObjectListWatch(
  kubeConfig: k8s.KubeConfig,
  gvk: GroupVersionKind,
  options: ObjectListWatchOptions = {},
): ListWatch<WatchedObject> {
  const api = RawObjectApi.fromKubeConfig(kubeConfig);
  const watcher = new k8s.Watch(kubeConfig);
  const apiVersion = apiVersionOf(gvk);
  const selector = options.labelSelector === undefined ? {} : { labelSelector: options.labelSelector };
  let collection: string | undefined;

  const collectionPath = async (): Promise<string> => {
    if (collection !== undefined) return collection;
    const info: ResourceInfo | undefined = await api.lookup(apiVersion, gvk.kind);
    if (info === undefined) {
      api.forget(apiVersion); // a CRD may be installed later
      throw new UnservedKindError(apiVersion, gvk.kind);
    }
    collection = RawObjectApi.path(apiVersion, info, info.namespaced ? (options.namespace ?? '') : '');
    return collection;
  };

  return {
    async list(): Promise<ListResult<WatchedObject>> {
      const path = await collectionPath();
      const items: WatchedObject[] = [];
      let resourceVersion = '';
      let continueToken: string | undefined;
      do {
        const page = await api.send({
          method: 'GET',
          path,
          query: { ...selector, limit: String(options.pageSize ?? 500), continue: continueToken },
        });
        const pageItems = page.items;
        if (!Array.isArray(pageItems)) throw new TypeError(`list of ${path} has no items`);
        // The list's kind and apiVersion are on the list, not on its items.
        for (const item of pageItems)
          if (isObject(item)) items.push({ apiVersion, kind: gvk.kind, ...item } as WatchedObject);
        const meta = isObject(page.metadata) ? page.metadata : {};
        if (resourceVersion === '' && typeof meta.resourceVersion === 'string')
          resourceVersion = meta.resourceVersion;
        continueToken = typeof meta.continue === 'string' && meta.continue !== '' ? meta.continue : undefined;
      } while (continueToken !== undefined);
      return { items, resourceVersion };
    },

    async watch(resourceVersion, onEvent, onDone): Promise<WatchHandle> {
      const path = await collectionPath();
      const controller = await watcher.watch(
        path,
        { resourceVersion, allowWatchBookmarks: true, ...selector },
        (phase: string, object: unknown) => {
          const event = toWatchEvent<WatchedObject>(phase, object);
          if (event !== undefined) onEvent(event);
        },
        // client-node ends a watch silent for 30 s with a TimeoutError: a normal end for a quiet kind.
        (error: unknown) => onDone(isClientTimeout(error) ? undefined : (error ?? undefined)),
      );
      return { abort: () => controller.abort() };
    },
  };
}

/** A ListWatchFactory over `kubeConfig`, all namespaces. */
export function kubeListWatchFactory(kubeConfig: k8s.KubeConfig): ListWatchFactory {
  return (gvk, labelSelector) => kubeObjectListWatch(kubeConfig, gvk, { labelSelector });
}

function isClientTimeout(error: unknown): boolean {
  return typeof error === 'object' && error !== null && Reflect.get(error, 'name') === 'TimeoutError';
}
