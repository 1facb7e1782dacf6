// An object as it belongs in Git: apiVersion, kind, the metadata a person wrote, and spec.
import type { KubeObject } from '../../kube.js';

/** Annotations that tools and controllers write, not people. */
const MACHINE_ANNOTATIONS = [
  'kubectl.kubernetes.io/last-applied-configuration',
  'reconcile.moor.dev/requestedAt',
];

export function cleanObject(o: KubeObject): KubeObject {
  const md = o.metadata ?? {};
  const annotations = Object.fromEntries(
    Object.entries(md.annotations ?? {}).filter(([k]) => !MACHINE_ANNOTATIONS.includes(k)),
  );
  const { apiVersion, kind, metadata: _m, status: _s, ...rest } = o;
  return {
    apiVersion,
    kind,
    metadata: {
      name: md.name,
      ...(md.namespace ? { namespace: md.namespace } : {}),
      ...(md.labels && Object.keys(md.labels).length ? { labels: md.labels } : {}),
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
    ...rest,
  };
}
