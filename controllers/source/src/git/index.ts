export { authFromSecretData, authorizationHeader, type GitAuthOptions, type GitCredentials } from './auth.js';
export {
  GitAuthError,
  GitError,
  GitRefNotFoundError,
  GitRemoteError,
  GitRepositoryNotFoundError,
  GitUnreachableError,
  InvalidRefError,
  InvalidUrlError,
  RepositoryTooLargeError,
} from './errors.js';
export { createHttpClient, type HttpClientOptions, type MeteredHttpClient } from './http-client.js';
export { type GitObject, ObjectStore, ObjectStoreError, type TreeEntry } from './object-store.js';
export { redactUrl } from './redact.js';
export {
  defaultBranch,
  formatRevision,
  type GitRepositoryRef,
  type RemoteRef,
  type ResolvedRef,
  resolveRef,
} from './refs.js';
export {
  type FetchResult,
  fetchRevision,
  listRemoteRefs,
  type RemoteOptions,
  resolveRemoteRef,
} from './remote.js';
export { parseRepositoryUrl, type RepositoryUrl } from './url.js';
