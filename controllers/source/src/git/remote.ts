// Remote operations: list/resolve refs (one round trip) and a shallow fetch into a
// per-repository bare object store, with isomorphic-git over our metered HttpClient.
// Every failure is translated into a typed GitError whose message carries no credential.
import fs from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { Errors, fetch, init, listServerRefs, setConfig } from 'isomorphic-git';
import { authorizationHeader, type GitAuthOptions } from './auth.js';
import {
  GitAuthError,
  GitError,
  GitRefNotFoundError,
  GitRemoteError,
  GitRepositoryNotFoundError,
  GitUnreachableError,
} from './errors.js';
import { createHttpClient, type MeteredHttpClient } from './http-client.js';
import { ObjectStore } from './object-store.js';
import {
  formatRevision,
  type GitRepositoryRef,
  type RemoteRef,
  type ResolvedRef,
  resolveRef,
} from './refs.js';
import { parseRepositoryUrl } from './url.js';

/** Options shared by every remote operation. */
export interface RemoteOptions extends GitAuthOptions {
  /** `spec.url`; http(s) only. Userinfo in the URL is used as basic credentials. */
  url: string;
  /** `spec.timeout`: deadline for the whole operation. Default 60 s. */
  timeoutMs?: number;
  /** Cancels the operation (e.g. the reconciler shutting down). */
  signal?: AbortSignal;
  /** Abort with RepositoryTooLargeError once this many bytes were received. */
  maxBytes?: number;
}

/** Result of fetchRevision. */
export interface FetchResult extends ResolvedRef {
  /** The bare object store the commit was fetched into. */
  gitdir: string;
  /** Bytes received from the remote (0 when the commit was already in the store). */
  bytesReceived: number;
  /** False when the commit was already present and no fetch happened. */
  fetched: boolean;
}

/** Git's "infinite" depth: deepening by this much unshallows the history. */
const INFINITE_DEPTH = 0x7fffffff;

interface Session {
  url: string;
  http: MeteredHttpClient;
  headers: Record<string, string>;
  signal: AbortSignal;
  timeoutMs: number;
}

function openSession(options: RemoteOptions): Session {
  const parsed = parseRepositoryUrl(options.url);
  const credentials =
    options.credentials ?? (parsed.userinfo ? { kind: 'basic' as const, ...parsed.userinfo } : undefined);
  const headers: Record<string, string> = credentials
    ? { authorization: authorizationHeader(credentials) }
    : {};
  const timeoutMs = options.timeoutMs ?? 60_000;
  const signals = [AbortSignal.timeout(timeoutMs)];
  if (options.signal) signals.push(options.signal);
  const signal = AbortSignal.any(signals);
  const http = createHttpClient({
    ...(options.caCert ? { caCert: options.caCert } : {}),
    ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
    idleTimeoutMs: timeoutMs,
    signal,
    repositoryUrl: parsed.url,
    headers,
  });
  return { url: parsed.url, http, headers, signal, timeoutMs };
}

const NETWORK_CODES: Record<string, string> = {
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timed out',
  EPIPE: 'connection closed',
};

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Maps whatever isomorphic-git or node threw into a GitError. */
function translate(err: unknown, s: Session, what: string): Error {
  if (s.http.tooLarge) return s.http.tooLarge;
  if (err instanceof GitError) return err;
  if (s.signal.aborted) {
    const reason: unknown = s.signal.reason;
    if (reason instanceof DOMException && reason.name === 'TimeoutError') {
      return new GitUnreachableError(s.url, `${what} timed out after ${s.timeoutMs} ms`, { cause: err });
    }
    return reason instanceof Error ? reason : new GitRemoteError(s.url, `${what} aborted`, { cause: err });
  }
  if (err instanceof Errors.HttpError) {
    const status = err.data.statusCode;
    if (status === 401 || status === 403) return new GitAuthError(s.url, status, { cause: err });
    if (status === 404) return new GitRepositoryNotFoundError(s.url, { cause: err });
    return new GitRemoteError(s.url, `${what}: HTTP ${status} ${err.data.statusMessage}`, { cause: err });
  }
  if (err instanceof Errors.SmartHttpError) {
    return new GitRemoteError(s.url, `${what}: not a Git smart-HTTP endpoint`, { cause: err });
  }
  const code = errorCode(err);
  if (code && NETWORK_CODES[code]) return new GitUnreachableError(s.url, NETWORK_CODES[code], { cause: err });
  if (code && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO/.test(code)) {
    return new GitUnreachableError(s.url, `TLS verification failed (${code})`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  // isomorphic-git messages never contain our Authorization header; the URL is redacted by GitRemoteError.
  return new GitRemoteError(s.url, `${what}: ${message.replaceAll(s.url, '<url>')}`, { cause: err });
}

async function withSession<T>(
  options: RemoteOptions,
  what: string,
  fn: (s: Session) => Promise<T>,
): Promise<T> {
  const s = openSession(options);
  try {
    return await fn(s);
  } catch (err) {
    throw translate(err, s, what);
  } finally {
    s.http.close();
  }
}

function listRefs(s: Session): Promise<RemoteRef[]> {
  // Protocol v1: the info/refs advertisement is the whole answer — one round trip, with
  // peeled tags and the HEAD symref. (v2 would need a second request for ls-refs.)
  return listServerRefs({
    http: s.http,
    url: s.url,
    headers: s.headers,
    protocolVersion: 1,
    symrefs: true,
    peelTags: true,
  });
}

/** Lists the remote's refs (ls-remote). One HTTP request. */
export function listRemoteRefs(options: RemoteOptions): Promise<RemoteRef[]> {
  return withSession(options, 'listing refs', listRefs);
}

/**
 * Resolves `ref` on the remote with one HTTP request, without fetching anything. The
 * reconciler compares `revision` with its current artifact's and skips the fetch if equal.
 */
export function resolveRemoteRef(options: RemoteOptions & { ref?: GitRepositoryRef }): Promise<ResolvedRef> {
  return withSession(options, 'resolving ref', async (s) =>
    resolveRef(s.url, await listRefs(s), options.ref),
  );
}

/**
 * Resolves `ref` and fetches its commit into the bare object store `gitdir` (created when
 * missing; reusable across reconciliations — an already present commit is not fetched
 * again). Depth 1 on the single ref; a pinned commit below its branch tip deepens the
 * branch until the commit is present. No working tree is checked out: package it with
 * `packageCommit`. One fetch per `gitdir` at a time.
 */
export async function fetchRevision(
  options: RemoteOptions & { ref?: GitRepositoryRef; gitdir: string; resolved?: ResolvedRef },
): Promise<FetchResult> {
  const { gitdir } = options;
  await mkdir(gitdir, { recursive: true });
  await init({ fs, gitdir, bare: true, defaultBranch: 'main' });
  // Any ref may be fetched (branches, tags, refs/pull/…): map them all under refs/remotes/origin.
  await setConfig({ fs, gitdir, path: 'remote.origin.fetch', value: '+refs/*:refs/remotes/origin/*' });
  return withSession(options, 'fetching', async (s) => {
    const resolved = options.resolved ?? resolveRef(s.url, await listRefs(s), options.ref);
    const store = await ObjectStore.open(gitdir);
    if (await store.has(resolved.commit)) {
      return { ...resolved, gitdir, bytesReceived: 0, fetched: false };
    }
    const fetchOnce = (depth: number) =>
      fetch({
        fs,
        http: s.http,
        gitdir,
        url: s.url,
        headers: s.headers,
        ref: resolved.fetchRef,
        singleBranch: true,
        tags: false,
        depth,
      });
    const result = await fetchOnce(1);
    await store.refresh();
    if (resolved.commitPinned) {
      if (!(await store.has(resolved.commit))) {
        await fetchOnce(INFINITE_DEPTH);
        await store.refresh();
      }
      if (!(await store.has(resolved.commit))) throw new GitRefNotFoundError(s.url, resolved.describe);
      return { ...resolved, gitdir, bytesReceived: s.http.bytesReceived, fetched: true };
    }
    // The ref may have moved between resolution and fetch: report what was fetched.
    const head = result.fetchHead;
    if (!head) throw new GitRefNotFoundError(s.url, resolved.describe);
    const commit = await store.peelToCommit(head);
    if (commit === resolved.commit)
      return { ...resolved, gitdir, bytesReceived: s.http.bytesReceived, fetched: true };
    const name = resolved.revision.slice(0, resolved.revision.lastIndexOf('@'));
    return {
      ...resolved,
      commit,
      revision: formatRevision(name, commit),
      gitdir,
      bytesReceived: s.http.bytesReceived,
      fetched: true,
    };
  });
}
