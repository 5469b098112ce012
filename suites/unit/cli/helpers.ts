/**
 * Running the CLI for the end-to-end specs: the compiled one (dist/cli.js), as users run it; `npm test`
 * (bin/test.ts) builds dist/ from these sources before any spec file starts.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../../src/native/paths.ts';

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The compiled CLI entry (what bin/fdaudit.js loads). */
export const CLI = join(packageRoot, 'dist', 'cli.js');
export const RUNNER = join(packageRoot, 'src', 'runner', 'index.ts');
export const FIXTURES = join(packageRoot, 'suites', 'fixtures');

/** Runs `fdaudit ARGS…`; kills it (and fails the caller's assertions) if it outlives `timeoutMs`. */
export function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; inheritedFd?: boolean } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? packageRoot,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, GITHUB_ACTIONS: undefined, GITHUB_STEP_SUMMARY: undefined, ...options.env },
      // inheritedFd: an fd 3 the CLI gets from its parent without close-on-exec, as a careless parent leaves it.
      stdio: options.inheritedFd ? ['ignore', 'pipe', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, options.timeoutMs ?? 240_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A temp directory removed by the returned cleanup. */
export function tempDir(prefix = 'fdaudit-cli-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes a spec file that imports the runner from the sources, as a user's spec imports 'fdaudit/runner'. */
export function writeSpec(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `import { test, auditMatrix, rowsTest, testName } from ${JSON.stringify(RUNNER)};\n${body}\n`);
  return path;
}
