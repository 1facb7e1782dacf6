// Downloading and reading artifacts the way a consumer (the kustomize controller) would.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Download {
  status: number;
  body: Buffer;
  sha256: string;
  headers: Headers;
}

export async function download(url: string): Promise<Download> {
  const res = await fetch(url);
  const body = Buffer.from(await res.arrayBuffer());
  return {
    status: res.status,
    body,
    sha256: `sha256:${createHash('sha256').update(body).digest('hex')}`,
    headers: res.headers,
  };
}

/** Entries of a tar.gz, as `tar -tz` lists them. */
export function tarEntries(targz: Buffer): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'moor-artifact-'));
  try {
    const file = join(dir, 'a.tar.gz');
    writeFileSync(file, targz);
    return execFileSync('tar', ['-tzf', file], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function tarFile(targz: Buffer, path: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'moor-artifact-'));
  try {
    const file = join(dir, 'a.tar.gz');
    writeFileSync(file, targz);
    return execFileSync('tar', ['-xzOf', file, path], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
