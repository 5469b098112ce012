#!/usr/bin/env node
// The `fdaudit` command: runs the compiled CLI (npm install builds dist/).
import('../dist/cli.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli.js')) {
    process.stderr.write('fdaudit: dist/ is missing; run `npm install` (or `npm run build`) first\n');
    process.exit(2);
  }
  throw err;
});
