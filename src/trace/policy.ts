/**
 * The trace policy: every exec is held to the sealed policy (nothing beyond fds 0, 1 and 2) unless a
 * rule allows more. A rule is one or more `KEY=VALUE` conditions joined by commas, all of which must
 * hold for an inherited fd:
 *
 *   fd=3  fd=3-9           the fd number, or a range
 *   target=/dev/null       the fd's target (readlink), glob: `target=pipe:*`, `target=/tmp/*.sock`
 *   type=pipe  type=pty    the probe's type (file dir pipe socket char block anon memfd unknown), or
 *                          pty (a /dev/ptmx master or a /dev/pts/N terminal)
 *   program=make           the program that inherited it: a name without '/' matches the basename of
 *                          the executable or of argv[0]; with '/', the executable's path; glob allowed
 *   parent=make            the program that started it, matched as `program` is
 *
 * `--allow 'program=make'` lets make inherit anything; `--allow 'program=make,type=pipe'` only pipes
 * (its jobserver). Fds passed on purpose with `--pass` are allowed wherever the same open file shows up.
 */
import { basename } from 'node:path';
import { FD_TYPES, type ProbeFd } from '../probe/types.ts';
import type { Allowance, ExecRecord, Violation } from './types.ts';

export const ALLOW_KEYS = ['fd', 'target', 'type', 'program', 'parent'] as const;
export type AllowKey = (typeof ALLOW_KEYS)[number];
export const ALLOW_TYPES: readonly string[] = [...FD_TYPES, 'pty'];

/** A rule that cannot be read: the message names the rule and what is wrong with it. */
export class AllowRuleError extends Error {
  override name = 'AllowRuleError';
}

type Condition =
  | { key: 'fd'; lo: number; hi: number }
  | { key: 'target' | 'program' | 'parent'; glob: RegExp; path: boolean }
  | { key: 'type'; type: string };

export interface AllowRule {
  /** As written, for messages and reports. */
  text: string;
  conditions: Condition[];
}

/** `*` any run of characters, `?` one; everything else literal. */
function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's');
}

const KEY_SPLIT = new RegExp(`,(?=\\s*(?:${ALLOW_KEYS.join('|')})=)`);

export function parseAllowRule(text: string): AllowRule {
  if (typeof text !== 'string') throw new AllowRuleError(`allow rule must be a string, got ${typeof text}`);
  const rule = text.trim();
  const example = "e.g. 'fd=3', 'target=/dev/null', 'program=make', 'type=pty' or 'program=make,type=pipe'";
  if (rule === '') throw new AllowRuleError(`empty allow rule; expected KEY=VALUE, ${example}`);
  const conditions: Condition[] = [];
  const seen = new Set<string>();
  for (const part of rule.split(KEY_SPLIT)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new AllowRuleError(`allow rule '${rule}': '${part}' is not KEY=VALUE (keys: ${ALLOW_KEYS.join(', ')}); ${example}`);
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (!(ALLOW_KEYS as readonly string[]).includes(key)) {
      throw new AllowRuleError(`allow rule '${rule}': unknown key '${key}'; valid: ${ALLOW_KEYS.join(', ')}`);
    }
    if (value === '') throw new AllowRuleError(`allow rule '${rule}': ${key}= needs a value`);
    if (seen.has(key)) throw new AllowRuleError(`allow rule '${rule}': ${key} given twice (use two --allow rules for either-or)`);
    seen.add(key);
    if (key === 'fd') {
      const m = /^(\d+)(?:-(\d+))?$/.exec(value);
      const lo = m ? Number(m[1]) : NaN;
      const hi = m ? Number(m[2] ?? m[1]) : NaN;
      if (!m || !Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || lo > hi || hi > 0x7fffffff) {
        throw new AllowRuleError(`allow rule '${rule}': fd must be a number or a range such as 3-9, got '${value}'`);
      }
      conditions.push({ key: 'fd', lo, hi });
    } else if (key === 'type') {
      if (!ALLOW_TYPES.includes(value)) {
        throw new AllowRuleError(`allow rule '${rule}': unknown type '${value}'; valid: ${ALLOW_TYPES.join(', ')}`);
      }
      conditions.push({ key: 'type', type: value });
    } else {
      conditions.push({ key: key as 'target' | 'program' | 'parent', glob: globToRegExp(value), path: value.includes('/') });
    }
  }
  return { text: rule, conditions };
}

/** Parses every rule; the first bad one throws. */
export function parseAllowRules(texts: readonly string[]): AllowRule[] {
  return texts.map(parseAllowRule);
}

/** A pty: the multiplexer /dev/ptmx (or a devpts ptmx) or a terminal /dev/pts/N. */
export function isPty(fd: Pick<ProbeFd, 'type' | 'target'>): boolean {
  return fd.type === 'char' && /^\/dev\/(ptmx|pts\/(\d+|ptmx))$/.test(fd.target);
}

function programMatches(c: { glob: RegExp; path: boolean }, program: string, argv0: string | undefined): boolean {
  if (c.path) return c.glob.test(program);
  return c.glob.test(basename(program)) || (argv0 !== undefined && argv0 !== '' && c.glob.test(basename(argv0)));
}

type Subject = Pick<ExecRecord, 'program' | 'argv' | 'parentProgram'>;

function holds(c: Condition, fd: ProbeFd, exec: Subject): boolean {
  switch (c.key) {
    case 'fd':
      return fd.fd >= c.lo && fd.fd <= c.hi;
    case 'type':
      return c.type === 'pty' ? isPty(fd) : fd.type === c.type;
    case 'target':
      return c.glob.test(fd.target);
    case 'program':
      return programMatches(c, exec.program, exec.argv[0]);
    case 'parent':
      return programMatches(c, exec.parentProgram, undefined);
  }
}

export function ruleAllows(rule: AllowRule, fd: ProbeFd, exec: Subject): boolean {
  return rule.conditions.every((c) => holds(c, fd, exec));
}

/** What one exec's policy check found. */
export interface ExecJudgement {
  violations: Violation[];
  allowed: Allowance[];
}

export interface PolicyInput {
  rules: readonly AllowRule[];
  /** Identities of the fds passed on purpose, with the fd number they were passed as. */
  passed: ReadonlyMap<string, number>;
}

/** Fds 0, 1 and 2 always cross; every other fd needs a rule (or to be a passed fd). */
export function judgeExec(exec: Subject & { fds: readonly ProbeFd[] }, policy: PolicyInput): ExecJudgement {
  const violations: Violation[] = [];
  const allowed: Allowance[] = [];
  for (const fd of exec.fds) {
    if (fd.fd <= 2) continue;
    const passedAs = policy.passed.get(fd.identity);
    if (passedAs !== undefined) {
      allowed.push({ fd: fd.fd, target: fd.target, rule: `passed with --pass ${passedAs}` });
      continue;
    }
    const rule = policy.rules.find((r) => ruleAllows(r, fd, exec));
    if (rule) allowed.push({ fd: fd.fd, target: fd.target, rule: rule.text });
    else violations.push({ fd: fd.fd, target: fd.target, type: isPty(fd) ? 'pty' : fd.type, reason: 'not allowed' });
  }
  return { violations, allowed };
}
