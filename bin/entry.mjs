// Which build the `ringd` command runs: the compiled JavaScript in dist/ (what `npm run build` — run by
// `npm install` through `prepare` — makes) when it is up to date with src/, else the TypeScript sources through
// tsx, with the reason. The compiled build starts faster and spends less CPU per call (no transpiling at start,
// no name-keeping wrappers on every closure: docs/performance.md). Plain JavaScript: it runs before tsx.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Written by scripts/build.mjs when a build succeeds, with the mtime of the build's start. */
export const STAMP = 'dist/.build-stamp';
/** Besides src/, what changes the compiled output. */
const INPUTS = ['tsconfig.json', 'tsconfig.build.json'];

/** The newest mtime (ms) of the TypeScript files under `dir`, and one such file. */
function newestSource(dir) {
  let newest = { ms: 0, path: '' };
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      const n = newestSource(p);
      if (n.ms > newest.ms) newest = n;
    } else if (e.name.endsWith('.ts')) {
      const ms = statSync(p).mtimeMs;
      if (ms > newest.ms) newest = { ms, path: p };
    }
  }
  return newest;
}

function mtimeMs(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * `root`: the package directory. `env.RINGD_FROM_SOURCES=1` asks for the sources.
 * Returns `{ kind: 'dist', url }` or `{ kind: 'sources', reason }` (`reason` empty when asked for).
 */
export function chooseEntry(root, env = process.env) {
  if (env.RINGD_FROM_SOURCES === '1') return { kind: 'sources', reason: '' };
  const stamp = mtimeMs(join(root, STAMP));
  const main = join(root, 'dist/cli/main.js');
  if (stamp === undefined || mtimeMs(main) === undefined)
    return { kind: 'sources', reason: 'no compiled build in dist/' };
  let newest = newestSource(join(root, 'src'));
  for (const f of INPUTS) {
    const ms = mtimeMs(join(root, f)) ?? 0;
    if (ms > newest.ms) newest = { ms, path: join(root, f) };
  }
  if (newest.ms > stamp) {
    const rel = newest.path.slice(root.length).replace(/^\/+/, '');
    return { kind: 'sources', reason: `the compiled build in dist/ is older than ${rel}` };
  }
  return { kind: 'dist', url: pathToFileURL(main).href };
}
