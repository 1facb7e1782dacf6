// Runs the built moor CLI (cli/dist/main.js) as a user would, and compares its output with
// golden files in test/cli/golden, volatile parts normalised. UPDATE_GOLDEN=1 rewrites them.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { expect } from 'vitest';
import { childEnv } from '../harness/index.js';

const root = resolve(import.meta.dirname, '..', '..');
export const MOOR = join(root, 'cli', 'dist', 'main.js');
const GOLDEN = join(import.meta.dirname, 'golden');

export interface MoorResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `moor ARGS` with the sandbox's environment (plus `env`; an undefined value unsets). */
export function moor(args: string[], env: Record<string, string | undefined> = {}): Promise<MoorResult> {
  const full: NodeJS.ProcessEnv = { ...childEnv(), NO_COLOR: '1', ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete full[k];
  return new Promise((resolvePromise) => {
    execFile(
      process.execPath,
      [MOOR, ...args],
      { env: full, encoding: 'utf8', timeout: 170_000 },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : 1
          : 0;
        resolvePromise({ code, stdout, stderr });
      },
    );
  });
}

/** Starts a long-running `moor ARGS` (--watch); resolves with its output once `until` matches it. */
export async function moorUntil(args: string[], until: RegExp, timeoutMs = 60_000): Promise<string> {
  const child = spawn(process.execPath, [MOOR, ...args], {
    env: { ...childEnv(), NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  try {
    return await new Promise<string>((resolvePromise, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`moor ${args.join(' ')} never printed ${until}; got:\n${out}`)),
        timeoutMs,
      );
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (until.test(out)) {
          clearTimeout(timer);
          resolvePromise(out);
        }
      });
      child.stderr.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        if (!until.test(out)) reject(new Error(`moor ${args.join(' ')} exited ${code} early:\n${out}`));
      });
    });
  } finally {
    child.kill('SIGTERM');
  }
}

/**
 * Volatile parts replaced by placeholders: the given names (random test names), SHAs, digests,
 * history ids, timestamps, ages and durations, ports, controller instances. Runs of spaces after
 * text are collapsed, since a placeholder changes a column's width (indentation is kept).
 */
export function normalise(text: string, names: Record<string, string> = {}): string {
  let t = text;
  for (const [value, placeholder] of Object.entries(names).sort((a, b) => b[0].length - a[0].length))
    t = t.replaceAll(value, placeholder);
  return t
    .replace(/sha256:[0-9a-f]{64}/g, 'sha256:<digest>')
    .replace(/\b[0-9a-f]{40}\b/g, '<sha>')
    .replace(/\b[0-9a-f]{12,39}…/g, '<sha>…')
    .replace(/(sha1:)[0-9a-f]{12}\b/g, '$1<sha12>')
    .replace(/@[0-9a-f]{7}\b/g, '@<sha7>')
    .replace(/\b[0-9a-z]{9}-[0-9a-f]{8}\b/g, '<id>')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, '<time>')
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>')
    .replace(/\bvm-[0-9a-f]{6}\b/g, '<instance>')
    .replace(/\bv\d+\.\d+\.\d+\b/g, (v) => (v.startsWith('v24.') ? '<node>' : v))
    .replace(/\b\d+(\.\d+)?ms\b/g, '<dur>')
    .replace(/\b\d+\.\d+s\b/g, '<dur>')
    .replace(/\b(\d+[dhms])+\b/g, '<age>')
    .replace(/(\S) {2,}/g, '$1  ')
    .replace(/[ \t]+$/gm, '')
    .trimEnd();
}

/** Compares with test/cli/golden/NAME (written when UPDATE_GOLDEN=1). */
export function expectGolden(name: string, actual: string): void {
  const file = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${actual}\n`);
    if (process.env.UPDATE_GOLDEN !== '1')
      throw new Error(`golden file ${name} was missing; written, check it in`);
    return;
  }
  expect(actual, `golden file test/cli/golden/${name} (UPDATE_GOLDEN=1 rewrites it)`).toBe(
    readFileSync(file, 'utf8').trimEnd(),
  );
}

/** A history table's rows whose trigger is one of `triggers` (interval reconciles come and go). */
export function historyRows(
  table: string,
  triggers: string[],
  keep: (row: string) => boolean = () => true,
): string {
  const [header, ...rows] = table.trimEnd().split('\n');
  return [header, ...rows.filter((r) => triggers.includes(r.split(/\s+/)[2] ?? '') && keep(r))].join('\n');
}
