/** The kernels API: the personality table, argv wrapping, availability and CLI list parsing. */
import { test } from '@japa/runner';
import { spawnSync } from 'node:child_process';
import { KERNEL_IDS, DENIABLE_SYSCALLS, HUGE_NOFILE } from '../../../src/kernels/types.ts';
import type { KernelId } from '../../../src/kernels/types.ts';
import { personalities, getPersonality, closeRangeFails } from '../../../src/kernels/personalities.ts';
import { nativePath } from '../../../src/native/paths.ts';
import { parseKernelList } from '../../../src/kernels/parse.ts';
import { kernelAvailability, kernelWrapperPath, wrapArgv } from '../../../src/kernels/wrapper.ts';
import * as api from '../../../src/index.ts';

function wrapperOutput(flag: string): string {
  const r = spawnSync(kernelWrapperPath(), [flag], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`fdaudit-kernel ${flag} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

test.group('kernels: personality table', () => {
  test('one entry per KERNEL_IDS id, in order, each saying what it changes', ({ assert }) => {
    assert.deepEqual(personalities.map((p) => p.id), [...KERNEL_IDS]);
    for (const p of personalities) {
      assert.isAbove(p.description.length, 10, p.id);
      const changes = Object.keys(p.refuses).length + (p.hidesProc ? 1 : 0) + (p.rlimitNofile ? 1 : 0);
      if (p.id === 'host') assert.equal(changes, 0);
      else assert.isAbove(changes, 0, p.id);
    }
    assert.isTrue(getPersonality('no-proc').hidesProc);
    assert.isFalse(getPersonality('linux-5.8').hidesProc);
    assert.equal(getPersonality('container-eperm').refuses.close_range, 'EPERM');
    assert.deepEqual(getPersonality('huge-nofile').rlimitNofile, { soft: HUGE_NOFILE, hard: HUGE_NOFILE });
    assert.deepEqual(getPersonality('container-eperm+huge-nofile').rlimitNofile, { soft: 1073741816, hard: 1073741816 });
    assert.equal(getPersonality('container-eperm+huge-nofile').refuses.close_range, 'EPERM');
    assert.isNull(getPersonality('container-eperm').rlimitNofile);
  });

  test('agrees with the wrapper: --list descriptions and --syscalls names', ({ assert }) => {
    const listed = wrapperOutput('--list').trimEnd().split('\n').map((l) => l.split('\t'));
    assert.deepEqual(listed, personalities.map((p) => [p.id, p.description]));
    assert.deepEqual(wrapperOutput('--syscalls').trimEnd().split('\n'), [...DENIABLE_SYSCALLS]);
  });

  test('traits match what fdaudit-sysprobe observes under each personality', ({ assert }) => {
    for (const p of personalities) {
      const [file, ...args] = wrapArgv(p.id, [nativePath('fdaudit-sysprobe')]) as [string, ...string[]];
      const seen = JSON.parse(spawnSync(file, args, { encoding: 'utf8' }).stdout) as Record<string, string>;
      const closeRange = seen.close_range === 'ok'
        ? (seen.close_range_cloexec === 'ok' ? 'ok' : seen.close_range_cloexec === 'EINVAL' ? 'no-cloexec' : '?')
        : seen.close_range;
      assert.deepEqual({ ...p.traits }, {
        closeRange, procVisible: seen.proc_self_fd === 'ok', pidfd: seen.pidfd_open === 'ok', clone3: seen.clone3 === 'ok',
        nofile: seen.nofile === `${HUGE_NOFILE}/${HUGE_NOFILE}` ? 'huge' : 'host',
      }, p.id);
    }
    assert.deepEqual(KERNEL_IDS.filter(closeRangeFails),
      ['linux-5.8', 'linux-5.2', 'container-eperm', 'linux-5.8+no-proc', 'container-eperm+huge-nofile']);
    assert.deepEqual(KERNEL_IDS.filter((k) => getPersonality(k).traits.nofile === 'huge'), ['huge-nofile', 'container-eperm+huge-nofile']);
  });

  test('an unknown id is a RangeError listing the valid ones', ({ assert }) => {
    assert.throws(() => getPersonality('linux-4.4'), RangeError, /'linux-4.4'.*host, linux-5.10/);
  });

  test('exported from the package entry', ({ assert }) => {
    assert.strictEqual(api.wrapArgv, wrapArgv);
    assert.strictEqual(api.parseKernelList, parseKernelList);
    assert.strictEqual(api.kernelAvailability, kernelAvailability);
    assert.strictEqual(api.personalities, personalities);
    assert.isFunction(api.kernelWrapperPath);
  });
});

test.group('kernels: wrapArgv', () => {
  const argv = ['/usr/bin/env', 'FOO=1', 'true'];

  test('host leaves the argv as it is (a copy)', ({ assert }) => {
    const out = wrapArgv('host', argv);
    assert.deepEqual(out, argv);
    assert.notStrictEqual(out, argv);
  });

  test('other personalities prefix the wrapper, --as and --', ({ assert }) => {
    for (const k of KERNEL_IDS.filter((id) => id !== 'host')) {
      assert.deepEqual(wrapArgv(k, argv), [kernelWrapperPath(), '--as', k, '--', ...argv]);
    }
  });

  test('deny adds --deny flags with errno numbers, even under host', ({ assert }) => {
    const out = wrapArgv('host', argv, { deny: [{ syscall: 'poll', errno: 'ENOSYS' }, { syscall: 'getdents64', errno: 'EPERM' }] });
    assert.deepEqual(out, [kernelWrapperPath(), '--as', 'host', '--deny', 'poll=38', '--deny', 'getdents64=1', '--', ...argv]);
  });

  test('the wrapped argv really runs under the personality (and host does not)', ({ assert }) => {
    const check = `try { require('fs').readdirSync('/proc/self/fd'); console.log('visible') } catch (e) { console.log(e.code) }`;
    const runUnder = (k: KernelId, deny?: { syscall: 'getdents64'; errno: string }[]) => {
      const [file, ...args] = wrapArgv(k, [process.execPath, '-e', check], deny ? { deny } : {}) as [string, ...string[]];
      return spawnSync(file, args, { encoding: 'utf8' }).stdout.trim();
    };
    assert.equal(runUnder('host'), 'visible');
    assert.equal(runUnder('no-proc'), 'ENOENT');
    assert.equal(runUnder('host', [{ syscall: 'getdents64', errno: 'EACCES' }]), 'EACCES');
  });

  test('bad arguments are rejected before anything runs', ({ assert }) => {
    assert.throws(() => wrapArgv('linux-4.4' as KernelId, argv), RangeError, /'linux-4.4'/);
    assert.throws(() => wrapArgv('host', []), RangeError, /program/);
    assert.throws(() => wrapArgv('host', 'ls' as unknown as string[]), TypeError);
    assert.throws(() => wrapArgv('host', argv, { deny: [{ syscall: 'read' as 'poll', errno: 'EPERM' }] }),
      RangeError, /'read'.*close_range/);
    assert.throws(() => wrapArgv('host', argv, { deny: [{ syscall: 'poll', errno: 'EWHAT' }] }), RangeError, /'EWHAT'/);
  });
});

test.group('kernels: availability', () => {
  test('every personality is available on this machine (namespaces and seccomp work here)', ({ assert }) => {
    for (const k of KERNEL_IDS) assert.isNull(kernelAvailability(k), k);
  });

  test('negative control: where namespaces are refused, no-proc has a reason and linux-5.8 still none', ({ assert }) => {
    const wrapper = new URL('../../../src/kernels/wrapper.ts', import.meta.url).href;
    const script = `import(${JSON.stringify(wrapper)}).then((m) => console.log(JSON.stringify(
      ['no-proc', 'linux-5.8+no-proc', 'linux-5.8'].map((k) => m.kernelAvailability(k)))))`;
    const [file, ...args] = wrapArgv('host', [process.execPath, '--import', 'tsx', '-e', script],
      { deny: [{ syscall: 'unshare', errno: 'EPERM' }] }) as [string, ...string[]];
    const r = spawnSync(file, args, { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const [noProc, both, plain] = JSON.parse(r.stdout) as (string | null)[];
    assert.match(noProc ?? '', /^personality 'no-proc' is unavailable here: cannot hide \/proc: unshare/);
    assert.match(both ?? '', /^personality 'linux-5.8\+no-proc' is unavailable here/);
    assert.isNull(plain);
  });

  test('an unknown id is a RangeError, not a reason', ({ assert }) => {
    assert.throws(() => kernelAvailability('linux-2.6' as KernelId), RangeError);
  });
});

test.group('kernels: parseKernelList', () => {
  test('all expands to every personality', ({ assert }) => {
    assert.deepEqual(parseKernelList('all'), [...KERNEL_IDS]);
    assert.deepEqual(parseKernelList(['host', 'all']), [...KERNEL_IDS]);
  });

  test('commas and spaces separate; order kept; duplicates dropped', ({ assert }) => {
    assert.deepEqual(parseKernelList('linux-5.8, host no-proc,linux-5.8'), ['linux-5.8', 'host', 'no-proc']);
    assert.deepEqual(parseKernelList(['linux-5.8+no-proc', 'container-eperm,linux-5.2']),
      ['linux-5.8+no-proc', 'container-eperm', 'linux-5.2']);
  });

  test('an unknown name is a RangeError naming it and the valid ones', ({ assert }) => {
    assert.throws(() => parseKernelList('host,linux-4.19'), RangeError,
      /unknown kernel personality 'linux-4.19'; valid: all, host, linux-5.10, linux-5.8, linux-5.2, container-eperm, no-proc, linux-5.8\+no-proc, huge-nofile, container-eperm\+huge-nofile$/);
    assert.throws(() => parseKernelList(' , '), RangeError, /no kernel personality given/);
    assert.throws(() => parseKernelList([1] as unknown as string[]), TypeError);
  });
});
