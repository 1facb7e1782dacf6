// Ref resolution against the remote's advertisement, in one round trip (the smart-HTTP
// `info/refs` GET of protocol v1, which lists every ref with annotated tags peeled and the
// HEAD symref). Precedence and revision strings follow Flux's GitRepository v1:
//   commit > name > semver > tag > branch, default branch when no ref is given;
//   `<branch>@sha1:<hex>`, `<tag>@sha1:<hex>` (tag and semver), `<name>@sha1:<hex>`,
//   `sha1:<hex>` for a bare commit, `<branch>@sha1:<commit>` for branch + commit.
// The controller compares the resolved revision with its last artifact and skips the fetch
// when they are equal.
import semver from 'semver';
import { GitRefNotFoundError, InvalidRefError } from './errors.js';

/** `spec.ref` of a GitRepository. */
export interface GitRepositoryRef {
  branch?: string;
  tag?: string;
  semver?: string;
  name?: string;
  commit?: string;
}

/** One advertised ref; `peeled` is the commit an annotated tag points to. */
export interface RemoteRef {
  ref: string;
  oid: string;
  peeled?: string;
  target?: string;
}

/** The outcome of resolving a ref against the remote. */
export interface ResolvedRef {
  /** The commit the artifact is made of. */
  commit: string;
  /** Flux-format revision, e.g. `main@sha1:0123…`. */
  revision: string;
  /**
   * What to fetch: the full ref name whose tip carries the commit (`refs/heads/main`,
   * `refs/tags/v1`, `refs/pull/1/head`). When `commitPinned` is set the ref is the branch that
   * should contain the commit, which may lie deeper than its tip.
   */
  fetchRef: string;
  /** The spec pinned a commit (`ref.commit`), which may need a deeper fetch than depth 1. */
  commitPinned: boolean;
  /** Human description of the spec, for messages: `branch "main"`. */
  describe: string;
}

const SHA1 = /^[0-9a-f]{40}$/;

/** The commit a ref designates: the peeled target for annotated tags. */
function commitOf(r: RemoteRef): string {
  return r.peeled ?? r.oid;
}

function shortBranch(fullRef: string): string {
  return fullRef.startsWith('refs/heads/') ? fullRef.slice('refs/heads/'.length) : fullRef;
}

/** Flux revision string for a named ref (branch, tag or full name) and a commit. */
export function formatRevision(name: string | undefined, commit: string): string {
  return name ? `${name}@sha1:${commit}` : `sha1:${commit}`;
}

/** The remote's default branch: the HEAD symref, else the branch whose tip equals HEAD's. */
export function defaultBranch(refs: readonly RemoteRef[]): string | undefined {
  const head = refs.find((r) => r.ref === 'HEAD');
  if (!head) return undefined;
  if (head.target) return head.target;
  return refs.find((r) => r.ref.startsWith('refs/heads/') && r.oid === head.oid)?.ref;
}

/**
 * Resolves `ref` against the advertised refs of `url` (the URL is only used in messages).
 * Throws GitRefNotFoundError or InvalidRefError.
 */
export function resolveRef(url: string, refs: readonly RemoteRef[], ref: GitRepositoryRef = {}): ResolvedRef {
  const byName = new Map(refs.map((r) => [r.ref, r]));
  const branchRef = (branch: string): RemoteRef => {
    const found = byName.get(`refs/heads/${branch}`);
    if (!found) throw new GitRefNotFoundError(url, `branch "${branch}"`);
    return found;
  };
  const headBranch = (): string => {
    const name = defaultBranch(refs);
    if (!name) throw new GitRefNotFoundError(url, 'default branch (HEAD)');
    return name;
  };

  if (ref.commit !== undefined) {
    const commit = ref.commit.toLowerCase();
    if (!SHA1.test(commit)) throw new InvalidRefError(`commit "${ref.commit}" is not a full SHA-1`);
    if (ref.branch) {
      const branch = branchRef(ref.branch);
      return {
        commit,
        revision: formatRevision(ref.branch, commit),
        fetchRef: branch.ref,
        commitPinned: commit !== branch.oid,
        describe: `commit ${commit} on branch "${ref.branch}"`,
      };
    }
    // Cheapest fetch: a ref whose tip is the commit (depth 1); else the default branch.
    const tip = refs.find((r) => r.ref !== 'HEAD' && commitOf(r) === commit);
    return {
      commit,
      revision: formatRevision(undefined, commit),
      fetchRef: tip?.ref ?? headBranch(),
      commitPinned: tip === undefined,
      describe: `commit ${commit}`,
    };
  }

  if (ref.name !== undefined) {
    const found = byName.get(ref.name);
    if (!found || ref.name === 'HEAD') {
      if (ref.name === 'HEAD' && found) {
        return {
          commit: commitOf(found),
          revision: formatRevision(ref.name, commitOf(found)),
          fetchRef: headBranch(),
          commitPinned: false,
          describe: 'ref "HEAD"',
        };
      }
      throw new GitRefNotFoundError(url, `ref "${ref.name}"`);
    }
    return {
      commit: commitOf(found),
      revision: formatRevision(ref.name, commitOf(found)),
      fetchRef: found.ref,
      commitPinned: false,
      describe: `ref "${ref.name}"`,
    };
  }

  if (ref.semver !== undefined) {
    const range = semver.validRange(ref.semver);
    if (range === null) throw new InvalidRefError(`semver range "${ref.semver}" is invalid`);
    const byVersion = new Map<string, RemoteRef>();
    for (const r of refs) {
      if (!r.ref.startsWith('refs/tags/')) continue;
      const version = semver.parse(r.ref.slice('refs/tags/'.length));
      if (!version) continue;
      const previous = byVersion.get(version.version);
      // `v1.0.0` and `1.0.0` both parse as 1.0.0: prefer the lexically smaller name, deterministically.
      if (!previous || r.ref < previous.ref) byVersion.set(version.version, r);
    }
    const best = semver.maxSatisfying([...byVersion.keys()], range);
    const tag = best === null ? undefined : byVersion.get(best);
    if (!tag) throw new GitRefNotFoundError(url, `tag matching semver range "${ref.semver}"`);
    const name = tag.ref.slice('refs/tags/'.length);
    return {
      commit: commitOf(tag),
      revision: formatRevision(name, commitOf(tag)),
      fetchRef: tag.ref,
      commitPinned: false,
      describe: `semver range "${ref.semver}" (tag "${name}")`,
    };
  }

  if (ref.tag !== undefined) {
    const found = byName.get(`refs/tags/${ref.tag}`);
    if (!found) throw new GitRefNotFoundError(url, `tag "${ref.tag}"`);
    return {
      commit: commitOf(found),
      revision: formatRevision(ref.tag, commitOf(found)),
      fetchRef: found.ref,
      commitPinned: false,
      describe: `tag "${ref.tag}"`,
    };
  }

  const fullRef = ref.branch ? `refs/heads/${ref.branch}` : headBranch();
  const branch = ref.branch ? branchRef(ref.branch) : byName.get(fullRef);
  if (!branch) throw new GitRefNotFoundError(url, `default branch "${shortBranch(fullRef)}"`);
  return {
    commit: branch.oid,
    revision: formatRevision(shortBranch(fullRef), branch.oid),
    fetchRef: fullRef,
    commitPinned: false,
    describe: `branch "${shortBranch(fullRef)}"`,
  };
}
