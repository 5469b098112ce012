/**
 * The README's examples, read from README.md itself so that the test that runs them and the text users
 * copy cannot drift apart. A fenced block preceded by
 *
 *   <!-- readme-example NAME: file FILE -->   is written, verbatim, to FILE in the scratch project;
 *   <!-- readme-example NAME: run -->         holds `$ COMMAND` lines, each followed by the output it
 *                                             shows, and `$ echo $?` followed by the exit status the
 *                                             command before it must have (0 when not shown).
 *
 * Output shown in the README is a selection of the real output, in order (a line `…` marks what is left
 * out): every shown line must appear
 * among the real lines after both are normalised (numbers, durations, widths of table padding and rules
 * vary from run to run and machine to machine).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../../src/native/paths.ts';

export interface ReadmeCommand {
  command: string;
  /** The lines the README shows as its output (possibly none). */
  shown: string[];
  exit: number;
}

export interface ReadmeExample {
  name: string;
  files: Array<{ name: string; content: string }>;
  commands: ReadmeCommand[];
}

const MARKER = /^<!-- readme-example ([\w-]+): (file (\S+)|run) -->$/;

/** Every example in `text` (README.md by default), by name, in the order they appear. */
export function readmeExamples(text = readFileSync(join(packageRoot, 'README.md'), 'utf8')): Map<string, ReadmeExample> {
  const lines = text.split('\n');
  const out = new Map<string, ReadmeExample>();
  for (let i = 0; i < lines.length; i++) {
    const m = MARKER.exec(lines[i] ?? '');
    if (!m) continue;
    const [, name = '', , file] = m;
    const open = lines[i + 1] ?? '';
    if (!open.startsWith('```')) throw new Error(`README.md:${i + 1}: readme-example ${name} is not followed by a fenced block`);
    const end = lines.findIndex((l, k) => k > i + 1 && l.startsWith('```'));
    if (end < 0) throw new Error(`README.md:${i + 2}: unclosed fenced block of readme-example ${name}`);
    const body = lines.slice(i + 2, end);
    const ex = out.get(name) ?? { name, files: [], commands: [] };
    if (file) ex.files.push({ name: file, content: `${body.join('\n')}\n` });
    else ex.commands.push(...parseRun(body, name));
    out.set(name, ex);
    i = end;
  }
  return out;
}

function parseRun(body: readonly string[], name: string): ReadmeCommand[] {
  const commands: ReadmeCommand[] = [];
  let expectExit = false;
  for (const line of body) {
    if (line.startsWith('$ ')) {
      const command = line.slice(2);
      if (command === 'echo $?') {
        if (commands.length === 0) throw new Error(`readme-example ${name}: echo $? before any command`);
        expectExit = true;
      } else {
        commands.push({ command, shown: [], exit: 0 });
        expectExit = false;
      }
      continue;
    }
    const last = commands.at(-1);
    if (!last) throw new Error(`readme-example ${name}: output before any $ command`);
    if (expectExit) {
      last.exit = Number(line.trim());
      expectExit = false;
    } else {
      last.shown.push(line);
    }
  }
  return commands;
}

/**
 * A line as compared: durations, numbers, runs of spaces and of table rules made uniform. The closing
 * `tests: N passed, N failed…` line keeps its numbers: what ran is the same on every run.
 */
export function normalise(line: string): string {
  if (/^tests: /.test(line)) return line.replace(/\s+/g, ' ').trim();
  return line
    .replace(/\(\d+(?:\.\d+)?(?:ms|s|m)\)/g, '(T)')
    .replace(/\d+/g, 'N')
    .replace(/─+/g, '─')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The shown lines that are not found, in order, among the real output's lines (empty: all are there). */
export function missingLines(shown: readonly string[], actual: string): string[] {
  const real = actual.split('\n').map(normalise);
  const missing: string[] = [];
  let at = 0;
  for (const line of shown) {
    const want = normalise(line);
    // `…` marks lines the README leaves out.
    if (want === '' || want === '…') continue;
    const found = real.indexOf(want, at);
    if (found < 0) missing.push(line);
    else at = found + 1;
  }
  return missing;
}
