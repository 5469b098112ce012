/**
 * The japa side of trace: a spec says "our CLI's children start clean" with the `trace` fixture and
 * `assert.noExecInherited`, and a CLI that hands its child an extra fd fails that spec, naming the child,
 * the fd and its target.
 */
import { test } from '@japa/runner';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../../src/runner/index.ts';
import { needsPtrace } from './helpers.ts';

// "Our CLI": runs /bin/true with the default stdio (clean), or with an extra pipe as fd 3 (a leak).
const CLI_SOURCE = `
import { spawnSync } from 'node:child_process';
const extra = process.argv[2] === 'leak' ? ['pipe'] : [];
const r = spawnSync('/bin/true', [], { stdio: ['ignore', 'inherit', 'inherit', ...extra] });
process.exit(r.status ?? 1);
`;

let dir = '';
let cli = '';

test.group('trace fixture: our CLI starts its children clean', (group) => {
  needsPtrace(group);
  group.setup(() => {
    dir = mkdtempSync(join(tmpdir(), 'fdaudit-trace-fixture-'));
    cli = join(dir, 'cli.mjs');
    writeFileSync(cli, CLI_SOURCE);
    return () => rmSync(dir, { recursive: true, force: true });
  });

  test("our CLI's children start clean", async ({ trace, assert }) => {
    const t = await trace([process.execPath, cli, 'clean']);
    assert.equal(t.exitCode, 0);
    assert.deepEqual(t.execs.map((e) => e.program.split('/').pop()), ['node', 'true']);
    assert.noExecInherited(t);
  });

  test('a CLI that hands its child an extra pipe fails the same spec', async ({ trace, assert }) => {
    assert.noExecInherited(await trace([process.execPath, cli, 'leak']));
  }).fails('the child inherits fd 3, which no rule allows');

  test('the failure names the child, the fd and its target; a rule for exactly that fd lets it through', async ({ trace, assert }) => {
    const t = await trace([process.execPath, cli, 'leak']);
    assert.throws(
      () => assert.noExecInherited(t),
      /^1 of 2 execs inherited fds beyond 0, 1, 2 that are not allowed: \/usr\/bin\/true \(pid \d+, started by node pid \d+\) inherited fd 3 \((socket|pipe):\[\d+\]\) \[trace: .*cli\.mjs leak\]$/,
    );
    assert.noExecInherited(t, { allow: ['program=true,fd=3'] });
    // A rule for another program or fd does not.
    assert.throws(() => assert.noExecInherited(t, { allow: ['program=make,fd=3'] }), /inherited fd 3/);
    assert.throws(() => assert.noExecInherited(t, { allow: ['program=true,fd=4'] }), /inherited fd 3/);
  });

  test('bad input to the fixture and the assertion is refused by name', async ({ trace, assert }) => {
    await assert.rejects(() => trace([]), /trace\(argv\): argv must be a non-empty array of strings/);
    await assert.rejects(() => trace(['/no/such/program']), /cannot run '\/no\/such\/program': no such file/);
    await assert.rejects(() => trace(['/bin/true'], { allow: ['nope=1'] }), /unknown key 'nope'/);
    assert.throws(() => assert.noExecInherited({} as never), /takes a trace result \(from the trace fixture\)/);
  });
});
