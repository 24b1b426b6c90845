#!/usr/bin/env node
// `npm run build` (and `prepare`, so `npm install` builds): compiles src/ to dist/ with tsc (incremental: a
// no-change build takes ~2 s), then writes dist/.build-stamp — the hash of the inputs, with the build's start
// time as its mtime — which bin/entry.mjs compares with the sources. A failed build leaves no stamp, so `ringd`
// runs the sources.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inputsHash } from '../bin/entry.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const stamp = join(root, 'dist/.build-stamp');
const started = new Date();
rmSync(stamp, { force: true });
// Hashed before compiling: a source edited during the build makes the stamp not match it.
const hash = inputsHash(root);
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  // An install without devDependencies (`npm install --omit=dev`): nothing to build with; ringd runs the sources.
  console.error(
    'ringd build skipped: TypeScript is not installed (`ringd` will run the sources through tsx)',
  );
  process.exit(0);
}
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (r.status !== 0) {
  console.error('ringd build failed: dist/ is not up to date (`ringd` will run the TypeScript sources)');
  process.exit(r.status ?? 1);
}
mkdirSync(dirname(stamp), { recursive: true });
writeFileSync(stamp, hash + '\n');
utimesSync(stamp, started, started);
