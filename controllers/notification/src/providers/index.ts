// The provider layer of the notification controller: from a Provider, its Secret and one
// event to the HTTP request that tells the service (buildRequest), and its delivery with
// retries (deliver, in send.ts).
//
//   const request = buildRequest(provider.spec, secretData, event);
//   await deliver(request, { timeoutMs: providerTimeoutMs(provider.spec), maxElapsedMs, caCert });

import { createHmac } from 'node:crypto';
import type { MoorEvent, ProviderSpec } from '@moor/api';
import { InvalidDurationError, parseDuration } from '@moor/runtime';
import { ProviderConfigError, type ProviderType } from './errors.js';
import { parseHeaders } from './headers.js';
import { renderDiscord, renderGeneric, renderGitHubStatus, renderMSTeams, renderSlack } from './render.js';

export {
  type DriftDescription,
  type DriftLine,
  describeEvent,
  type EventDescription,
  humanizeReason,
  parseDrift,
  parseRevision,
  type RevisionInfo,
  type Tone,
} from './describe.js';
export * from './errors.js';
export { parseHeaders } from './headers.js';
export { redactUrl } from './redact.js';
export * from './render.js';
export * from './send.js';

/** A Secret's data, decoded: key → UTF-8 text. */
export type SecretData = Readonly<Record<string, string>>;

/** One HTTP request to a provider, ready for `deliver`. */
export interface ProviderRequest {
  providerType: ProviderType;
  method: 'POST';
  url: string;
  /** Lower-case names. Includes the custom headers of the Secret's `headers` key. */
  headers: Record<string, string>;
  /** The exact body; generic-hmac's signature is over its UTF-8 bytes. */
  body: string;
  /** Values that must never be shown: the address, the token, the custom header values. */
  secrets: string[];
  /**
   * How to read a 2xx answer: `slack-api` for chat.postMessage, which answers 200 with
   * {"ok": false, "error": "..."} on failure. Default: any 2xx is success.
   */
  expect?: 'slack-api';
}

/** The default of spec.timeout. */
export const DEFAULT_PROVIDER_TIMEOUT_MS = 15_000;

/** spec.timeout in ms (default 15 s); ProviderConfigError when it is not a duration. */
export function providerTimeoutMs(spec: Pick<ProviderSpec, 'type' | 'timeout'>): number {
  if (spec.timeout === undefined) return DEFAULT_PROVIDER_TIMEOUT_MS;
  try {
    const ms = parseDuration(spec.timeout, 'spec.timeout');
    if (ms <= 0) throw new InvalidDurationError('spec.timeout must be more than zero');
    return ms;
  } catch (err) {
    throw new ProviderConfigError(
      spec.type,
      'spec.timeout',
      `"${spec.timeout}" is not a positive duration (e.g. 15s)`,
      {
        cause: err,
      },
    );
  }
}

const ADDRESS_FIELD = 'spec.address or Secret key "address"';
const USER_AGENT = 'moor-notification-controller';

function requireUrl(type: ProviderType, address: string | undefined, field: string): URL {
  if (!address) throw new ProviderConfigError(type, field, `a ${type} provider needs an address`);
  let url: URL;
  try {
    url = new URL(address);
  } catch (err) {
    // The address may be a credential: do not quote it.
    throw new ProviderConfigError(type, field, 'is not a URL', { cause: err });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ProviderConfigError(type, field, `must be an http or https URL, not ${url.protocol}`);
  }
  return url;
}

export interface GitHubRepository {
  /** https://api.github.com, or https://<host>[/<prefix>]/api/v3 for GitHub Enterprise. */
  apiBase: string;
  owner: string;
  repo: string;
}

/**
 * The API and repository of a github provider's address: https://github.com/owner/repo,
 * https://ghe.example.com/owner/repo (Enterprise), with or without .git, or the SSH forms
 * git@host:owner/repo.git and ssh://git@host/owner/repo.
 */
export function parseGitHubAddress(address: string, field = ADDRESS_FIELD): GitHubRepository {
  let text = address.trim();
  const scp = /^[\w.-]+@([^:/]+):(.+)$/.exec(text);
  if (scp) text = `https://${scp[1]}/${scp[2]}`;
  else if (text.startsWith('ssh://')) {
    const u = safeUrl(text);
    if (u) text = `https://${u.hostname}${u.pathname}`;
  }
  const url = requireUrl('github', text, field);
  const segments = url.pathname.split('/').filter(Boolean);
  if (segments.length < 2)
    throw new ProviderConfigError(
      'github',
      field,
      'must name a repository, e.g. https://github.com/org/repo',
    );
  const owner = segments[segments.length - 2] as string;
  const repo = (segments[segments.length - 1] as string).replace(/\.git$/, '');
  const prefix = segments.slice(0, -2).join('/');
  const apiBase =
    url.hostname === 'github.com' || url.hostname === 'www.github.com'
      ? 'https://api.github.com'
      : `${url.protocol}//${url.host}${prefix ? `/${prefix}` : ''}/api/v3`;
  return { apiBase, owner: decodeURIComponent(owner), repo: decodeURIComponent(repo) };
}

function safeUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

function isSlackApi(url: URL): boolean {
  return url.hostname === 'slack.com' && url.pathname.startsWith('/api/');
}

/**
 * The request that tells the provider about `event`. `secretData` is the decoded data of the
 * Secret named by spec.secretRef ({} or undefined when there is none): its `address` overrides
 * spec.address, `token` is the API token or HMAC key, `headers` adds headers to every request.
 *
 * Throws ProviderConfigError naming the field or Secret key to fix, and, for github,
 * UnsupportedEventError when the event's revision names no commit (skip such events).
 */
export function buildRequest(
  spec: ProviderSpec,
  secretData: SecretData | undefined,
  event: MoorEvent,
): ProviderRequest {
  const type = spec.type;
  const data = secretData ?? {};
  const address = data.address?.trim() || spec.address?.trim() || undefined;
  const token = data.token?.trim() || undefined;
  const custom = parseHeaders(data.headers, type);
  const secrets = [address, token, ...Object.values(custom)].filter((s): s is string => !!s);
  const json = { 'content-type': 'application/json; charset=utf-8' };
  const base = { 'user-agent': USER_AGENT, ...custom };

  const request = (
    url: string,
    headers: Record<string, string>,
    body: string,
    extra: Partial<ProviderRequest> = {},
  ) => ({
    providerType: type,
    method: 'POST' as const,
    url,
    headers: { ...base, ...headers },
    body,
    secrets,
    ...extra,
  });

  switch (type) {
    case 'slack': {
      const url = requireUrl(type, address, ADDRESS_FIELD);
      const api = isSlackApi(url);
      if (api && !token)
        throw new ProviderConfigError(
          type,
          'Secret key "token"',
          'the Slack API (chat.postMessage) needs a bot token',
        );
      if (api && !spec.channel)
        throw new ProviderConfigError(
          type,
          'spec.channel',
          'the Slack API (chat.postMessage) needs a channel',
        );
      const body = JSON.stringify(renderSlack(event, { channel: spec.channel, username: spec.username }));
      return request(
        url.href,
        { ...json, ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body,
        api ? { expect: 'slack-api' } : {},
      );
    }
    case 'generic': {
      const url = requireUrl(type, address, ADDRESS_FIELD);
      return request(url.href, json, renderGeneric(event));
    }
    case 'generic-hmac': {
      const url = requireUrl(type, address, ADDRESS_FIELD);
      if (!token)
        throw new ProviderConfigError(
          type,
          'Secret key "token"',
          'generic-hmac signs each body with it (spec.secretRef)',
        );
      const body = renderGeneric(event);
      const signature = createHmac('sha256', token).update(body, 'utf8').digest('hex');
      return request(url.href, { ...json, 'x-signature': `sha256=${signature}` }, body);
    }
    case 'msteams': {
      const url = requireUrl(type, address, ADDRESS_FIELD);
      return request(url.href, json, JSON.stringify(renderMSTeams(event)));
    }
    case 'discord': {
      const url = requireUrl(type, address, ADDRESS_FIELD);
      return request(url.href, json, JSON.stringify(renderDiscord(event, { username: spec.username })));
    }
    case 'github': {
      if (!address)
        throw new ProviderConfigError(
          type,
          ADDRESS_FIELD,
          'a github provider needs the repository URL, e.g. https://github.com/org/repo',
        );
      const repo = parseGitHubAddress(address);
      if (!token)
        throw new ProviderConfigError(
          type,
          'Secret key "token"',
          'the GitHub API needs a token (spec.secretRef)',
        );
      const status = renderGitHubStatus(event);
      const url = `${repo.apiBase}/repos/${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.repo)}/statuses/${status.sha}`;
      return request(
        url,
        {
          ...json,
          accept: 'application/vnd.github+json',
          'x-github-api-version': '2022-11-28',
          authorization: `Bearer ${token}`,
        },
        JSON.stringify(status.body),
      );
    }
    default: {
      const unknown: never = type;
      throw new ProviderConfigError(
        unknown,
        'spec.type',
        `"${String(unknown)}" is not a provider type Moor knows`,
      );
    }
  }
}
