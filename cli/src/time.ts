// Times and durations as the CLI reads and prints them.
import { parseDuration } from '@moor/runtime';
import { UsageError } from './errors.js';

/** Milliseconds in a Go-style duration, plus days (2d, 1d12h), for --for and --since. */
export function parseCliDuration(text: string, flag: string): number {
  const m = /^(\d+)d(.*)$/.exec(text);
  try {
    if (m) return Number(m[1]) * 86_400_000 + (m[2] ? parseDuration(m[2], flag) : 0);
    return parseDuration(text, flag);
  } catch {
    throw new UsageError(`${flag}: "${text}" is not a duration (use e.g. 30m, 2h, 1h30m, 1d)`);
  }
}

/** --since: a duration back from now (2h) or an RFC 3339 time. */
export function parseSince(text: string, now = Date.now()): Date {
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const ms = Date.parse(text);
    if (Number.isNaN(ms)) throw new UsageError(`--since: "${text}" is not an RFC 3339 time`);
    return new Date(ms);
  }
  return new Date(now - parseCliDuration(text, '--since'));
}

/** kubectl-style age: 45s, 3m12s, 25m, 5h3m, 3d4h, 120d. */
export function age(from: string | undefined, now = Date.now()): string {
  if (!from) return '<unknown>';
  const ms = Date.parse(from);
  if (Number.isNaN(ms)) return '<unknown>';
  const s = Math.max(0, Math.floor((now - ms) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return h % 24 ? `${d}d${h % 24}h` : `${d}d`;
  return `${d}d`;
}

/** A duration in ms for tables: 850ms, 1.2s, 3m4s. */
export function shortDuration(ms: number | undefined): string {
  if (ms === undefined) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${Math.round(s - m * 60)}s`;
}

/** RFC 3339 in UTC to the second: 2025-06-01T12:00:05Z. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
