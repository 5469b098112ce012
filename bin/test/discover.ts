/**
 * Which spec files a run of `npm test` covers: every *.spec.ts under suites/unit (the project's own
 * tests, one folder per module) and suites/audit (the shipped audit suite); `--files` narrows it to
 * files or folders; `--quick` to the fast subset below.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { SpecFile } from './protocol.ts';

export const SPEC_ROOTS = ['suites/unit', 'suites/audit'] as const;

/** The folders of suites/unit, one per module of the architecture. */
export const MODULES = ['launch', 'probe', 'audit', 'runner', 'report', 'kernels', 'cli', 'bench', 'trace'] as const;

/**
 * `npm run test:quick`: a development loop that still goes through every module end to end — a real
 * launch and seal, the probe, the engine judging a leak and a seal, the japa runner and its fixtures,
 * the report writers, the kernel wrapper under every personality, the command line — while leaving
 * out the heavy files (the property and stress tests, the mutation check, the kernel matrix, the
 * packaged install, headless Chromium, sanitizer builds).
 */
export const QUICK: readonly string[] = [
  'suites/unit/launch/seal.spec.ts',
  'suites/unit/launch/errors.spec.ts',
  'suites/unit/launch/validate.spec.ts',
  'suites/unit/probe/parse.spec.ts',
  'suites/unit/probe/identity.spec.ts',
  'suites/unit/audit/judge.spec.ts',
  'suites/unit/audit/engine.spec.ts',
  'suites/unit/audit/bait.spec.ts',
  'suites/unit/runner/assertions.spec.ts',
  'suites/unit/runner/fixtures.spec.ts',
  'suites/unit/report/table.spec.ts',
  'suites/unit/report/json.spec.ts',
  'suites/unit/report/junit.spec.ts',
  'suites/unit/kernels/api.spec.ts',
  'suites/unit/kernels/wrapper.spec.ts',
  'suites/unit/cli/run-usage.spec.ts',
  'suites/unit/bench/parts.spec.ts',
  'suites/unit/trace/tracer.spec.ts',
  'suites/unit/trace/policy.spec.ts',
  'suites/audit/launchers.spec.ts',
];

const toPosix = (p: string): string => p.split(sep).join('/');

function walk(dir: string, out: string[]): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names.sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.spec.ts')) out.push(p);
  }
}

export function suiteOf(path: string): SpecFile['suite'] {
  return path.startsWith('suites/audit/') ? 'audit' : 'unit';
}

/** Every spec file under the spec roots, as repository-relative paths. */
export function allSpecFiles(root: string): SpecFile[] {
  const found: string[] = [];
  for (const r of SPEC_ROOTS) walk(join(root, r), found);
  return found.map((abs) => {
    const path = toPosix(relative(root, abs));
    return { path, suite: suiteOf(path) };
  });
}

/**
 * The files named with --files (a file or a folder each; relative to the working directory or to the
 * repository). A spec file or folder outside the spec roots runs in the unit suite (the test of this
 * runner uses that). Anything that names no spec file is an error that says so.
 */
export function selectSpecFiles(root: string, names: readonly string[], quick: boolean): SpecFile[] {
  const all = allSpecFiles(root);
  if (quick) {
    const missing = QUICK.filter((q) => !all.some((f) => f.path === q));
    if (missing.length) throw new Error(`the quick list names spec files that do not exist: ${missing.join(', ')}`);
    return all.filter((f) => QUICK.includes(f.path));
  }
  if (names.length === 0) return all;
  const picked = new Map<string, SpecFile>();
  for (const name of names) {
    const abs = [resolve(name), resolve(root, name)].find((p) => existsSync(p));
    if (!abs) throw new Error(`--files ${name}: no such file or folder`);
    const rel = toPosix(relative(root, abs));
    const inside = SPEC_ROOTS.some((r) => rel === r || rel.startsWith(`${r}/`));
    const pool = inside ? all : (() => {
      const found: string[] = [];
      if (statSync(abs).isDirectory()) walk(abs, found);
      else if (abs.endsWith('.spec.ts')) found.push(abs);
      return found.map((p): SpecFile => ({ path: toPosix(relative(root, p)), suite: 'unit' }));
    })();
    const under = pool.filter((f) => f.path === rel || f.path.startsWith(`${rel.replace(/\/$/, '')}/`));
    if (under.length === 0) throw new Error(`--files ${name}: no spec file (*.spec.ts) there`);
    for (const f of under) picked.set(f.path, f);
  }
  return [...picked.values()];
}

/**
 * Files that run in a job (a process) of their own even on a first run, before any time has been
 * recorded: long ones, and ones that spend most of their time waiting on other processes, which a
 * parallel job can use meanwhile. Once build/test-times.json has a file's time, a file that took 8 s or
 * more runs alone as well. The rest run a few in a row in one process, which saves a process start
 * (a second of CPU) per file; each is still checked for leftovers on its own.
 */
export const SOLO: readonly string[] = [
  'suites/unit/cli/package.spec.ts',
  'suites/unit/cli/run-kernels.spec.ts',
  'suites/unit/cli/action.spec.ts',
  'suites/unit/cli/merge.spec.ts',
  'suites/unit/cli/run-exec.spec.ts',
  'suites/unit/launch/variants.spec.ts',
  'suites/unit/launch/stress.spec.ts',
  'suites/unit/launch/cdriver.spec.ts',
  'suites/unit/audit/mutation.spec.ts',
  'suites/unit/report/html.spec.ts',
  'suites/unit/runner/npm-test.spec.ts',
  'suites/unit/bench/run.spec.ts',
]
