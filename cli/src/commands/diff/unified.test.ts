import { describe, expect, it } from 'vitest';
import { diffLines, unifiedDiff } from './unified.js';

const names = { from: 'a', to: 'b' };

describe('diffLines', () => {
  it('finds the shortest edit script', () => {
    const ops = diffLines(['a', 'b', 'c', 'a', 'b', 'b', 'a'], ['c', 'b', 'a', 'b', 'a', 'c']);
    expect(ops.filter((o) => o.op !== ' ')).toHaveLength(5);
    // Applying the script to `a` gives `b`.
    expect(ops.filter((o) => o.op !== '-').map((o) => o.line)).toEqual(['c', 'b', 'a', 'b', 'a', 'c']);
    expect(ops.filter((o) => o.op !== '+').map((o) => o.line)).toEqual(['a', 'b', 'c', 'a', 'b', 'b', 'a']);
  });

  it('handles empty sides', () => {
    expect(diffLines([], [])).toEqual([]);
    expect(diffLines([], ['x'])).toEqual([{ op: '+', line: 'x' }]);
    expect(diffLines(['x'], [])).toEqual([{ op: '-', line: 'x' }]);
  });
});

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n', names)).toBe('');
  });

  it('prints hunks with three lines of context, like diff -u', () => {
    const before = `${Array.from({ length: 20 }, (_, i) => `l${i + 1}`).join('\n')}\n`;
    const after = before.replace('l5\n', 'l5 changed\n').replace('l18\n', '');
    expect(unifiedDiff(before, after, names)).toBe(
      [
        '--- a',
        '+++ b',
        '@@ -2,7 +2,7 @@',
        ' l2',
        ' l3',
        ' l4',
        '-l5',
        '+l5 changed',
        ' l6',
        ' l7',
        ' l8',
        '@@ -15,6 +15,5 @@',
        ' l15',
        ' l16',
        ' l17',
        '-l18',
        ' l19',
        ' l20',
      ].join('\n'),
    );
  });

  it('prints a whole new text as one hunk from nothing', () => {
    expect(unifiedDiff('', 'x\ny\n', { from: '/dev/null', to: 'b' })).toBe(
      ['--- /dev/null', '+++ b', '@@ -0,0 +1,2 @@', '+x', '+y'].join('\n'),
    );
  });
});
