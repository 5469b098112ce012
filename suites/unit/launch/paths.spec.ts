import { test } from '@japa/runner';
import { existsSync } from 'node:fs';
import { nativePath, packageRoot } from '../../../src/native/paths.ts';

test.group('native paths', () => {
  test('the package root holds package.json and CMakeLists.txt', ({ assert }) => {
    assert.isTrue(existsSync(`${packageRoot}/package.json`));
    assert.isTrue(existsSync(`${packageRoot}/CMakeLists.txt`));
  });

  test('a missing build output names the file and the fix', ({ assert }) => {
    assert.throws(() => nativePath('no-such-output'), /no-such-output is missing \(looked in .*build\/out and .*prebuilds\/.*npm rebuild fdaudit.*npm run build:native/);
  });
});
