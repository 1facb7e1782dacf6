// URLs for people: a webhook URL is a credential (Slack, Teams and Discord put the secret in
// the path), so only its scheme and host are ever shown.

/** scheme://host/… (or scheme://host when the URL has no path), or "(invalid URL)". */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    const rest = u.pathname !== '/' || u.search !== '' || u.hash !== '' ? '/…' : '';
    return `${u.protocol}//${u.host}${rest}`;
  } catch {
    return '(invalid URL)';
  }
}
