// Output: tables for people, JSON and YAML for programs. Colour and spinners only when the
// stream is a terminal (and NO_COLOR is unset); piped output is plain and parseable.
import { stringify } from 'yaml';
import { UsageError } from './errors.js';

export type OutputFormat = 'table' | 'json' | 'yaml';
export const OUTPUT_FORMATS: OutputFormat[] = ['table', 'json', 'yaml'];

export function parseFormat(value: string | undefined): OutputFormat {
  const v = (value ?? 'table') as OutputFormat;
  if (!OUTPUT_FORMATS.includes(v))
    throw new UsageError(`-o ${value}: unknown output format; use one of table, json, yaml`);
  return v;
}

let colourOverride: boolean | undefined;
/** --no-color. */
export function disableColour(): void {
  colourOverride = false;
}

export function colourEnabled(stream: NodeJS.WriteStream = process.stdout): boolean {
  if (colourOverride === false || process.env.NO_COLOR) return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

const paint = (code: number) => (text: string, stream?: NodeJS.WriteStream) =>
  colourEnabled(stream) ? `\x1b[${code}m${text}\x1b[0m` : text;
export const green = paint(32);
export const red = paint(31);
export const yellow = paint(33);
export const bold = paint(1);
export const dim = paint(2);

/** ✓ / ✗ marks, coloured on a terminal. */
export const ok = (stream?: NodeJS.WriteStream) => green('✓', stream);
export const fail = (stream?: NodeJS.WriteStream) => red('✗', stream);

/** Colours a Ready value. */
export function readyColour(value: string): string {
  if (value === 'True') return green(value);
  if (value === 'False') return red(value);
  return yellow(value);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes
const ANSI = /\x1b\[[0-9;]*m/g;
const visibleLength = (s: string) => s.replace(ANSI, '').length;

/** Columns separated by three spaces, kubectl-style; the last column is not padded. */
export function renderTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - visibleLength(c))))
      .join('   ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export function renderData(data: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? JSON.stringify(data, null, 2) : stringify(data, { lineWidth: 0 }).trimEnd();
}

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** A note for people on stderr (never mixed into parseable stdout). */
export function note(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** A spinner on stderr while `work` runs, only on a terminal; plain otherwise. */
export async function withSpinner<T>(label: string, work: () => Promise<T>): Promise<T> {
  if (!process.stderr.isTTY || colourOverride === false) return work();
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let i = 0;
  const timer = setInterval(() => {
    process.stderr.write(`\r${frames[i++ % frames.length]} ${label}`);
  }, 80);
  try {
    return await work();
  } finally {
    clearInterval(timer);
    process.stderr.write('\r\x1b[K');
  }
}

/** Truncates long messages in tables. */
export function truncate(text: string, max = 80): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}
