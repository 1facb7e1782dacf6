// Go-style durations as Flux's APIs write them: "30s", "1m30s", "500ms", "1.5h".

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;

export class InvalidDurationError extends Error {
  override name = 'InvalidDurationError';
}

/** Milliseconds in `text`; throws InvalidDurationError naming `field` when it is not a duration. */
export function parseDuration(text: string, field = 'duration'): number {
  let total = 0;
  PART.lastIndex = 0;
  let matched = 0;
  for (let m = PART.exec(text); m; m = PART.exec(text)) {
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    matched = PART.lastIndex;
  }
  if (text.length === 0 || matched !== text.length) {
    throw new InvalidDurationError(`${field}: "${text}" is not a duration (use e.g. 30s, 5m, 1h30m, 500ms)`);
  }
  return Math.round(total);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${Number(s.toFixed(1))}s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s - m * 60);
  if (m < 60) return rest ? `${m}m${rest}s` : `${m}m`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
}
