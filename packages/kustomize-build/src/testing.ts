// Test support for the build stage: temp trees, hand-made (possibly hostile) tarballs and
// the pinned kustomize binary. Not used by production code.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Header, type HeaderData } from 'tar';

/** The kustomize version the project pins (see hack/). */
export const PINNED_KUSTOMIZE = path.join(homedir(), '.cache/moor/tools/kustomize-v5.8.2/bin/kustomize');

/** Creates a temp directory holding `files` (path → content); returns it. */
export async function writeTree(files: Record<string, string>, parent = tmpdir()): Promise<string> {
  const dir = await mkdtemp(path.join(parent, 'moor-build-test-'));
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(dir, rel);
    await mkdir(path.dirname(abs), { recursive: true });
    await writeFile(abs, content);
  }
  return dir;
}

export async function removeTree(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** One raw tar entry; `content` only for files. */
export type RawEntry = HeaderData & { content?: string | Buffer };

/** Builds a tar.gz from raw headers, without any of the safety a real packer applies. */
export function makeTarGz(entries: readonly RawEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const { content, ...data } of entries) {
    const body = content === undefined ? Buffer.alloc(0) : Buffer.from(content);
    const header = new Header({
      mode: data.type === 'Directory' ? 0o755 : 0o644,
      mtime: new Date(0),
      ...data,
      size: data.type === 'File' || data.type === undefined ? body.length : (data.size ?? 0),
    });
    const block = Buffer.alloc(512);
    header.encode(block, 0);
    blocks.push(block);
    if (body.length > 0) {
      blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
