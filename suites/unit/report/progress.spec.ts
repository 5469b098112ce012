import { test } from '@japa/runner';
import { Progress, type ProgressStream } from '../../../src/report/progress.ts';

class FakeStream implements ProgressStream {
  chunks: string[] = [];
  constructor(
    public isTTY: boolean,
    public columns = 80,
  ) {}
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }
}

const CLEAR = '\r\u001b[K';

test.group('report: progress line', () => {
  test('on a terminal: each update redraws the line in place, done erases it', ({ assert }) => {
    const s = new FakeStream(true);
    const p = new Progress(s);
    assert.isTrue(p.enabled);
    p.start(40);
    p.update(1, 'node:spawn › pipe');
    p.tick('native › pipe');
    p.update(12, 'node:spawn › pipe');
    p.done();
    assert.deepEqual(s.chunks, [
      `${CLEAR}[ 1/40] node:spawn › pipe`,
      `${CLEAR}[ 2/40] native › pipe`,
      `${CLEAR}[12/40] node:spawn › pipe`,
      CLEAR,
    ]);
  });

  test('quiet when the stream is not a terminal, unless forced', ({ assert }) => {
    const s = new FakeStream(false);
    const p = new Progress(s);
    p.start(2);
    p.update(1, 'a');
    p.done();
    assert.isFalse(p.enabled);
    assert.deepEqual(s.chunks, []);
    const forced = new FakeStream(false);
    const q = new Progress(forced, { enabled: true });
    q.start(1);
    q.update(1, 'a');
    assert.deepEqual(forced.chunks, [`${CLEAR}[1/1] a`]);
    const off = new FakeStream(true);
    new Progress(off, { enabled: false }).update(1, 'a');
    assert.deepEqual(off.chunks, []);
  });

  test('a long label is cut to the terminal width; newlines cannot break the line', ({ assert }) => {
    const s = new FakeStream(true, 30);
    const p = new Progress(s);
    p.start(5);
    p.update(3, `ext:mine › above-soft-limit\nsecond line ${'x'.repeat(50)}`);
    const line = (s.chunks[0] ?? '').slice(CLEAR.length);
    assert.lengthOf([...line], 29);
    assert.isTrue(line.startsWith('[3/5] ext:mine › above-soft'));
    assert.isTrue(line.endsWith('…'));
    assert.notInclude(line, '\n');
  });

  test('done without an update writes nothing; bad counts are RangeErrors', ({ assert }) => {
    const s = new FakeStream(true);
    const p = new Progress(s);
    p.start(0);
    p.done();
    assert.deepEqual(s.chunks, []);
    assert.throws(() => p.start(-1), RangeError, /non-negative integer, got -1/);
    assert.throws(() => p.start(1.5), RangeError);
    assert.throws(() => p.update(Number.NaN, 'x'), RangeError);
  });
});
