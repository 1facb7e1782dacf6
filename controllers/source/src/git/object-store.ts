// Reads Git objects straight out of the packfiles of a bare object store. isomorphic-git's
// readBlob/readObject goes through its generic backend for every object (and re-parses pack
// state); packaging a 10,000-file tree that way is an order of magnitude slower than the
// fetch. Here each pack is loaded into memory once, its .idx gives oid → offset, and an
// object is read by parsing its pack header, inflating the zlib stream that ends where the
// next object starts, and applying OFS/REF deltas with a bounded cache of delta bases.
// Loose objects (rare after a fetch) fall back to isomorphic-git.
import fs from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { readObject } from 'isomorphic-git';

export type ObjectType = 'commit' | 'tree' | 'blob' | 'tag';

/** A decoded object. */
export interface GitObject {
  type: ObjectType;
  data: Buffer;
}

/** One entry of a tree object. */
export interface TreeEntry {
  /** Octal mode as Git writes it: 100644, 100755, 120000, 40000, 160000. */
  mode: number;
  name: string;
  oid: string;
}

/** Thrown when an object is missing or a pack is corrupt. */
export class ObjectStoreError extends Error {
  override readonly name = 'ObjectStoreError';
}

const TYPES: Record<number, ObjectType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };
const OFS_DELTA = 6;
const REF_DELTA = 7;

interface Pack {
  path: string;
  /** Sorted oids (binary, 20 bytes each) from the .idx, and their offsets. */
  oids: Buffer;
  offsets: Float64Array;
  /** For each object (idx order): where its compressed data ends. */
  ends: Float64Array;
  /** offset → end, built on first delta-base lookup. */
  endByOffset?: Map<number, number>;
  data?: Buffer;
}

function parseIdx(idx: Buffer, packPath: string, packSize: number): Pack {
  if (idx.readUInt32BE(0) !== 0xff744f63 || idx.readUInt32BE(4) !== 2) {
    throw new ObjectStoreError(`unsupported pack index for ${packPath}`);
  }
  const n = idx.readUInt32BE(8 + 255 * 4);
  const oidsAt = 8 + 256 * 4;
  const offsetsAt = oidsAt + n * 20 + n * 4;
  const largeAt = offsetsAt + n * 4;
  const offsets = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = idx.readUInt32BE(offsetsAt + i * 4);
    offsets[i] = v & 0x80000000 ? Number(idx.readBigUInt64BE(largeAt + (v & 0x7fffffff) * 8)) : v;
  }
  // An object's compressed bytes end where the next object (by offset) begins.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => offsets[a]! - offsets[b]!);
  const ends = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const next = order[k + 1];
    ends[i] = next === undefined ? packSize - 20 : offsets[next]!;
  }
  return { path: packPath, oids: idx.subarray(oidsAt, oidsAt + n * 20), offsets, ends };
}

function findIndex(pack: Pack, oid: Buffer): number {
  let lo = 0;
  let hi = pack.offsets.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const cmp = pack.oids.compare(oid, 0, 20, mid * 20, mid * 20 + 20);
    if (cmp === 0) return mid;
    if (cmp < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Applies a Git delta to `base`. */
export function applyDelta(base: Buffer, delta: Buffer): Buffer {
  let p = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = delta[p++]!;
      result += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return result;
  };
  const baseSize = varint();
  if (baseSize !== base.length) throw new ObjectStoreError('delta base size mismatch');
  const out = Buffer.allocUnsafe(varint());
  let o = 0;
  while (p < delta.length) {
    const op = delta[p++]!;
    if (op & 0x80) {
      let offset = 0;
      let size = 0;
      if (op & 0x01) offset |= delta[p++]!;
      if (op & 0x02) offset |= delta[p++]! << 8;
      if (op & 0x04) offset |= delta[p++]! << 16;
      if (op & 0x08) offset += delta[p++]! * 0x1000000;
      if (op & 0x10) size |= delta[p++]!;
      if (op & 0x20) size |= delta[p++]! << 8;
      if (op & 0x40) size |= delta[p++]! << 16;
      if (size === 0) size = 0x10000;
      o += base.copy(out, o, offset, offset + size);
    } else if (op > 0) {
      o += delta.copy(out, o, p, p + op);
      p += op;
    } else {
      throw new ObjectStoreError('invalid delta opcode 0');
    }
  }
  if (o !== out.length) throw new ObjectStoreError('delta result size mismatch');
  return out;
}

/** Read-only access to the objects of a bare repository directory. */
export class ObjectStore {
  private packs: Pack[] = [];
  /** Delta bases by "packIndex:offset", bounded by `cacheBytes`. Map order = insertion order. */
  private readonly baseCache = new Map<string, GitObject>();
  private cachedBytes = 0;

  private constructor(
    readonly gitdir: string,
    private readonly cacheBytes: number,
  ) {}

  /** Opens the store, indexing every pack in `objects/pack` (packs are read lazily). */
  static async open(gitdir: string, options: { cacheBytes?: number } = {}): Promise<ObjectStore> {
    const store = new ObjectStore(gitdir, options.cacheBytes ?? 64 * 1024 * 1024);
    await store.refresh();
    return store;
  }

  /** Re-reads the pack directory, e.g. after a fetch added a pack. */
  async refresh(): Promise<void> {
    const dir = join(this.gitdir, 'objects', 'pack');
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => n.endsWith('.idx')).sort();
    } catch {
      names = [];
    }
    const known = new Map(this.packs.map((p) => [p.path, p]));
    const packs: Pack[] = [];
    for (const name of names) {
      const packPath = join(dir, name.replace(/\.idx$/, '.pack'));
      const existing = known.get(packPath);
      if (existing) {
        packs.push(existing);
        continue;
      }
      let size: number;
      try {
        size = (await fs.promises.stat(packPath)).size;
      } catch {
        continue; // an .idx without its pack: ignore
      }
      packs.push(parseIdx(await readFile(join(dir, name)), packPath, size));
    }
    this.packs = packs;
  }

  /** Whether the object is in one of the packs (loose objects are not consulted). */
  hasPacked(oid: string): boolean {
    const bin = Buffer.from(oid, 'hex');
    return this.packs.some((p) => findIndex(p, bin) >= 0);
  }

  /** Whether the object exists, packed or loose. */
  async has(oid: string): Promise<boolean> {
    if (this.hasPacked(oid)) return true;
    try {
      await fs.promises.access(join(this.gitdir, 'objects', oid.slice(0, 2), oid.slice(2)));
      return true;
    } catch {
      return false;
    }
  }

  /** Reads an object; throws ObjectStoreError when it is missing. */
  async read(oid: string): Promise<GitObject> {
    const bin = Buffer.from(oid, 'hex');
    for (let p = 0; p < this.packs.length; p++) {
      const pack = this.packs[p]!;
      const i = findIndex(pack, bin);
      if (i >= 0) return this.readAt(p, pack.offsets[i]!, pack.ends[i]!);
    }
    try {
      const { type, object } = await readObject({ fs, gitdir: this.gitdir, oid, format: 'content' });
      if (!(object instanceof Uint8Array)) throw new ObjectStoreError(`object ${oid} is not raw`);
      return { type: type as ObjectType, data: Buffer.from(object.buffer, object.byteOffset, object.length) };
    } catch (err) {
      throw new ObjectStoreError(`object ${oid} not found in ${this.gitdir}`, { cause: err });
    }
  }

  /** Reads an object and checks its type. */
  async readTyped(oid: string, type: ObjectType): Promise<Buffer> {
    const obj = await this.read(oid);
    if (obj.type !== type) throw new ObjectStoreError(`object ${oid} is a ${obj.type}, expected a ${type}`);
    return obj.data;
  }

  /** Follows annotated tags to the commit they point at. */
  async peelToCommit(oid: string): Promise<string> {
    let current = oid;
    for (let hops = 0; hops < 10; hops++) {
      const obj = await this.read(current);
      if (obj.type === 'commit') return current;
      if (obj.type !== 'tag') throw new ObjectStoreError(`object ${oid} does not point to a commit`);
      const m = /^object ([0-9a-f]{40})$/m.exec(obj.data.toString('latin1'));
      if (!m?.[1]) throw new ObjectStoreError(`tag ${current} has no object header`);
      current = m[1];
    }
    throw new ObjectStoreError(`tag chain from ${oid} is too long`);
  }

  /** The root tree of a commit. */
  async commitTree(commit: string): Promise<string> {
    const data = await this.readTyped(commit, 'commit');
    const m = /^tree ([0-9a-f]{40})$/m.exec(data.toString('latin1', 0, Math.min(data.length, 100)));
    if (!m?.[1]) throw new ObjectStoreError(`commit ${commit} has no tree header`);
    return m[1];
  }

  /** Parses a tree object. Entry names are decoded as UTF-8. */
  async readTree(oid: string): Promise<TreeEntry[]> {
    const data = await this.readTyped(oid, 'tree');
    const entries: TreeEntry[] = [];
    let p = 0;
    while (p < data.length) {
      const space = data.indexOf(0x20, p);
      const nul = data.indexOf(0, space);
      if (space < 0 || nul < 0 || nul + 21 > data.length)
        throw new ObjectStoreError(`tree ${oid} is corrupt`);
      entries.push({
        mode: Number.parseInt(data.toString('latin1', p, space), 8),
        name: data.toString('utf8', space + 1, nul),
        oid: data.toString('hex', nul + 1, nul + 21),
      });
      p = nul + 21;
    }
    return entries;
  }

  private packData(p: number): Buffer {
    const pack = this.packs[p]!;
    pack.data ??= fs.readFileSync(pack.path);
    return pack.data;
  }

  private readAt(p: number, offset: number, end: number): GitObject {
    const data = this.packData(p);
    let pos = offset;
    let byte = data[pos++]!;
    const typeCode = (byte >> 4) & 7;
    while (byte & 0x80) byte = data[pos++]!;
    const base = TYPES[typeCode];
    if (base) return { type: base, data: inflateSync(data.subarray(pos, end)) };

    let baseObj: GitObject;
    if (typeCode === OFS_DELTA) {
      byte = data[pos++]!;
      let rel = byte & 0x7f;
      while (byte & 0x80) {
        byte = data[pos++]!;
        rel = (rel + 1) * 128 + (byte & 0x7f);
      }
      baseObj = this.cachedBase(p, offset - rel, () =>
        this.readAt(p, offset - rel, this.endOfBase(p, offset - rel)),
      );
    } else if (typeCode === REF_DELTA) {
      const baseOid = data.subarray(pos, pos + 20);
      pos += 20;
      const i = findIndex(this.packs[p]!, baseOid);
      if (i < 0) throw new ObjectStoreError(`thin pack: base ${baseOid.toString('hex')} missing`);
      const baseOffset = this.packs[p]!.offsets[i]!;
      const baseEnd = this.packs[p]!.ends[i]!;
      baseObj = this.cachedBase(p, baseOffset, () => this.readAt(p, baseOffset, baseEnd));
    } else {
      throw new ObjectStoreError(`unknown object type ${typeCode} at ${offset} in ${this.packs[p]!.path}`);
    }
    return { type: baseObj.type, data: applyDelta(baseObj.data, inflateSync(data.subarray(pos, end))) };
  }

  private endOfBase(p: number, offset: number): number {
    const pack = this.packs[p]!;
    pack.endByOffset ??= new Map(Array.from(pack.offsets, (o, i) => [o, pack.ends[i]!]));
    const end = pack.endByOffset.get(offset);
    if (end === undefined) throw new ObjectStoreError(`no object at offset ${offset} of ${pack.path}`);
    return end;
  }

  private cachedBase(p: number, offset: number, load: () => GitObject): GitObject {
    const key = `${p}:${offset}`;
    const hit = this.baseCache.get(key);
    if (hit) {
      this.baseCache.delete(key);
      this.baseCache.set(key, hit);
      return hit;
    }
    const obj = load();
    this.baseCache.set(key, obj);
    this.cachedBytes += obj.data.length;
    for (const [k, v] of this.baseCache) {
      if (this.cachedBytes <= this.cacheBytes) break;
      this.baseCache.delete(k);
      this.cachedBytes -= v.data.length;
    }
    return obj;
  }
}
