/**
 * Bad input to launchSync/launch: a TypeError or RangeError that names the
 * problem, thrown before anything starts (no child, no fd, no zombie).
 */
import { test } from '@japa/runner';
import { launch, launchSync } from '../../../src/launch/index.ts';
import { launchVariantSync } from '../../../src/launch/variants.ts';
import { getRlimitNofile, pipe, close } from '../../../src/native/fdops.ts';
import { leftovers, newFds } from './helpers.ts';

type Call = () => unknown;
const T = '/bin/true';

test.group('launch input validation', (group) => {
  let closedFd = -1;
  group.setup(() => {
    const [r, w] = pipe(true);
    close(r);
    close(w);
    closedFd = r; // known not open now
  });

  const hard = (): number => Number(getRlimitNofile().hard);
  const cases: Array<{ what: string; call: Call; type: 'TypeError' | 'RangeError'; names: RegExp }> = [
    { what: 'file with a NUL byte', call: () => launchSync('/bin/tr\0ue', []), type: 'TypeError', names: /file.*NUL/ },
    { what: 'file not a string', call: () => launchSync(42 as unknown as string, []), type: 'TypeError', names: /file must be a string/ },
    { what: 'empty file name', call: () => launchSync('', []), type: 'TypeError', names: /file must not be empty/ },
    { what: 'args not an array', call: () => launchSync(T, 'x' as unknown as string[]), type: 'TypeError', names: /args must be an array/ },
    { what: 'an arg that is not a string', call: () => launchSync(T, ['a', 1 as unknown as string]), type: 'TypeError', names: /args\[1\]/ },
    { what: 'an arg with a NUL byte', call: () => launchSync(T, ['a\0b']), type: 'TypeError', names: /args\[0\].*NUL/ },
    { what: 'an env value with a NUL byte', call: () => launchSync(T, [], { env: { A: 'x\0y' } }), type: 'TypeError', names: /options\.env\.A.*NUL/ },
    { what: 'an env key with "="', call: () => launchSync(T, [], { env: { 'A=B': 'x' } }), type: 'TypeError', names: /env key.*'='/ },
    { what: 'an env value that is not a string', call: () => launchSync(T, [], { env: { A: 1 as unknown as string } }), type: 'TypeError', names: /options\.env\.A must be a string/ },
    { what: 'cwd with a NUL byte', call: () => launchSync(T, [], { cwd: '/tm\0p' }), type: 'TypeError', names: /cwd.*NUL/ },
    { what: 'argv0 not a string', call: () => launchSync(T, [], { argv0: 5 as unknown as string }), type: 'TypeError', names: /argv0/ },
    { what: 'options not an object', call: () => launchSync(T, [], 'x' as never), type: 'TypeError', names: /options must be an object/ },
    { what: 'an unknown option', call: () => launchSync(T, [], { sael: false } as never), type: 'TypeError', names: /unknown option 'sael'/ },
    { what: 'a negative stdio fd', call: () => launchSync(T, [], { stdio: [0, -1, 2] }), type: 'RangeError', names: /stdio\[1\].*negative/ },
    { what: 'a huge stdio fd', call: () => launchSync(T, [], { stdio: [0, 2 ** 40, 2] }), type: 'RangeError', names: /stdio\[1\].*not a possible fd/ },
    { what: 'a fractional stdio fd', call: () => launchSync(T, [], { stdio: [0, 1.5, 2] }), type: 'TypeError', names: /stdio\[1\].*integer/ },
    { what: 'a stdio fd that is not open', call: () => launchSync(T, [], { stdio: [0, closedFd, 2] }), type: 'RangeError', names: /stdio\[1\].*not open/ },
    { what: 'a keep fd that is not open', call: () => launchSync(T, [], { keep: [closedFd] }), type: 'RangeError', names: /keep\[0\].*not open/ },
    { what: 'a negative keep fd', call: () => launchSync(T, [], { keep: [-3] }), type: 'RangeError', names: /keep\[0\].*negative/ },
    { what: 'a keep fd colliding with a stdio slot', call: () => launchSync(T, [], { keep: [1] }), type: 'RangeError', names: /keep\[0\].*collides with stdio slot 1/ },
    { what: 'too many stdio slots', call: () => launchSync(T, [], { stdio: new Array(5000).fill(null) }), type: 'RangeError', names: /stdio has 5000 slots/ },
    { what: 'seal not a boolean', call: () => launchSync(T, [], { seal: 'no' as unknown as boolean }), type: 'TypeError', names: /seal must be a boolean/ },
    { what: 'an unknown close strategy', call: () => launchSync(T, [], { closeStrategy: 'fast' as never }), type: 'RangeError', names: /closeStrategy "fast"/ },
    { what: 'rlimit soft above the hard limit', call: () => launchSync(T, [], { rlimit: { soft: hard() + 1 } }), type: 'RangeError', names: /soft .* above the hard limit/ },
    { what: 'rlimit hard above the current hard limit', call: () => launchSync(T, [], { rlimit: { soft: 10, hard: hard() + 1 } }), type: 'RangeError', names: /hard .* above the current hard limit/ },
    { what: 'rlimit soft above its own hard', call: () => launchSync(T, [], { rlimit: { soft: 200, hard: 100 } }), type: 'RangeError', names: /soft 200 is above the hard limit 100/ },
    { what: 'rlimit unlimited', call: () => launchSync(T, [], { rlimit: { soft: 'unlimited' } }), type: 'RangeError', names: /soft 'unlimited'/ },
    { what: 'an unknown rlimit policy', call: () => launchSync(T, [], { rlimit: 'max' as never }), type: 'TypeError', names: /rlimit must be/ },
    { what: 'a negative rlimit', call: () => launchSync(T, [], { rlimit: { soft: -1 } }), type: 'TypeError', names: /rlimit\.soft/ },
    { what: 'an unknown signal name in signalMask', call: () => launchSync(T, [], { signalMask: ['SIGFOO'] }), type: 'RangeError', names: /signalMask\[0\].*SIGFOO/ },
    { what: 'a signal number instead of a name', call: () => launchSync(T, [], { ignoreSignals: [10 as unknown as string] }), type: 'TypeError', names: /ignoreSignals\[0\]/ },
    { what: 'ignoring SIGKILL', call: () => launchSync(T, [], { ignoreSignals: ['SIGKILL'] }), type: 'RangeError', names: /SIGKILL cannot be ignored/ },
    { what: 'processGroup not a boolean', call: () => launchSync(T, [], { processGroup: 1 as unknown as boolean }), type: 'TypeError', names: /processGroup/ },
    { what: 'a hole in stdio', call: () => launchSync(T, [], { stdio: [0, , 2] as unknown as number[] }), type: 'TypeError', names: /stdio\[1\] must be an integer fd number, got undefined/ },
    { what: 'NaN as an fd', call: () => launchSync(T, [], { keep: [Number.NaN] }), type: 'TypeError', names: /keep\[0\] must be an integer/ },
    { what: 'a BigInt fd', call: () => launchSync(T, [], { stdio: [0n as unknown as number] }), type: 'TypeError', names: /stdio\[0\] must be an integer/ },
    { what: 'a String object as file', call: () => launchSync(new String('/bin/true') as unknown as string, []), type: 'TypeError', names: /file must be a string/ },
    { what: 'an empty cwd', call: () => launchSync(T, [], { cwd: '' }), type: 'TypeError', names: /cwd must not be empty/ },
    { what: 'env not an object', call: () => launchSync(T, [], { env: 'PATH=/bin' as never }), type: 'TypeError', names: /options\.env must be an object/ },
    { what: 'launch() with bad input throws synchronously', call: () => launch(T, [], { stdio: [0, -5] }), type: 'RangeError', names: /stdio\[1\]/ },
    { what: 'an unknown launcher variant', call: () => launchVariantSync('mutant:nope', T, []), type: 'RangeError', names: /unknown launcher variant 'mutant:nope'/ },
  ];

  for (const c of cases) {
    test(`${c.what}: ${c.type} naming it, nothing started`, ({ assert }) => {
      const before = leftovers();
      let caught: unknown;
      try {
        c.call();
      } catch (e) {
        caught = e;
      }
      assert.instanceOf(caught, Error, 'it threw');
      assert.equal((caught as Error).name, c.type, (caught as Error).message);
      assert.match((caught as Error).message, c.names);
      const after = leftovers();
      assert.deepEqual(newFds(before, after), [], 'no fd left open in the parent');
      assert.deepEqual(after.zombies, []);
    });
  }

  test('control: the same calls with valid values launch', ({ assert }) => {
    assert.equal(launchSync(T, ['a'], { env: { A: 'x' }, cwd: '/tmp', argv0: 't', stdio: [0, 1, 2], rlimit: { soft: 100, hard: 200 }, signalMask: ['SIGUSR1'], ignoreSignals: ['SIGPIPE'], processGroup: true, seal: true, closeStrategy: 'poll' }).code, 0);
  });
});
