// The one mapping from a Kustomization's spec to build options, used by the controller and by
// `moor diff`, so what the CLI shows is what the controller would build.
import type { KustomizationSpec } from '@moor/api';
import type { BuildOptions } from './index.js';

/**
 * Overlay fields and postBuild substitution of `spec`. `substituteFromValues` are the values of
 * spec.postBuild.substituteFrom, already read; spec.postBuild.substitute wins over them, as in Flux.
 */
export function buildOptionsFor(
  spec: KustomizationSpec,
  substituteFromValues: Record<string, string>,
): Pick<BuildOptions, 'path' | 'overlay' | 'postBuild'> {
  return {
    ...(spec.path ? { path: spec.path } : {}),
    overlay: {
      ...(spec.targetNamespace ? { targetNamespace: spec.targetNamespace } : {}),
      ...(spec.namePrefix ? { namePrefix: spec.namePrefix } : {}),
      ...(spec.nameSuffix ? { nameSuffix: spec.nameSuffix } : {}),
      ...(spec.patches ? { patches: spec.patches } : {}),
      ...(spec.images ? { images: spec.images } : {}),
      ...(spec.components ? { components: spec.components } : {}),
      ...(spec.commonMetadata ? { commonMetadata: spec.commonMetadata } : {}),
    },
    ...(spec.postBuild
      ? { postBuild: { substitute: { ...substituteFromValues, ...(spec.postBuild.substitute ?? {}) } } }
      : {}),
  };
}
