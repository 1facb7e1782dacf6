// Strips credentials from URLs before they reach an error message or a log line.

/** Returns `raw` with any userinfo removed; unparseable input keeps only what follows an `@`. */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return raw.replace(/^[^@/]*@/, '');
  }
}
