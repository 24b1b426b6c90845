/** Which build the `ringd` command runs (bin/entry.mjs): dist/ when it is up to date with src/, else the sources. */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { chooseEntry, inputsHash, STAMP } from '../../../bin/entry.mjs';

const T0 = new Date('2026-12-01T10:00:00Z');
const later = (s: number) => new Date(T0.getTime() + s * 1000);

/**
 * A package tree with its files at time T0; `built`: dist/ and the stamp (the inputs' hash, as
 * scripts/build.mjs writes it) at `built` seconds after T0.
 */
function tree(built?: number): string {
  const root = mkdtempSync(join(tmpdir(), 'ringd-entry-'));
  const files = ['src/cli/main.ts', 'src/sip/message/parser.ts', 'tsconfig.json', 'tsconfig.build.json'];
  for (const f of files) write(root, f, `// ${f}\n`, T0);
  if (built !== undefined) {
    write(root, 'dist/cli/main.js', '', later(built));
    write(root, STAMP, inputsHash(root) + '\n', later(built));
  }
  return root;
}

function write(root: string, file: string, text: string, t: Date): void {
  const p = join(root, file);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
  utimesSync(p, t, t);
}

function touch(root: string, file: string, t: Date): void {
  utimesSync(join(root, file), t, t);
}

describe('chooseEntry', () => {
  const roots: string[] = [];
  const make = (built?: number) => {
    const r = tree(built);
    roots.push(r);
    return r;
  };
  after(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

  it('runs dist/ when its stamp is newer than every source', () => {
    const root = make(60);
    assert.deepEqual(chooseEntry(root, {}), {
      kind: 'dist',
      url: pathToFileURL(join(root, 'dist/cli/main.js')).href,
    });
  });

  it('runs the sources when there is no build, or no stamp (a build that failed)', () => {
    assert.deepEqual(chooseEntry(make(), {}), { kind: 'sources', reason: 'no compiled build in dist/' });
    const root = make(60);
    rmSync(join(root, STAMP));
    assert.deepEqual(chooseEntry(root, {}), { kind: 'sources', reason: 'no compiled build in dist/' });
  });

  it('keeps dist/ when an input only looks newer (checkout, unpacked tarball) but is unchanged', () => {
    const root = make(60);
    touch(root, 'src/sip/message/parser.ts', later(120));
    touch(root, 'tsconfig.json', later(121));
    assert.equal(chooseEntry(root, {}).kind, 'dist');
  });

  it('runs the sources, naming the newest file, when a source or tsconfig changed after the build', () => {
    const root = make(60);
    write(root, 'src/sip/message/parser.ts', '// edited\n', later(120));
    assert.deepEqual(chooseEntry(root, {}), {
      kind: 'sources',
      reason: 'the sources changed after the compiled build in dist/ (newest: src/sip/message/parser.ts)',
    });
    const other = make(60);
    write(other, 'tsconfig.build.json', '{}', later(61));
    assert.match(
      (chooseEntry(other, {}) as { reason: string }).reason,
      /changed after the compiled build in dist\/ \(newest: tsconfig\.build\.json\)$/,
    );
    const added = make(60);
    write(added, 'src/cli/new-module.ts', '', later(61));
    assert.equal(chooseEntry(added, {}).kind, 'sources', 'a new source file');
  });

  it('runs the sources, silently, when RINGD_FROM_SOURCES=1', () => {
    assert.deepEqual(chooseEntry(make(60), { RINGD_FROM_SOURCES: '1' }), { kind: 'sources', reason: '' });
  });
});
