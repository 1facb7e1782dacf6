export {
  type ArtifactInput,
  BuildError,
  type BuildOptions,
  type BuildResult,
  type BuiltObject,
  build,
  type ObjectRef as BuildObjectRef,
  type OverlaySpec,
  verifyDigest,
} from '@moor/kustomize-build';
export * from './apply/index.js';
export * from './config.js';
export * from './controller.js';
export * from './reconciler.js';
