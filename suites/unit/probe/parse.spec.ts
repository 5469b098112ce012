import { test } from '@japa/runner';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseProbeReport, ProbeReportError, readProbeReport } from '../../../src/probe/parse.ts';
import type { ProbeReportProblem } from '../../../src/probe/parse.ts';
import { probeArgv } from '../../../src/probe/path.ts';

/** A real report from the probe, as text. */
function realReport(): string {
  const [file, ...args] = probeArgv('-');
  const r = spawnSync(file as string, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`probe failed: ${r.stderr}`);
  return r.stdout;
}

const SAMPLE = {
  schema: 'fdaudit/probe@1',
  pid: 42,
  ppid: 41,
  fds: [
    { fd: 0, target: '/dev/null', type: 'char', dev: '0:5', ino: '4', flags: '0100000', pos: '0', identity: '0:5:4:r' },
    { fd: 3, target: 'anon_inode:[eventfd]', type: 'anon', dev: '0:15', ino: '1038', flags: '02', pos: '0', identity: '0:15:1038:rw:eventfd:0123456789abcdef' },
  ],
  rlimitNofile: { soft: 1024, hard: 'unlimited' },
  signals: { blocked: ['SIGUSR1'], ignored: ['SIGPIPE', 'SIGRTMIN+3'] },
  cwd: '/',
  umask: '0022',
};

type Sample = typeof SAMPLE;
const clone = (): Sample => structuredClone(SAMPLE);

function problemOf(text: string): { problem: ProbeReportProblem; path: string; message: string } {
  try {
    parseProbeReport(text, 'test input');
  } catch (err) {
    if (err instanceof ProbeReportError) return { problem: err.problem, path: err.path, message: err.message };
    throw err;
  }
  throw new Error('parsed without complaint');
}

test.group('probe report parser: accepts', () => {
  test('a real report from the probe, and the sample with an unlimited hard limit', ({ assert }) => {
    const rep = parseProbeReport(realReport(), 'probe');
    assert.equal(rep.schema, 'fdaudit/probe@1');
    assert.isAbove(rep.fds.length, 2);
    const sample = parseProbeReport(JSON.stringify(SAMPLE));
    assert.equal(sample.rlimitNofile.hard, 'unlimited');
    assert.deepEqual(sample.signals.ignored, ['SIGPIPE', 'SIGRTMIN+3']);
    // Fields of a newer probe are tolerated.
    assert.doesNotThrow(() => parseProbeReport(JSON.stringify({ ...SAMPLE, extra: { x: 1 } })));
    // Lone-surrogate escapes (non-UTF-8 bytes in a target) parse.
    const odd = clone();
    (odd.fds[0] as { target: string }).target = 'a\udcffb';
    assert.equal(parseProbeReport(JSON.stringify(odd)).fds[0]?.target, 'a\udcffb');
  });
});

test.group('probe report parser: refuses', () => {
  test('every truncation of a real report is "truncated" (or "empty")', ({ assert }) => {
    const text = realReport().trimEnd();
    assert.doesNotThrow(() => parseProbeReport(text));
    for (let n = 0; n < text.length; n++) {
      const { problem } = problemOf(text.slice(0, n));
      assert.oneOf(problem, n === 0 ? ['empty'] : ['truncated'], `cut at ${n}`);
    }
  });

  test('garbage and empty input, with the source in the message', ({ assert }) => {
    for (const g of ['hello', '<html></html>', '}{', '\u0000\u0001\u0002', 'fdaudit/probe@1', '{"a":1}}', '[1,2]]']) {
      assert.equal(problemOf(g).problem, 'garbage', JSON.stringify(g));
    }
    assert.equal(problemOf('').problem, 'empty');
    assert.equal(problemOf('  \n').problem, 'empty');
    assert.match(problemOf('hello').message, /^probe report test input: not JSON/);
    assert.throws(() => parseProbeReport(42 as unknown as string), TypeError);
  });

  test('wrong schema: another version, missing, not an object', ({ assert }) => {
    assert.deepInclude(problemOf(JSON.stringify({ ...SAMPLE, schema: 'fdaudit/probe@2' })), { problem: 'schema', path: 'schema' });
    assert.match(problemOf(JSON.stringify({ ...SAMPLE, schema: 'fdaudit/probe@2' })).message, /expected "fdaudit\/probe@1", got the string "fdaudit\/probe@2"/);
    const noSchema: Partial<Sample> = clone();
    delete noSchema.schema;
    assert.deepInclude(problemOf(JSON.stringify(noSchema)), { problem: 'schema', path: 'schema' });
    for (const v of ['[]', '42', '"x"', 'null', JSON.stringify({ schema: 'fdaudit/audit@1' })]) {
      assert.equal(problemOf(v).problem, 'schema', v);
    }
  });

  test('a missing field is named with its path', ({ assert }) => {
    for (const key of ['pid', 'ppid', 'fds', 'rlimitNofile', 'signals', 'cwd', 'umask'] as const) {
      const r: Partial<Sample> = clone();
      delete r[key];
      assert.deepInclude(problemOf(JSON.stringify(r)), { problem: 'missing', path: key });
    }
    for (const key of ['fd', 'target', 'type', 'dev', 'ino', 'flags', 'pos', 'identity'] as const) {
      const r = clone();
      delete (r.fds[1] as Partial<Sample['fds'][1]>)[key];
      assert.deepInclude(problemOf(JSON.stringify(r)), { problem: 'missing', path: `fds[1].${key}` });
    }
    const r = clone();
    delete (r.rlimitNofile as Partial<Sample['rlimitNofile']>).hard;
    assert.deepInclude(problemOf(JSON.stringify(r)), { problem: 'missing', path: 'rlimitNofile.hard' });
    const s = clone();
    delete (s.signals as Partial<Sample['signals']>).blocked;
    assert.deepInclude(problemOf(JSON.stringify(s)), { problem: 'missing', path: 'signals.blocked' });
  });

  test('wrong field types and impossible values', ({ assert }) => {
    const cases: Array<[(r: Record<string, any>) => void, ProbeReportProblem, string]> = [ // eslint-disable-line @typescript-eslint/no-explicit-any -- mutating a JSON sample
      [(r) => (r.pid = '42'), 'type', 'pid'],
      [(r) => (r.pid = 0), 'value', 'pid'],
      [(r) => (r.ppid = 1.5), 'value', 'ppid'],
      [(r) => (r.fds = {}), 'type', 'fds'],
      [(r) => (r.fds[0] = 'fd0'), 'type', 'fds[0]'],
      [(r) => (r.fds[0].fd = '0'), 'type', 'fds[0].fd'],
      [(r) => (r.fds[0].fd = -1), 'value', 'fds[0].fd'],
      [(r) => (r.fds[0].target = null), 'type', 'fds[0].target'],
      [(r) => (r.fds[0].type = 'weird'), 'value', 'fds[0].type'],
      [(r) => (r.fds[0].dev = '0-5'), 'value', 'fds[0].dev'],
      [(r) => (r.fds[0].ino = 4), 'type', 'fds[0].ino'],
      [(r) => (r.fds[0].ino = '0x4'), 'value', 'fds[0].ino'],
      [(r) => (r.fds[0].flags = '100000'), 'value', 'fds[0].flags'],
      [(r) => (r.fds[0].flags = '0109'), 'value', 'fds[0].flags'],
      [(r) => (r.fds[0].pos = 'end'), 'value', 'fds[0].pos'],
      [(r) => (r.fds[0].identity = ''), 'value', 'fds[0].identity'],
      [(r) => (r.fds[1].fd = 0), 'value', 'fds[1].fd'],
      [(r) => (r.rlimitNofile.soft = 'lots'), 'type', 'rlimitNofile.soft'],
      [(r) => (r.rlimitNofile.soft = -1), 'value', 'rlimitNofile.soft'],
      [(r) => (r.signals.blocked = 'SIGUSR1'), 'type', 'signals.blocked'],
      [(r) => (r.signals.ignored[1] = 13), 'type', 'signals.ignored[1]'],
      [(r) => (r.signals.ignored[0] = 'pipe'), 'value', 'signals.ignored[0]'],
      [(r) => (r.cwd = 1), 'type', 'cwd'],
      [(r) => (r.umask = '22'), 'value', 'umask'],
      [(r) => (r.umask = '0o22'), 'value', 'umask'],
    ];
    for (const [mutate, problem, path] of cases) {
      const r = clone() as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON sample
      mutate(r);
      const got = problemOf(JSON.stringify(r));
      assert.deepEqual({ problem: got.problem, path: got.path }, { problem, path }, got.message);
      assert.include(got.message, path);
    }
    // Negative control: the unmutated sample passes.
    assert.doesNotThrow(() => parseProbeReport(JSON.stringify(SAMPLE)));
  });
});

test.group('probe report parser: files', () => {
  test('readProbeReport reads, validates and leaves the file; a missing file is named', ({ assert }) => {
    const dir = mkdtempSync(join(tmpdir(), 'fdaudit-parse-'));
    try {
      const good = join(dir, 'good.json');
      writeFileSync(good, JSON.stringify(SAMPLE));
      assert.equal(readProbeReport(good).pid, 42);
      assert.isTrue(existsSync(good));
      const missing = join(dir, 'none.json');
      try {
        readProbeReport(missing);
        assert.fail('a missing file was accepted');
      } catch (err) {
        assert.instanceOf(err, ProbeReportError);
        assert.equal((err as ProbeReportError).problem, 'unreadable');
        assert.include((err as ProbeReportError).message, missing);
      }
      const cut = join(dir, 'cut.json');
      writeFileSync(cut, JSON.stringify(SAMPLE).slice(0, 50));
      assert.throws(() => readProbeReport(cut), /cut\.json: truncated/);
      assert.isTrue(existsSync(cut));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
