#!/usr/bin/env node
// ringd command-line entry: the compiled build in dist/ when it is up to date, else the TypeScript sources
// through tsx, saying why (bin/entry.mjs).
import { fileURLToPath } from 'node:url';
import { chooseEntry } from './entry.mjs';

const entry = chooseEntry(fileURLToPath(new URL('..', import.meta.url)));
if (entry.kind === 'dist') {
  await import(entry.url);
} else {
  if (entry.reason)
    process.stderr.write(
      `ringd: ${entry.reason}; running the TypeScript sources through tsx ` +
        '(`npm run build` makes the compiled build, which is faster)\n',
    );
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
