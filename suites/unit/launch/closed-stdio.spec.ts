/**
 * A parent with fds 0, 1 and 2 closed (a daemon, a service started with
 * nothing on its standard fds): a launch that fails at execve is a
 * LaunchError like anywhere else, and leaves nothing behind — no zombie, and
 * no fd, though the pidfd the launch takes with the pid lands at fd 0 there.
 * The control: the same parent launches a program that exists.
 */
import { test } from '@japa/runner';
import { runEdge } from './helpers.ts';

test.group('launch with fds 0-2 closed in the parent', () => {
  test('exec failure: LaunchError ENOENT at execve (sync and async), nothing leaked, no zombie; control runs', ({ assert }) => {
    const r = runEdge({
      closeStdio: true,
      launches: [
        { file: '/nonexistent/fdaudit-program' },
        { file: '/nonexistent/fdaudit-program', async: true },
        { file: '/nonexistent/fdaudit-program', options: { closeStrategy: 'poll' } },
        { file: '/nonexistent/fdaudit-program', async: true, watch: 'pidfd' },
        // Explicit stdio naming the closed fds: refused before anything starts.
        { file: '/bin/true', options: { stdio: [0, 1, 2] } },
        // The controls.
        { file: '/bin/sh', args: ['-c', 'exit 4'] },
        { file: '/bin/sh', args: ['-c', 'exit 6'], async: true },
        { options: {} },
      ],
    });
    for (const i of [0, 1, 2, 3]) {
      const e = r.launches[i]?.error;
      assert.equal(e?.name, 'LaunchError', `launch ${i}: ${JSON.stringify(r.launches[i])}`);
      assert.equal(e?.code, 'ENOENT');
      assert.equal(e?.syscall, 'execve');
      assert.isNull(e?.signal ?? null);
    }
    assert.equal(r.launches[4]?.error?.name, 'RangeError');
    assert.match(r.launches[4]!.error!.message, /options\.stdio\[0\]: fd 0 is not open/);
    assert.deepEqual(r.launches[5]?.ok && [r.launches[5].ok.code, r.launches[5].ok.signal], [4, null]);
    assert.deepEqual(r.launches[6]?.ok && [r.launches[6].ok.code, r.launches[6].ok.signal], [6, null]);
    // The child of a parent without 0-2 has none either: the default stdio keeps closed what is closed here.
    assert.deepEqual(r.launches[7]?.seen?.fds.map((f) => f.fd), []);
    assert.deepEqual(r.newFds, [], `nothing left open: ${r.newFdTargets.join(', ')}`);
    if (r.zombies !== null) assert.deepEqual(r.zombies, []);
  }).timeout(120_000);
});
