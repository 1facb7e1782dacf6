import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ArchiveLimitError,
  CorruptArchiveError,
  DigestMismatchError,
  InvalidDigestError,
  UnsafeArchiveEntryError,
} from './errors.js';
import { makeTarGz, type RawEntry, removeTree, sha256Digest, writeTree } from './testing.js';
import { normaliseEntryPath, unpackArtifact, verifyDigest } from './unpack.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map(removeTree));
});

async function unpack(entries: RawEntry[], limits?: { maxTotalSize?: number; maxFiles?: number }) {
  const parentDir = await writeTree({});
  dirs.push(parentDir);
  const bytes = makeTarGz(entries);
  return unpackArtifact(bytes, { digest: sha256Digest(bytes), parentDir, ...(limits && { limits }) });
}

async function rejection(entries: RawEntry[], limits?: { maxTotalSize?: number; maxFiles?: number }) {
  const parentDir = await writeTree({});
  dirs.push(parentDir);
  const err = await unpackArtifact(makeTarGz(entries), { parentDir, ...(limits && { limits }) }).then(
    () => undefined,
    (e: unknown) => e,
  );
  // Nothing is left behind on failure.
  expect(await readdir(parentDir)).toEqual([]);
  return err;
}

describe('verifyDigest', () => {
  const bytes = Buffer.from('hello');

  it('accepts the matching digest, case-insensitively', () => {
    expect(() => verifyDigest(bytes, sha256Digest(bytes))).not.toThrow();
    expect(() =>
      verifyDigest(bytes, sha256Digest(bytes).toUpperCase().replace('SHA256', 'sha256')),
    ).not.toThrow();
  });

  it('rejects other bytes with DigestMismatchError naming both digests', () => {
    const expected = sha256Digest(Buffer.from('other'));
    const err = (() => {
      try {
        verifyDigest(bytes, expected);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect((err as DigestMismatchError).expected).toBe(expected);
    expect((err as DigestMismatchError).actual).toBe(sha256Digest(bytes));
  });

  it('rejects digests that are not sha256:<64 hex>', () => {
    expect(() => verifyDigest(bytes, 'md5:abc')).toThrow(InvalidDigestError);
    expect(() => verifyDigest(bytes, 'sha256:abc')).toThrow(InvalidDigestError);
  });

  it('is applied by unpackArtifact before reading the archive', async () => {
    const bytes = makeTarGz([{ path: 'a.yaml', content: 'x' }]);
    await expect(unpackArtifact(bytes, { digest: sha256Digest(Buffer.from('nope')) })).rejects.toBeInstanceOf(
      DigestMismatchError,
    );
  });
});

describe('normaliseEntryPath', () => {
  it('strips ./ and empty components', () => {
    expect(normaliseEntryPath('./a//b/./c.yaml')).toBe('a/b/c.yaml');
    expect(normaliseEntryPath('./')).toBe('');
  });
  it.each(['/etc/passwd', 'C:/x', 'a/../../b', '..', 'a/..'])('rejects %s', (name) => {
    expect(() => normaliseEntryPath(name)).toThrow(UnsafeArchiveEntryError);
  });
});

describe('unpackArtifact', () => {
  it('unpacks files, directories, internal symlinks and hard links into a fresh directory', async () => {
    const result = await unpack([
      { path: './', type: 'Directory' },
      { path: 'apps/', type: 'Directory' },
      { path: 'apps/web.yaml', content: 'kind: A\n' },
      { path: 'bin/run.sh', content: '#!/bin/sh\n', mode: 0o755 },
      { path: 'apps/link.yaml', type: 'SymbolicLink', linkpath: 'web.yaml' },
      { path: 'copy.yaml', type: 'Link', linkpath: 'apps/web.yaml' },
    ]);
    expect(await readFile(path.join(result.dir, 'apps/web.yaml'), 'utf8')).toBe('kind: A\n');
    expect(await readlink(path.join(result.dir, 'apps/link.yaml'))).toBe('web.yaml');
    expect(await readFile(path.join(result.dir, 'apps/link.yaml'), 'utf8')).toBe('kind: A\n');
    expect(await readFile(path.join(result.dir, 'copy.yaml'), 'utf8')).toBe('kind: A\n');
    expect((await lstat(path.join(result.dir, 'copy.yaml'))).nlink).toBe(1); // a copy, not a link
    expect((await lstat(path.join(result.dir, 'bin/run.sh'))).mode & 0o777).toBe(0o755);
    expect(result.totalSize).toBe('kind: A\n'.length + '#!/bin/sh\n'.length);
  });

  it('rejects .. traversal, naming the entry', async () => {
    const err = await rejection([
      { path: 'ok.yaml', content: 'x' },
      { path: 'a/../../evil.yaml', content: 'x' },
    ]);
    expect(err).toBeInstanceOf(UnsafeArchiveEntryError);
    expect((err as UnsafeArchiveEntryError).entry).toBe('a/../../evil.yaml');
    expect((err as Error).message).toContain("'..'");
  });

  it('rejects absolute paths', async () => {
    const err = await rejection([{ path: '/etc/evil.yaml', content: 'x' }]);
    expect(err).toBeInstanceOf(UnsafeArchiveEntryError);
    expect((err as UnsafeArchiveEntryError).entry).toBe('/etc/evil.yaml');
  });

  it('rejects symlinks pointing outside the root', async () => {
    const err = await rejection([{ path: 'apps/l', type: 'SymbolicLink', linkpath: '../../etc' }]);
    expect(err).toBeInstanceOf(UnsafeArchiveEntryError);
    expect((err as UnsafeArchiveEntryError).entry).toBe('apps/l');
    expect(await rejection([{ path: 'l', type: 'SymbolicLink', linkpath: '/etc/passwd' }])).toBeInstanceOf(
      UnsafeArchiveEntryError,
    );
  });

  it('rejects writing through a symlink from the archive', async () => {
    const err = await rejection([
      { path: 'up', type: 'SymbolicLink', linkpath: '.' },
      { path: 'up/x/l', type: 'SymbolicLink', linkpath: '../..' },
    ]);
    expect(err).toBeInstanceOf(UnsafeArchiveEntryError);
    expect((err as Error).message).toContain("through symlink 'up'");
  });

  it('rejects chains of links that escape together', async () => {
    // Each target is inside the root on paper; resolved for real `l` lands above it.
    const err = await rejection([
      { path: 'a', type: 'SymbolicLink', linkpath: '.' },
      { path: 'l', type: 'SymbolicLink', linkpath: 'a/a/../..' },
    ]);
    expect(err).toBeInstanceOf(UnsafeArchiveEntryError);
    expect((err as UnsafeArchiveEntryError).entry).toBe('l');
  });

  it('rejects hard links to anything but an earlier regular file', async () => {
    const err = await rejection([{ path: 'h', type: 'Link', linkpath: '../../etc/passwd' }]);
    expect(err).toBeInstanceOf(UnsafeArchiveEntryError);
  });

  it.each(['CharacterDevice', 'BlockDevice', 'FIFO'] as const)('rejects %s entries', async (type) => {
    const err = await rejection([{ path: 'dev', type }]);
    expect(err).toBeInstanceOf(UnsafeArchiveEntryError);
    expect((err as Error).message).toContain(type);
  });

  it('enforces the total size limit from the headers, naming the entry', async () => {
    const err = await rejection(
      [
        { path: 'a.yaml', content: 'x'.repeat(600) },
        { path: 'b.yaml', content: 'x'.repeat(600) },
      ],
      { maxTotalSize: 1000 },
    );
    expect(err).toBeInstanceOf(ArchiveLimitError);
    expect((err as ArchiveLimitError).entry).toBe('b.yaml');
    expect((err as ArchiveLimitError).limit).toBe('maxTotalSize');
  });

  it('enforces the file count limit', async () => {
    const entries = Array.from({ length: 4 }, (_, i) => ({ path: `f${i}.yaml`, content: 'x' }));
    const err = await rejection(entries, { maxFiles: 3 });
    expect(err).toBeInstanceOf(ArchiveLimitError);
    expect((err as ArchiveLimitError).entry).toBe('f3.yaml');
    await expect(unpack(entries, { maxFiles: 4 })).resolves.toMatchObject({ entries: 4 });
  });

  it('reports bytes that are not a tar.gz', async () => {
    await expect(unpackArtifact(Buffer.from('definitely not gzip'))).rejects.toBeInstanceOf(
      CorruptArchiveError,
    );
  });
});
