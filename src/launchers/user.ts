/**
 * User-defined launchers: `--exec 'NAME=TEMPLATE'` (an argv template, no shell involved) and
 * in-process adapters from a config file. Both become `ext:NAME`.
 */
import { PROBE_PLACEHOLDER, runExternal } from './external.ts';
import { signalName } from '../native/signals.ts';
import { LauncherTimeoutError } from './process.ts';
import type { LaunchOutcome, Launcher } from './types.ts';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Normalises a user launcher name ('mine' or 'ext:mine') to its id, or throws a TypeError naming the problem. */
export function userLauncherId(name: string, origin: string): string {
  const bare = name.startsWith('ext:') ? name.slice(4) : name;
  if (!NAME_RE.test(bare)) {
    throw new TypeError(`${origin}: launcher name '${name}' is not valid (letters, digits, '.', '_', '-'; it becomes ext:NAME)`);
  }
  return `ext:${bare}`;
}

/**
 * Splits a template into words the way a shell would split a plain command line — blanks separate
 * words, '…' and "…" quote, \ escapes — but nothing is expanded: no variables, globs or operators.
 */
export function splitTemplate(template: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | null = null;
  const at = (i: number): string => template.charAt(i);
  for (let i = 0; i < template.length; i++) {
    const c = at(i);
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && '"\\$`'.includes(at(i + 1)) && i + 1 < template.length) word += at(++i);
      else word += c;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\n') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === "'" || c === '"') quote = c;
    else if (c === '\\') {
      if (i + 1 >= template.length) throw new TypeError('template ends with a lone backslash');
      word += at(++i);
    } else word += c;
  }
  if (quote) throw new TypeError(`template has an unterminated ${quote} quote`);
  if (inWord) words.push(word);
  return words;
}

export interface ExecSpec {
  id: string;
  /** The template words; `{probe}` stands for the probe's argv. */
  words: string[];
  template: string;
}

/** Parses 'NAME=TEMPLATE'. Throws a TypeError that names what is wrong. */
export function parseExecSpec(spec: string): ExecSpec {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new TypeError(`--exec '${spec}': expected NAME=TEMPLATE, e.g. mine='python3 launcher.py {probe}'`);
  const name = spec.slice(0, eq).trim();
  const template = spec.slice(eq + 1);
  const id = userLauncherId(name, `--exec '${spec}'`);
  let words: string[];
  try {
    words = splitTemplate(template);
  } catch (err) {
    throw new TypeError(`--exec '${spec}': ${(err as Error).message}`);
  }
  if (words.length === 0) throw new TypeError(`--exec '${spec}': the template is empty`);
  const whole = words.filter((w) => w === PROBE_PLACEHOLDER).length;
  if (whole === 0) {
    const inside = words.some((w) => w.includes(PROBE_PLACEHOLDER));
    throw new TypeError(
      inside
        ? `--exec '${spec}': ${PROBE_PLACEHOLDER} must be a word of its own (it expands to several words)`
        : `--exec '${spec}': the template has no ${PROBE_PLACEHOLDER} (where the probe's argv goes)`,
    );
  }
  if (words[0] === PROBE_PLACEHOLDER) throw new TypeError(`--exec '${spec}': the template must start with the launcher program, not ${PROBE_PLACEHOLDER}`);
  return { id, words, template };
}

/** The template's argv with `{probe}` expanded to the probe's argv. */
export function expandTemplate(words: readonly string[], probeArgv: readonly string[]): string[] {
  return words.flatMap((w) => (w === PROBE_PLACEHOLDER ? [...probeArgv] : [w]));
}

/**
 * A launcher from a template. The program gets every bait passed on purpose, so `passed` is
 * expected to cross and the other baits tell what the program closes.
 */
export function execLauncher(spec: string | ExecSpec, description?: string): Launcher {
  const parsed = typeof spec === 'string' ? parseExecSpec(spec) : spec;
  return {
    id: parsed.id,
    description: description ?? `user command: ${parsed.template}`,
    kind: 'external',
    canPassFds: true,
    unavailable: async () => null,
    run(ctx) {
      const [program, ...args] = expandTemplate(parsed.words, ctx.probeArgv);
      return runExternal(parsed.id, program as string, args, ctx);
    },
  };
}

/** What an in-process adapter in a config file provides. */
export interface AdapterDefinition {
  id: string;
  description?: string;
  /** Default true: the adapter passes `keep` on (then the `passed` bait must cross). */
  canPassFds?: boolean;
  /**
   * Starts argv[0] with argv[1..] and resolves when it has exited. `keep` lists fds to pass at their own
   * number; `signal` aborts on timeout (hand it to child_process so the child is killed).
   */
  launch(argv: string[], options: { keep: number[]; timeoutMs: number; signal: AbortSignal }): Promise<{ code: number | null; signal: string | number | null }>;
}

/** A launcher that calls an adapter's `launch` in this process. */
export function adapterLauncher(def: AdapterDefinition, origin = 'config'): Launcher {
  if (typeof def !== 'object' || def === null) throw new TypeError(`${origin}: a launcher entry must be an object with id and launch()`);
  if (typeof def.id !== 'string') throw new TypeError(`${origin}: a launcher entry has no string id`);
  const id = userLauncherId(def.id, origin);
  if (typeof def.launch !== 'function') throw new TypeError(`${origin}: launcher '${def.id}' has no launch(argv, options) function`);
  return {
    id,
    description: def.description ?? `in-process adapter from ${origin}`,
    kind: 'adapter',
    canPassFds: def.canPassFds ?? true,
    unavailable: async () => null,
    async run(ctx): Promise<LaunchOutcome> {
      const abort = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, rej) => {
        timer = setTimeout(() => {
          abort.abort(new LauncherTimeoutError(id, ctx.timeoutMs, 'the adapter was aborted'));
          rej(new LauncherTimeoutError(id, ctx.timeoutMs, 'the adapter was aborted'));
        }, ctx.timeoutMs);
      });
      try {
        const r = await Promise.race([def.launch([...ctx.probeArgv], { keep: [...ctx.keep], timeoutMs: ctx.timeoutMs, signal: abort.signal }), timedOut]);
        if (typeof r !== 'object' || r === null) throw new TypeError(`${id}: launch() must resolve to { code, signal }`);
        const signal = typeof r.signal === 'number' ? signalName(r.signal) : (r.signal ?? null);
        return { code: r.code ?? null, signal, closeStrategy: null };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
