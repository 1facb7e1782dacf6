// The `headers` key of a Provider's Secret: extra HTTP headers for every request, as a JSON
// object or a flat YAML map (`Name: value` per line, values optionally quoted). Header values
// are often credentials, so errors name the line, never its text.

import { ProviderConfigError, type ProviderType } from './errors.js';

const FIELD = 'Secret key "headers"';
/** RFC 9110 token characters. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers the HTTP layer owns. */
const FORBIDDEN = new Set([
  'content-length',
  'host',
  'connection',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
]);

function unquote(raw: string, providerType: ProviderType, line: number): string {
  const v = raw.trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) {
    try {
      const parsed: unknown = JSON.parse(v);
      if (typeof parsed === 'string') return parsed;
    } catch (err) {
      throw new ProviderConfigError(providerType, FIELD, `line ${line} has a malformed double-quoted value`, {
        cause: err,
      });
    }
  }
  if (v.length >= 2 && v.startsWith("'") && v.endsWith("'")) return v.slice(1, -1).replace(/''/g, "'");
  // A plain scalar ends at a comment.
  return v.replace(/\s+#.*$/, '');
}

/**
 * The headers a Secret's `headers` value asks for, lower-cased names to values. Throws
 * ProviderConfigError (naming the line, not its content) when it is not a flat map of strings.
 */
export function parseHeaders(text: string | undefined, providerType: ProviderType): Record<string, string> {
  const out: Record<string, string> = {};
  if (text === undefined || text.trim() === '') return out;
  const add = (name: string, value: string, where: string) => {
    if (!HEADER_NAME.test(name))
      throw new ProviderConfigError(providerType, FIELD, `${where}: "${name}" is not an HTTP header name`);
    if (FORBIDDEN.has(name.toLowerCase()))
      throw new ProviderConfigError(providerType, FIELD, `${where}: header ${name} cannot be set`);
    if (/[\r\n\0]/.test(value))
      throw new ProviderConfigError(
        providerType,
        FIELD,
        `${where}: the value of ${name} contains a line break`,
      );
    out[name.toLowerCase()] = value;
  };

  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (err) {
      // The parser's message may quote the text: keep it in `cause` only.
      throw new ProviderConfigError(providerType, FIELD, 'is not valid JSON', { cause: err });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ProviderConfigError(providerType, FIELD, 'must be a map of header names to values');
    }
    for (const [name, v] of Object.entries(value)) {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
        throw new ProviderConfigError(providerType, FIELD, `the value of ${name} must be a string`);
      }
      add(name, String(v), `key ${name}`);
    }
    return out;
  }

  const lines = text.split(/\r?\n/);
  for (const [i, line] of lines.entries()) {
    const n = i + 1;
    if (line.trim() === '' || line.trim().startsWith('#') || line.trim() === '---') continue;
    if (/^\s/.test(line))
      throw new ProviderConfigError(
        providerType,
        FIELD,
        `line ${n} is indented; only a flat map of headers is read`,
      );
    const colon = line.indexOf(':');
    if (colon <= 0) throw new ProviderConfigError(providerType, FIELD, `line ${n} is not "Name: value"`);
    let name = line.slice(0, colon).trim();
    if ((name.startsWith('"') && name.endsWith('"')) || (name.startsWith("'") && name.endsWith("'")))
      name = name.slice(1, -1);
    const rawValue = line.slice(colon + 1);
    if (rawValue.trim() === '' || rawValue.trim() === '|' || rawValue.trim() === '>') {
      throw new ProviderConfigError(
        providerType,
        FIELD,
        `line ${n}: header ${name} has no value on its line`,
      );
    }
    add(name, unquote(rawValue, providerType, n), `line ${n}`);
  }
  return out;
}
