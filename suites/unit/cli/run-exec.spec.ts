/**
 * `fdaudit run --exec NAME=TEMPLATE`: a user's launcher is held to the sealed policy (no bait but
 * `passed` crosses, no extra fd, soft limit <= 1024, no blocked or ignored signal) unless `--expect`
 * says otherwise. A launcher that seals exits 0; one that leaks fds >= 1024 or leaves SIGPIPE ignored
 * exits 1 with a junit failure naming the bait or the signal.
 */
import { test } from '@japa/runner';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditReport } from '../../../src/audit/types.ts';
import { FIXTURES, runCli, tempDir } from './helpers.ts';

const POLICY_SPEC = 'suites/audit/user-launchers.spec.ts';

/** Everything seal.py does except resetting SIGPIPE, which Python itself ignores. */
const SIGPIPE_LEFT_IGNORED = `
import os, resource, signal, sys
os.closerange(3, 2**31 - 1)
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft, 1024), hard))
for sig in signal.valid_signals():
    if sig in (signal.SIGKILL, signal.SIGSTOP, signal.SIGPIPE):
        continue
    try:
        if signal.getsignal(sig) == signal.SIG_IGN:
            signal.signal(sig, signal.SIG_DFL)
    except (OSError, ValueError):
        pass
signal.pthread_sigmask(signal.SIG_SETMASK, [])
os.execv(sys.argv[1], sys.argv[1:])
`;

function junitFailures(path: string): Map<string, string | null> {
  const xml = readFileSync(path, 'utf8');
  const out = new Map<string, string | null>();
  const re = /<testcase [^>]*name="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    const failure = /<failure message="([^"]*)"/.exec(m[3] ?? '');
    out.set(m[1] ?? '', failure ? (failure[1] ?? '').replace(/&gt;/g, '>') : null);
  }
  return out;
}

function tests(out: string): AuditReport['tests'] {
  return (JSON.parse(readFileSync(join(out, 'audit.json'), 'utf8')) as AuditReport).tests;
}

const BAITS = ['--bait', 'pipe,high-fd,passed'];

test.group('fdaudit run --exec: the sealed policy for user launchers', (group) => {
  let dir = '';
  group.setup(() => {
    const t = tempDir();
    dir = t.dir;
    return () => t.cleanup();
  });

  test('a launcher that seals everything and resets limits and signals exits 0', async ({ assert }) => {
    const out = join(dir, 'seal');
    const r = await runCli(['run', POLICY_SPEC, '--exec', `mine=python3 ${join(FIXTURES, 'seal.py')} {probe}`, ...BAITS, '--out', out, '--reporter', 'json,junit']);
    assert.equal(r.code, 0, r.stderr);
    const cases = junitFailures(join(out, 'junit.xml'));
    assert.sameMembers([...cases.keys()], [
      'ext:mine › pipe [host]',
      'ext:mine › high-fd [host]',
      'ext:mine › extra fds [host]',
      'ext:mine › soft limit [host]',
      'ext:mine › signals [host]',
    ]);
    assert.isTrue([...cases.values()].every((f) => f === null));
    assert.deepEqual(tests(out), { passed: 5, failed: 0, skipped: 0 });
  });

  test('a launcher that leaks the fds >= 1024 exits 1; the junit failure names high-fd', async ({ assert }) => {
    const out = join(dir, 'below');
    const r = await runCli(['run', POLICY_SPEC, '--exec', `mine=python3 ${join(FIXTURES, 'close-below-1024.py')} {probe}`, ...BAITS, '--out', out, '--reporter', 'json,junit']);
    assert.equal(r.code, 1, r.stderr);
    const cases = junitFailures(join(out, 'junit.xml'));
    assert.match(cases.get('ext:mine › high-fd [host]') ?? '', /^ext:mine leaked high-fd fd (\d+) -> child fd \1 \(.+\) \[kernel host\]$/);
    // Control: the pipe below 1024 was closed, and the rest of the policy holds.
    assert.isNull(cases.get('ext:mine › pipe [host]'));
    assert.isNull(cases.get('ext:mine › signals [host]'));
    assert.deepEqual(tests(out), { passed: 4, failed: 1, skipped: 0 });
  });

  test('a launcher that leaves SIGPIPE ignored exits 1; the junit failure names the signal', async ({ assert }) => {
    const script = join(dir, 'sigpipe.py');
    writeFileSync(script, SIGPIPE_LEFT_IGNORED);
    const out = join(dir, 'sigpipe');
    const r = await runCli(['run', POLICY_SPEC, '--exec', `mine=python3 ${script} {probe}`, ...BAITS, '--out', out, '--reporter', 'json,junit']);
    assert.equal(r.code, 1, r.stderr);
    const cases = junitFailures(join(out, 'junit.xml'));
    assert.equal(cases.get('ext:mine › signals [host]'), 'ext:mine left SIGPIPE ignored [kernel host]');
    assert.isNull(cases.get('ext:mine › high-fd [host]'));
    assert.isNull(cases.get('ext:mine › soft limit [host]'));
  });

  test('--expect NAME=leak turns the policy into that expectation, both ways', async ({ assert }) => {
    const leaky = `mine=python3 ${join(FIXTURES, 'close-below-1024.py')} {probe}`;
    const out = join(dir, 'expect-leak');
    const r = await runCli(['run', POLICY_SPEC, '--exec', leaky, '--expect', 'mine=leak', ...BAITS, '--out', out, '--reporter', 'json,junit']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual([...junitFailures(join(out, 'junit.xml')).entries()], [['ext:mine › expected leak [host]', null]]);

    const sealing = `mine=python3 ${join(FIXTURES, 'seal.py')} {probe}`;
    const out2 = join(dir, 'expect-leak-sealed');
    const r2 = await runCli(['run', POLICY_SPEC, '--exec', sealing, '--expect', 'mine=leak', ...BAITS, '--out', out2, '--reporter', 'json,junit']);
    assert.equal(r2.code, 1, r2.stderr);
    assert.equal(junitFailures(join(out2, 'junit.xml')).get('ext:mine › expected leak [host]'), 'ext:mine is sealed, expected leak [kernel host]');
  });

  test('--config launchers and expectations reach every kernel worker; unstated ones are held to the policy', async ({ assert }) => {
    const config = join(FIXTURES, 'config', 'fdaudit.config.mjs');
    const out = join(dir, 'config');
    // The config says env-exec=leak; the command line says the same of the adapter.
    const r = await runCli(['run', POLICY_SPEC, '--config', config, '--expect', 'spawn-adapter=leak', '--bait', 'pipe,file', '--kernel', 'host,linux-5.8', '--out', out, '--reporter', 'json,junit']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      [...junitFailures(join(out, 'junit.xml')).entries()].sort(),
      [
        ['ext:env-exec › expected leak [host]', null],
        ['ext:env-exec › expected leak [linux-5.8]', null],
        ['ext:spawn-adapter › expected leak [host]', null],
        ['ext:spawn-adapter › expected leak [linux-5.8]', null],
      ],
    );
    // Control: without --expect the adapter is held to the sealed policy, and it leaks.
    const out2 = join(dir, 'config-policy');
    const r2 = await runCli(['run', POLICY_SPEC, '--config', config, '--bait', 'pipe,file', '--out', out2, '--reporter', 'json,junit']);
    assert.equal(r2.code, 1, r2.stderr);
    assert.match(junitFailures(join(out2, 'junit.xml')).get('ext:spawn-adapter › pipe [host]') ?? '', /^ext:spawn-adapter leaked pipe fd \d+ -> child fd \d+ \(pipe:\[\d+\]\) \[kernel host\]$/);
  });
});
