/**
 * The trace reporters on a known tree: grouping by program, one JUnit case per (program, inherited set),
 * the process tree with alike siblings folded, trace.json written whole or not at all, and the bound on
 * what is kept in memory.
 */
import { test } from '@japa/runner';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHtmlReport } from '../../../src/html/index.ts';
import { renderTraceSection } from '../../../src/html/trace.ts';
import { packageRoot } from '../../../src/native/paths.ts';
import { parseTraceReport, TraceJsonStream } from '../../../src/report/trace-json.ts';
import { renderTraceJunit } from '../../../src/report/trace-junit.ts';
import { renderTraceSummary } from '../../../src/report/trace-summary.ts';
import { renderTraceTable } from '../../../src/report/trace-table.ts';
import type { TraceMeta } from '../../../src/report/trace-text.ts';
import { TraceCollector } from '../../../src/trace/collect.ts';
import { parseAllowRules } from '../../../src/trace/policy.ts';
import type { RawExec } from '../../../src/trace/tracer.ts';
import { buildTree, textTree } from '../../../src/trace/tree.ts';
import type { ExecRecord, TraceReport } from '../../../src/trace/types.ts';
import type { ProbeFd } from '../../../src/probe/types.ts';

const fd = (n: number, target: string, type: ProbeFd['type']): ProbeFd => ({ fd: n, target, type, dev: '0:1', ino: String(n), flags: '0100000', pos: '0', identity: `0:1:${n}:r` });
const stdio = [fd(0, '/dev/null', 'char'), fd(1, '/dev/pts/0', 'char'), fd(2, '/dev/pts/0', 'char')];

let nextId = 1;
function exec(program: string, parent: RawExec | null, extra: ProbeFd[] = [], argv?: string[]): RawExec {
  const id = nextId++;
  return {
    id,
    pid: 1000 + id,
    ppid: parent ? parent.pid : 999,
    via: parent ? 'fork' : 'spawn',
    parentId: parent ? parent.id : null,
    parentProgram: parent ? parent.program : '/opt/fdaudit/build/out/fdaudit-trace',
    timeMs: id,
    program,
    argv: argv ?? [program.split('/').pop() as string],
    fds: [...stdio, ...extra],
    rlimitNofile: { soft: 1024, hard: 20000 },
    signals: { blocked: [], ignored: [] },
  };
}

/** sh → make (jobserver pipe at 3, a file at 7) → cc ×3 (the pipe); sh → true ×50 (clean). */
function sample(): { raws: RawExec[]; meta: TraceMeta } {
  nextId = 1;
  const sh = exec('/usr/bin/dash', null, [], ['sh', '-c', 'make && run-tests']);
  const make = exec('/usr/bin/make', sh, [fd(3, 'pipe:[77]', 'pipe'), fd(7, '/etc/hostname', 'file')], ['make', '-j4']);
  const ccs = [1, 2, 3].map((i) => exec('/usr/bin/gcc-12', make, [fd(3, `pipe:[${77 + i}]`, 'pipe')], ['cc', '-c', `f${i}.c`]));
  const trues = Array.from({ length: 50 }, () => exec('/usr/bin/true', sh));
  const meta: TraceMeta = {
    command: ['sh', '-c', 'make && run-tests'],
    cwd: '/src',
    exitCode: 0,
    signal: null,
    host: { name: 'ci-7', kernel: '6.18.44', node: 'v20.20.2', libc: 'glibc 2.36' },
    allow: ['program=make,type=pipe'],
    passed: [],
    tracer: null,
  };
  return { raws: [sh, make, ...ccs, ...trues], meta };
}

function collect(raws: readonly RawExec[], limit?: number): { c: TraceCollector; records: ExecRecord[] } {
  const c = new TraceCollector({ rules: parseAllowRules(['program=make,type=pipe']), passed: new Map() }, limit);
  return { c, records: raws.map((r) => c.add(r)) };
}

test.group('trace reports', () => {
  test('programs are grouped with what crossed, how often and from which parent; violations are spelled out', ({ assert }) => {
    const { raws, meta } = sample();
    const { c } = collect(raws);
    const model = c.model();
    assert.deepEqual(model.counts, { execs: 55, violating: 4, programs: 4, distinct: 4 });
    const text = renderTraceTable(model, meta, { color: false });
    assert.match(text, /│ cc \(gcc-12\)\s+│ 3 \(3 ✗\)\s+│ ✗ 3 pipe:\[…\] 3×\s+│ make 3×\s+│/);
    assert.match(text, /│ make\s+│ 1 \(1 ✗\)\s+│ ✓ 3 pipe:\[…\] 1× \(program=make,type=pipe\)\s+│ dash 1×/);
    assert.match(text, /│\s+│\s+│ ✗ 7 \/etc\/hostname \(file\) 1×\s+│/);
    assert.match(text, /│ true\s+│ 50\s+│ ✓ none\s+│ dash 50×/);
    assert.match(text, /✗ \/usr\/bin\/make \(pid 1002, started by dash pid 1001\) inherited fd 7 \/etc\/hostname \(file\) beyond 0, 1, 2: not allowed/);
    assert.match(text, /55 execs of 4 programs; 4 of them inherited fds beyond 0, 1, 2 that no rule allows\n$/);
  });

  test('JUnit has one case per distinct (program, inherited set): the clean ones pass, the leaking ones fail', ({ assert }) => {
    const { raws, meta } = sample();
    const xml = renderTraceJunit(collect(raws).c.model(), meta);
    const names = [...xml.matchAll(/<testcase [^>]*name="([^"]+)"/g)].map((m) => m[1]);
    assert.sameMembers(names, [
      'cc (gcc-12) inherits 3 pipe:[…] (3 execs)',
      'make inherits 3 pipe:[…], 7 /etc/hostname (file) (1 exec)',
      'sh (dash) inherits only 0, 1, 2 (1 exec)',
      'true inherits only 0, 1, 2 (50 execs)',
    ]);
    assert.match(xml, /<testsuites name="fdaudit trace" tests="4" failures="2"/);
    assert.match(xml, /<failure message="\/usr\/bin\/gcc-12 \(pid 1003, started by make pid 1002\) inherited fd 3 pipe:\[78\] beyond 0, 1, 2: not allowed; 3 execs like it"/);
  });

  test('the process tree folds alike siblings and keeps who started whom', ({ assert }) => {
    const { raws } = sample();
    const roots = buildTree(collect(raws).c.model().tree);
    const lines = textTree(roots, { suffix: (v) => (v.node.crossed.some((x) => x.bad) ? ' ✗' : '') });
    // Alike: the same program, started the same way, inheriting the same fds (arguments aside).
    assert.deepEqual(lines, [
      "sh -c 'make && run-tests'",
      '├─ make -j4 ✗',
      '│  └─ cc -c f1.c ×3 ✗',
      '└─ true ×50',
    ]);
    assert.equal(roots[0]!.children[1]!.repeat, 50);
    // The control: siblings that inherited different fds stay apart.
    const { raws: again } = sample();
    again[2]!.fds = again[2]!.fds.filter((f) => f.fd !== 3);
    const apart = textTree(buildTree(collect(again).c.model().tree));
    assert.deepEqual(apart.slice(2, 4), ['│  ├─ cc -c f1.c', '│  └─ cc -c f2.c ×2']);
  });

  test('summary.md and the HTML section draw the same tree', ({ assert }) => {
    const { raws, meta } = sample();
    const { c, records } = collect(raws);
    const md = renderTraceSummary(c.model(), meta);
    assert.include(md, '└─ true ×50');
    assert.include(md, '├─ make -j4  ✗ 7 /etc/hostname (file)  (fd 3 allowed)');
    const report: TraceReport = {
      schema: 'fdaudit/trace@1', host: meta.host, command: meta.command, cwd: meta.cwd, startedAt: '2026-01-01T00:00:00.000Z',
      allow: meta.allow, passed: [], execs: records, exitCode: 0, signal: null, summary: c.model().counts, tracer: null,
    };
    const html = renderTraceSection(report);
    assert.match(html, /<ul class="tree" id="trace-tree"><li><details open><summary><span title="[^"]*dash[^"]*">sh -c &#39;make &amp;&amp; run-tests&#39;<\/span>/);
    assert.match(html, /<details open><summary><span[^>]*>make -j4<\/span> <span class="pid">pid 1002<\/span> <span class="via">fork<\/span><span class="fd good" title="3 pipe:\[…\]">✓ 3<\/span><span class="fd bad" title="7 \/etc\/hostname \(file\)">✗ 7<\/span>/);
    assert.match(html, /true<\/span> <strong>×50<\/strong>/);
    assert.notInclude(html, '<script');
  });

  test('trace.json is whole or absent: written under a temporary name and renamed; an abort leaves nothing', ({ assert }) => {
    const dir = mkdtempSync(join(tmpdir(), 'fdaudit-trace-json-'));
    try {
      const { raws, meta } = sample();
      const { c, records } = collect(raws);
      const s = TraceJsonStream.inDirectory(dir);
      s.begin({ host: meta.host, command: meta.command, cwd: meta.cwd, startedAt: 'now', allow: meta.allow, passed: [] });
      for (const r of records) s.exec(r);
      assert.isFalse(existsSync(join(dir, 'trace.json')), 'not there before the end');
      s.end({ exitCode: 0, signal: null, summary: c.model().counts, tracer: null });
      const back = parseTraceReport(readFileSync(join(dir, 'trace.json'), 'utf8')) as TraceReport;
      assert.equal(back.execs.length, 55);
      assert.deepEqual(back.execs[1]!.violations, [{ fd: 7, target: '/etc/hostname', type: 'file', reason: 'not allowed' }]);
      assert.deepEqual(readdirSync(dir), ['trace.json']);

      const aborted = TraceJsonStream.inDirectory(join(dir));
      aborted.begin({ host: meta.host, command: [], cwd: '/', startedAt: 'now', allow: [], passed: [] });
      aborted.exec(records[0]!);
      aborted.abort();
      assert.deepEqual(readdirSync(dir), ['trace.json']);
      assert.match(String(parseTraceReport('{"schema":"fdaudit/audit@1"}')), /not a fdaudit\/trace@1 report/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('memory stays bounded: beyond the tree bound execs are counted, not kept', ({ assert }) => {
    const { raws } = sample();
    const model = collect(raws, 10).c.model();
    assert.lengthOf(model.tree, 10);
    assert.equal(model.treeOmitted, 45);
    assert.equal(model.counts.execs, 55);
    // The control: with room for all of them, all are kept.
    assert.lengthOf(collect(raws).c.model().tree, 55);
  });

  test('index.html shows the newer of trace.json and audit.json, since both share junit.xml and summary.md', ({ assert }) => {
    const dir = mkdtempSync(join(tmpdir(), 'fdaudit-trace-html-'));
    try {
      const { raws, meta } = sample();
      const { c, records } = collect(raws);
      const s = TraceJsonStream.inDirectory(dir);
      s.begin({ host: meta.host, command: meta.command, cwd: meta.cwd, startedAt: 'now', allow: meta.allow, passed: [] });
      for (const r of records) s.exec(r);
      s.end({ exitCode: 0, signal: null, summary: c.model().counts, tracer: null });
      copyFileSync(join(packageRoot, 'suites', 'unit', 'report', 'golden', 'audit.json'), join(dir, 'audit.json'));
      const past = new Date(Date.now() - 60_000);
      utimesSync(join(dir, 'audit.json'), past, past);
      let html = readFileSync(writeHtmlReport(dir), 'utf8');
      assert.include(html, '<section id="trace">');
      assert.notInclude(html, '<section id="audit">');
      // The control: an audit run after the trace wins the page.
      utimesSync(join(dir, 'trace.json'), new Date(past.getTime() - 60_000), new Date(past.getTime() - 60_000));
      html = readFileSync(writeHtmlReport(dir), 'utf8');
      assert.notInclude(html, '<section id="trace">');
      assert.include(html, '<section id="audit">');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
