/**
 * The trace policy: allow rules as written on the command line, each bad one a message naming it, and
 * what each key matches. Every allowance has its refusal beside it.
 */
import { test } from '@japa/runner';
import { AllowRuleError, judgeExec, parseAllowRule, parseAllowRules, ruleAllows } from '../../../src/trace/policy.ts';
import type { ProbeFd } from '../../../src/probe/types.ts';

function fd(n: number, target: string, type: ProbeFd['type'] = 'file', identity = `0:1:${n}:r`): ProbeFd {
  return { fd: n, target, type, dev: '0:1', ino: String(n), flags: '0100000', pos: '0', identity };
}

const make = { program: '/usr/bin/make', argv: ['make', '-j4'], parentProgram: '/usr/bin/bash' };
const cc = { program: '/usr/bin/gcc-12', argv: ['cc', '-c', 'x.c'], parentProgram: '/usr/bin/make' };

test.group('trace policy: rules', () => {
  test('bad rules are refused with a message that names the rule and the problem', ({ assert }) => {
    const cases: [string, RegExp][] = [
      ['', /empty allow rule/],
      ['fd', /'fd' is not KEY=VALUE/],
      ['color=red', /unknown key 'color'; valid: fd, target, type, program, parent/],
      ['fd=three', /fd must be a number or a range such as 3-9, got 'three'/],
      ['fd=9-3', /fd must be a number or a range/],
      ['type=tty', /unknown type 'tty'; valid: file, dir, pipe, socket, char, block, anon, memfd, unknown, pty/],
      ['program=', /program= needs a value/],
      ['fd=3,fd=4', /fd given twice/],
    ];
    for (const [rule, message] of cases) {
      assert.throws(() => parseAllowRule(rule), message);
      assert.throws(() => parseAllowRule(rule), AllowRuleError as unknown as ErrorConstructor);
    }
  });

  test('fd=N and fd=N-M match those numbers only', ({ assert }) => {
    const one = parseAllowRule('fd=3');
    assert.isTrue(ruleAllows(one, fd(3, '/x'), make));
    assert.isFalse(ruleAllows(one, fd(4, '/x'), make));
    const range = parseAllowRule('fd=3-9');
    assert.isTrue(ruleAllows(range, fd(9, '/x'), make));
    assert.isFalse(ruleAllows(range, fd(10, '/x'), make));
  });

  test('target= matches the target exactly or by glob', ({ assert }) => {
    assert.isTrue(ruleAllows(parseAllowRule('target=/dev/null'), fd(5, '/dev/null', 'char'), make));
    assert.isFalse(ruleAllows(parseAllowRule('target=/dev/null'), fd(5, '/dev/null2', 'char'), make));
    assert.isTrue(ruleAllows(parseAllowRule('target=pipe:*'), fd(5, 'pipe:[123]', 'pipe'), make));
    assert.isFalse(ruleAllows(parseAllowRule('target=pipe:*'), fd(5, 'socket:[123]', 'socket'), make));
  });

  test('program= matches the basename of the executable or of argv[0]; with a slash, the path', ({ assert }) => {
    assert.isTrue(ruleAllows(parseAllowRule('program=make'), fd(3, '/x'), make));
    assert.isFalse(ruleAllows(parseAllowRule('program=make'), fd(3, '/x'), cc));
    // argv[0] 'cc' of an executable named gcc-12
    assert.isTrue(ruleAllows(parseAllowRule('program=cc'), fd(3, '/x'), cc));
    assert.isTrue(ruleAllows(parseAllowRule('program=gcc-*'), fd(3, '/x'), cc));
    assert.isTrue(ruleAllows(parseAllowRule('program=/usr/bin/make'), fd(3, '/x'), make));
    assert.isFalse(ruleAllows(parseAllowRule('program=/bin/make'), fd(3, '/x'), make));
    assert.isTrue(ruleAllows(parseAllowRule('parent=make'), fd(3, '/x'), cc));
    assert.isFalse(ruleAllows(parseAllowRule('parent=make'), fd(3, '/x'), make));
  });

  test('type= is the probe type, and pty names /dev/ptmx and /dev/pts/N', ({ assert }) => {
    assert.isTrue(ruleAllows(parseAllowRule('type=pipe'), fd(3, 'pipe:[1]', 'pipe'), make));
    assert.isFalse(ruleAllows(parseAllowRule('type=pipe'), fd(3, 'socket:[1]', 'socket'), make));
    assert.isTrue(ruleAllows(parseAllowRule('type=pty'), fd(3, '/dev/ptmx', 'char'), make));
    assert.isTrue(ruleAllows(parseAllowRule('type=pty'), fd(3, '/dev/pts/7', 'char'), make));
    assert.isFalse(ruleAllows(parseAllowRule('type=pty'), fd(3, '/dev/null', 'char'), make));
  });

  test('conditions joined by commas must all hold: make may keep its pipes, not its files', ({ assert }) => {
    const rule = parseAllowRule('program=make,type=pipe');
    assert.isTrue(ruleAllows(rule, fd(3, 'pipe:[1]', 'pipe'), make));
    assert.isFalse(ruleAllows(rule, fd(3, '/etc/hostname', 'file'), make));
    assert.isFalse(ruleAllows(rule, fd(3, 'pipe:[1]', 'pipe'), cc));
    // A target may hold a comma that is not followed by a key.
    assert.isTrue(ruleAllows(parseAllowRule('target=/tmp/a,b'), fd(4, '/tmp/a,b'), make));
  });
});

test.group('trace policy: judging an exec', () => {
  test('0, 1 and 2 always cross; anything else is a violation unless a rule or --pass allows it', ({ assert }) => {
    const exec = { ...make, fds: [fd(0, '/dev/null', 'char'), fd(1, 'pipe:[9]', 'pipe'), fd(2, 'pipe:[9]', 'pipe'), fd(3, 'pipe:[10]', 'pipe'), fd(7, '/etc/hostname', 'file', 'id-7')] };
    const sealed = judgeExec(exec, { rules: [], passed: new Map() });
    assert.deepEqual(sealed.violations.map((v) => [v.fd, v.target, v.reason]), [[3, 'pipe:[10]', 'not allowed'], [7, '/etc/hostname', 'not allowed']]);
    assert.deepEqual(sealed.allowed, []);

    const allowed = judgeExec(exec, { rules: parseAllowRules(['program=make,type=pipe']), passed: new Map([['id-7', 7]]) });
    assert.deepEqual(allowed.violations, []);
    assert.deepEqual(allowed.allowed.map((a) => [a.fd, a.rule]), [[3, 'program=make,type=pipe'], [7, 'passed with --pass 7']]);
  });
});
