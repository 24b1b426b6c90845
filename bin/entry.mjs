// Which build the `ringd` command runs: the compiled JavaScript in dist/ (what `npm run build` — run by
// `npm install` through `prepare` — makes) when it is up to date with src/, else the TypeScript sources through
// tsx, with the reason. Up to date: the build's stamp is newer than every input, or (when an input looks newer,
// as after `git checkout` or unpacking a tarball, which set mtimes) the stamp's hash of the inputs still matches. The compiled build starts faster and spends less CPU per call (no transpiling at start,
// no name-keeping wrappers on every closure: docs/performance.md). Plain JavaScript: it runs before tsx.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Written by scripts/build.mjs when a build succeeds: the hash of the inputs it compiled ({@link inputsHash}),
 * with the mtime of the build's start.
 */
export const STAMP = 'dist/.build-stamp';
/** Besides src/, what changes the compiled output. */
const INPUTS = ['tsconfig.json', 'tsconfig.build.json'];

/** The TypeScript files under `dir`, sorted. */
function sourcesOf(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) sourcesOf(p, out);
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** SHA-256 over the inputs' paths (relative to `root`) and contents: what the stamp records. */
export function inputsHash(root) {
  const h = createHash('sha256');
  for (const p of [...sourcesOf(join(root, 'src')), ...INPUTS.map((f) => join(root, f))]) {
    h.update(p.slice(root.length).replace(/^\/+/, '') + '\0');
    try {
      h.update(readFileSync(p));
    } catch {
      h.update('(missing)');
    }
    h.update('\0');
  }
  return h.digest('hex');
}

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
  if (newest.ms > stamp && readFileSync(join(root, STAMP), 'utf8').trim() !== inputsHash(root)) {
    const rel = newest.path.slice(root.length).replace(/^\/+/, '');
    return {
      kind: 'sources',
      reason: `the sources changed after the compiled build in dist/ (newest: ${rel})`,
    };
  }
  return { kind: 'dist', url: pathToFileURL(main).href };
}
