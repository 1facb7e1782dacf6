import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { artifactPath, garbageCollect, resolveUnder, writeFileAtomic } from './storage.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'moor-storage-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const SHA = 'a'.repeat(40);

describe('artifactPath', () => {
  it('lays artifacts out as <kind>/<namespace>/<name>/<sha>.tar.gz', () => {
    expect(artifactPath('GitRepository', 'flux-system', 'podinfo', SHA)).toBe(
      `gitrepository/flux-system/podinfo/${SHA}.tar.gz`,
    );
  });

  it('rejects segments that could escape the layout', () => {
    expect(() => artifactPath('GitRepository', '..', 'x', SHA)).toThrow(/namespace/);
    expect(() => artifactPath('GitRepository', 'ns', 'a/b', SHA)).toThrow(/name/);
    expect(() => artifactPath('GitRepository', 'ns', 'x', 'main')).toThrow(/sha/);
    expect(() => resolveUnder(dir, '../etc/passwd')).toThrow(/escapes/);
  });
});

describe('writeFileAtomic', () => {
  it('writes the file and returns its sha256 digest and size', async () => {
    const target = join(dir, 'a', 'b', 'x.tar.gz');
    const written = await writeFileAtomic(
      target,
      Readable.from([Buffer.from('hello '), Buffer.from('world')]),
    );
    expect(readFileSync(target, 'utf8')).toBe('hello world');
    expect(written).toEqual({
      digest: `sha256:${createHash('sha256').update('hello world').digest('hex')}`,
      size: 11,
    });
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['x.tar.gz']);
  });

  it('leaves the previous file and no temp file behind on failure', async () => {
    const target = join(dir, 'x.tar.gz');
    writeFileSync(target, 'old');
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.from('partial');
      throw new Error('boom');
    }
    await expect(writeFileAtomic(target, failing())).rejects.toThrow('boom');
    expect(readFileSync(target, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['x.tar.gz']);
  });
});

describe('garbageCollect', () => {
  const now = 1_700_000_000_000;
  function file(name: string, ageMs: number): string {
    const p = join(dir, name);
    writeFileSync(p, name);
    const t = (now - ageMs) / 1000;
    utimesSync(p, t, t);
    return p;
  }

  it('keeps the newest N including the current one', async () => {
    file('1.tar.gz', 4000);
    file('2.tar.gz', 3000);
    file('3.tar.gz', 2000);
    const current = file('4.tar.gz', 5000); // current is the oldest on disk: still kept
    const removed = await garbageCollect(dir, current, { keep: 2, now });
    expect(removed.map((p) => p.slice(dir.length + 1))).toEqual(['1.tar.gz', '2.tar.gz']);
    expect(readdirSync(dir).sort()).toEqual(['3.tar.gz', '4.tar.gz']);
  });

  it('drops files older than the TTL but never the current one', async () => {
    file('old.tar.gz', 10_000);
    file('new.tar.gz', 1000);
    const current = file('cur.tar.gz', 60_000);
    mkdirSync(join(dir, 'sub.tar.gz'));
    await garbageCollect(dir, current, { ttlMs: 5000, now });
    expect(readdirSync(dir).sort()).toEqual(['cur.tar.gz', 'new.tar.gz', 'sub.tar.gz']);
  });

  it('removes abandoned temp files and ignores unrelated files', async () => {
    file('.x.tar.gz.abc.tmp', 2 * 3_600_000);
    file('.y.tar.gz.def.tmp', 1000);
    file('notes.txt', 10 * 3_600_000);
    const current = file('cur.tar.gz', 0);
    await garbageCollect(dir, current, { keep: 1, now });
    expect(readdirSync(dir).sort()).toEqual(['.y.tar.gz.def.tmp', 'cur.tar.gz', 'notes.txt']);
    expect(existsSync(current)).toBe(true);
  });

  it('tolerates a missing directory', async () => {
    expect(await garbageCollect(join(dir, 'nope'), 'x', { keep: 1 })).toEqual([]);
  });
});
