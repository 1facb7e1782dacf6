// Credentials of a GitRepository, read from its `secretRef` Secret with Flux's keys:
// `username`/`password` (HTTP basic), `bearerToken` (HTTP bearer) and `ca.crt` (custom CA).
// Credentials are sent pre-emptively as an Authorization header, which saves the 401
// round trip an onAuth callback would cost.

/** HTTP credentials for a remote. */
export type GitCredentials =
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'bearer'; token: string };

/** Transport options derived from a Secret. */
export interface GitAuthOptions {
  credentials?: GitCredentials;
  /** PEM bundle of CAs trusted for https remotes (replaces the system roots, like Flux). */
  caCert?: string;
}

/**
 * Reads Flux-compatible auth keys from a Secret's (already base64-decoded) data. A bearer
 * token wins over basic auth when both are present, as in Flux.
 */
export function authFromSecretData(data: Readonly<Record<string, string | undefined>>): GitAuthOptions {
  const out: GitAuthOptions = {};
  const token = data.bearerToken;
  if (token) out.credentials = { kind: 'bearer', token };
  else if (data.username !== undefined || data.password !== undefined)
    out.credentials = { kind: 'basic', username: data.username ?? '', password: data.password ?? '' };
  const ca = data['ca.crt'] ?? data.caFile;
  if (ca) out.caCert = ca;
  return out;
}

/** The Authorization header value for `credentials`. */
export function authorizationHeader(credentials: GitCredentials): string {
  if (credentials.kind === 'bearer') return `Bearer ${credentials.token}`;
  const raw = `${credentials.username}:${credentials.password}`;
  return `Basic ${Buffer.from(raw, 'utf8').toString('base64')}`;
}
