/**
 * RLIMIT_NOFILE policies: 'fd-setsize' (default) lowers a soft limit above
 * 1024 to 1024 and never raises or fails; 'inherit'; explicit { soft, hard? }.
 */
import { test } from '@japa/runner';
import { getRlimitNofile, setRlimitNofile } from '../../../src/native/fdops.ts';
import { runFixture, see } from './helpers.ts';

test.group('launch rlimit', () => {
  test("'fd-setsize' (default) lowers the raised soft limit to 1024, hard untouched", ({ assert }) => {
    const lim = getRlimitNofile();
    assert.isAbove(Number(lim.soft), 1024, 'Node raised its own soft limit, so the default has work to do');
    const { seen } = see();
    assert.equal(seen.soft, 1024);
    assert.equal(seen.hard, lim.hard);
  });

  test("'fd-setsize' never raises a soft limit that is below 1024", ({ assert }) => {
    const lim = getRlimitNofile();
    setRlimitNofile(300, lim.hard);
    try {
      const { seen } = see();
      assert.equal(seen.soft, 300);
    } finally {
      setRlimitNofile(lim.soft, lim.hard);
    }
  });

  test("'inherit' passes the parent's raised soft limit (the control)", ({ assert }) => {
    const { seen } = see({ rlimit: 'inherit' });
    assert.equal(seen.soft, getRlimitNofile().soft);
  });

  test('explicit { soft } and { soft, hard }', ({ assert }) => {
    assert.equal(see({ rlimit: { soft: 300 } }).seen.soft, 300);
    const both = see({ rlimit: { soft: 100, hard: 500 } }).seen;
    assert.deepEqual([both.soft, both.hard], [100, 500]);
  });

  test('a parent whose hard limit is below 1024: fd-setsize neither fails nor raises (flaw F6)', ({ assert }) => {
    // The fixture runs under prlimit(1) with soft 300 / hard 512 (util-linux, not the code under test).
    const low = runFixture({ launches: [{ options: {} }, { options: { rlimit: { soft: 400 } } }] }, [
      'prlimit',
      '--nofile=300:512',
      '--',
    ]);
    assert.equal(low.hard, 512);
    // Node raises its soft limit to the hard one at start-up.
    assert.equal(low.soft, 512);
    const [dflt, explicit] = low.launches;
    assert.isUndefined(dflt!.error, dflt!.error?.message);
    assert.equal(dflt!.seen!.soft, 512, 'below 1024 already: left as it is, not raised to 1024');
    assert.equal(dflt!.seen!.hard, 512);
    assert.equal(explicit!.seen!.soft, 400);
  });
});
