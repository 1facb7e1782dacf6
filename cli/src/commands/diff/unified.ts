// A line diff (Myers' O((N+M)D) algorithm) printed as a unified diff with three lines of
// context, the format `diff -u` and `git diff` print, so reviewers and tools read it as usual.

export type LineOp = { op: ' ' | '-' | '+'; line: string };

/** The shortest edit script turning `a` into `b`, as kept, removed and added lines. */
export function diffLines(a: readonly string[], b: readonly string[]): LineOp[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && (v[k - 1 + off] as number) < (v[k + 1 + off] as number))
          ? (v[k + 1 + off] as number)
          : (v[k - 1 + off] as number) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[k + off] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  const ops: LineOp[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const t = trace[d] as Int32Array;
    const k = x - y;
    const prevK =
      k === -d || (k !== d && (t[k - 1 + off] as number) < (t[k + 1 + off] as number)) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : (t[prevK + off] as number);
    const prevY = d === 0 ? 0 : prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ op: ' ', line: a[x - 1] as string });
      x--;
      y--;
    }
    if (d > 0) {
      if (x === prevX) ops.push({ op: '+', line: b[y - 1] as string });
      else ops.push({ op: '-', line: a[x - 1] as string });
    }
    x = prevX;
    y = prevY;
  }
  return ops.reverse();
}

const lines = (text: string): string[] => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));

/**
 * `before` → `after` as a unified diff with `context` lines around each change, headed by
 * `--- fromName` / `+++ toName`; '' when the texts are equal.
 */
export function unifiedDiff(
  before: string,
  after: string,
  names: { from: string; to: string },
  context = 3,
): string {
  const ops = diffLines(lines(before), lines(after));
  const changed = ops.map((o, i) => (o.op === ' ' ? -1 : i)).filter((i) => i >= 0);
  if (changed.length === 0) return '';
  // Ranges of ops to show: each change with its context, neighbours merged.
  const ranges: Array<[number, number]> = [];
  for (const i of changed) {
    const start = Math.max(0, i - context);
    const end = Math.min(ops.length, i + context + 1);
    const last = ranges.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else ranges.push([start, end]);
  }
  const out = [`--- ${names.from}`, `+++ ${names.to}`];
  // Line numbers before each op, in `before` and in `after`.
  const oldAt: number[] = [];
  const newAt: number[] = [];
  let o = 0;
  let nn = 0;
  for (const op of ops) {
    oldAt.push(o);
    newAt.push(nn);
    if (op.op !== '+') o++;
    if (op.op !== '-') nn++;
  }
  for (const [start, end] of ranges) {
    const slice = ops.slice(start, end);
    const oldLen = slice.filter((s) => s.op !== '+').length;
    const newLen = slice.filter((s) => s.op !== '-').length;
    const oldStart = (oldAt[start] as number) + (oldLen > 0 ? 1 : 0);
    const newStart = (newAt[start] as number) + (newLen > 0 ? 1 : 0);
    out.push(`@@ -${oldStart},${oldLen} +${newStart},${newLen} @@`);
    for (const s of slice) out.push(`${s.op}${s.line}`);
  }
  return out.join('\n');
}
