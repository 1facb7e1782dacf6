// Repository URL validation. isomorphic-git speaks smart HTTP only, so SSH (ssh://, scp-style
// git@host:path), git:// and file:// URLs are rejected up front with an actionable message.
import { InvalidUrlError } from './errors.js';
import { redactUrl } from './redact.js';

/** A validated repository URL: credentials split off, `url` safe to log. */
export interface RepositoryUrl {
  /** The URL without userinfo, used for requests and messages. */
  url: string;
  /** Credentials that were embedded in the URL (`https://user:pass@host/...`), if any. */
  userinfo?: { username: string; password: string };
}

const SCP_LIKE = /^(?:[^@/:]+@)?[^/:]+:(?!\/\/)/;

/** Parses and validates a GitRepository `spec.url`. Throws InvalidUrlError. */
export function parseRepositoryUrl(raw: string): RepositoryUrl {
  const trimmed = raw.trim();
  if (trimmed.startsWith('ssh://') || trimmed.startsWith('git+ssh://') || SCP_LIKE.test(trimmed)) {
    if (!/^https?:\/\//.test(trimmed)) {
      throw new InvalidUrlError(
        `SSH URL ${redactUrl(trimmed)} is not supported: isomorphic-git has no SSH transport, use an https:// URL`,
      );
    }
  }
  let u: URL;
  try {
    u = new URL(trimmed);
  } catch (err) {
    throw new InvalidUrlError(`invalid repository URL ${redactUrl(trimmed)}`, { cause: err });
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    throw new InvalidUrlError(
      `unsupported URL scheme ${u.protocol.replace(/:$/, '')} in ${redactUrl(trimmed)}: use an https:// URL`,
    );
  }
  if (!u.hostname) throw new InvalidUrlError(`repository URL ${redactUrl(trimmed)} has no host`);
  const userinfo =
    u.username || u.password
      ? { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) }
      : undefined;
  u.username = '';
  u.password = '';
  u.hash = '';
  return userinfo ? { url: u.toString(), userinfo } : { url: u.toString() };
}
