/**
 * Scrubbing of secret values from text meant for people: condition messages, events, logs.
 *
 * Two layers: patterns that are secret whatever their value (credentials in URLs, Authorization
 * schemes), and the values a controller knows are secret (what it read from a Secret), which it
 * passes explicitly because no pattern can recognise an arbitrary token.
 */

export const REDACTED = '***';

/** Secret values shorter than this are not scrubbed: replacing "a" or "42" everywhere garbles text. */
export const MIN_SECRET_LENGTH = 4;

const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi;
const AUTH_SCHEME = /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]+/g;

/** Replaces credentials in URLs, Authorization values, and every given secret value with `***`. */
export function redactText(text: string, secrets: Iterable<string> = []): string {
  let result = text.replace(URL_USERINFO, `$1${REDACTED}@`).replace(AUTH_SCHEME, `$1 ${REDACTED}`);
  // Longest first, so a secret that contains another is scrubbed whole.
  const values = [...new Set(secrets)].filter((s) => s.length >= MIN_SECRET_LENGTH);
  values.sort((a, b) => b.length - a.length);
  for (const value of values) result = result.split(value).join(REDACTED);
  return result;
}
