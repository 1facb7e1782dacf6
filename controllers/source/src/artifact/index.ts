export { DEFAULT_EXCLUSIONS, ExclusionMatcher, type IgnoreScope, SOURCE_IGNORE_FILE } from './exclusions.js';
export {
  type ArtifactInfo,
  type ExtraFile,
  type PackageOptions,
  packageCommit,
  selectFiles,
  type TreeFile,
  tarStream,
} from './package.js';
export {
  artifactPath,
  type GcPolicy,
  garbageCollect,
  resolveUnder,
  type WrittenFile,
  writeFileAtomic,
} from './storage.js';
export { encodeHeader, type TarEntry } from './tar.js';
