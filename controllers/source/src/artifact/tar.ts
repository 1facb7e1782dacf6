// A minimal, deterministic tar (ustar + PAX) header encoder. Every field that could vary
// between machines or runs is fixed: mtime 0, uid/gid 0, empty uname/gname, no devices.
// Names longer than ustar allows, long symlink targets and sizes over 8 GiB go in a PAX
// extended header, itself deterministic.

export const BLOCK = 512;

/** A regular file or a symbolic link. */
export interface TarEntry {
  path: string;
  type: 'file' | 'symlink';
  /** Permission bits: 0o644/0o755 for files, 0o777 for symlinks. */
  mode: number;
  /** Content size (0 for symlinks). */
  size: number;
  linkname?: string;
}

const MAX_OCTAL_SIZE = 0o77777777777;

function writeString(buf: Buffer, offset: number, length: number, value: string): void {
  buf.write(value, offset, length, 'utf8');
}

function writeOctal(buf: Buffer, offset: number, length: number, value: number): void {
  buf.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'latin1');
}

/** Splits a path into ustar prefix/name, or returns undefined when it does not fit. */
function splitPath(path: string): { prefix: string; name: string } | undefined {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path };
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name) return { prefix, name };
  }
  return undefined;
}

function paxRecord(key: string, value: string): string {
  // "<len> <key>=<value>\n", where <len> counts the whole record including its own digits.
  const body = ` ${key}=${value}\n`;
  const bodyLen = Buffer.byteLength(body);
  let len = bodyLen + 1;
  while (String(len).length + bodyLen !== len) len = String(len).length + bodyLen;
  return `${len}${body}`;
}

function header(
  name: string,
  prefix: string,
  typeflag: string,
  mode: number,
  size: number,
  linkname: string,
): Buffer {
  const buf = Buffer.alloc(BLOCK);
  writeString(buf, 0, 100, name);
  writeOctal(buf, 100, 8, mode);
  writeOctal(buf, 108, 8, 0); // uid
  writeOctal(buf, 116, 8, 0); // gid
  writeOctal(buf, 124, 12, size);
  writeOctal(buf, 136, 12, 0); // mtime
  buf.fill(0x20, 148, 156); // checksum placeholder: spaces
  buf.write(typeflag, 156, 1, 'latin1');
  writeString(buf, 157, 100, linkname);
  buf.write('ustar\x0000', 257, 8, 'latin1');
  // uname (265), gname (297): empty; devmajor/devminor: zero
  writeOctal(buf, 329, 8, 0);
  writeOctal(buf, 337, 8, 0);
  writeString(buf, 345, 155, prefix);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += buf[i]!;
  buf.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return buf;
}

/** Zero padding that completes a content of `size` bytes to a block boundary. */
export function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return rest === 0 ? Buffer.alloc(0) : Buffer.alloc(BLOCK - rest);
}

/** The header block(s) for an entry: an optional PAX header (+ its data), then the ustar header. */
export function encodeHeader(entry: TarEntry): Buffer[] {
  const out: Buffer[] = [];
  const linkname = entry.linkname ?? '';
  const split = splitPath(entry.path);
  let pax = '';
  if (!split) pax += paxRecord('path', entry.path);
  if (Buffer.byteLength(linkname) > 100) pax += paxRecord('linkpath', linkname);
  if (entry.size > MAX_OCTAL_SIZE) pax += paxRecord('size', String(entry.size));
  if (pax) {
    const data = Buffer.from(pax, 'utf8');
    out.push(header('././@PaxHeader', '', 'x', 0o644, data.length, ''), data, padding(data.length));
  }
  const { prefix, name } = split ?? { prefix: '', name: Buffer.from(entry.path).subarray(0, 100).toString() };
  out.push(
    header(
      name,
      prefix,
      entry.type === 'symlink' ? '2' : '0',
      entry.mode,
      entry.size > MAX_OCTAL_SIZE ? 0 : entry.size,
      Buffer.byteLength(linkname) > 100 ? '' : linkname,
    ),
  );
  return out;
}

/** The end-of-archive marker: two zero blocks. */
export function trailer(): Buffer {
  return Buffer.alloc(BLOCK * 2);
}
