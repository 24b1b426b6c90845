/**
 * The compiled build, as `npm install` (prepare → scripts/build.mjs) leaves it: built in a copy of this
 * package, `ringd start` runs it and answers REST and SIP; after a source changes, or when a build fails,
 * `ringd` says so and runs the TypeScript sources instead.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { appendFileSync, cpSync, existsSync, mkdtempSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runRingd, startRingdProcess } from '../support/ringd-process.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const COPIED = ['src', 'bin', 'scripts', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];

function build(root: string): { code: number | null; output: string } {
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, output: r.stdout + r.stderr };
}

/** One OPTIONS over UDP to 127.0.0.1:`port`; resolves with the status line of the answer. */
function options(port: number): Promise<string> {
  const sock = createSocket('udp4');
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer to OPTIONS in 5 s')), 5_000);
    sock.on('message', (m) => {
      clearTimeout(timer);
      resolve(m.toString('latin1').split('\r\n')[0]);
    });
    sock.bind(0, '127.0.0.1', () => {
      const local = sock.address().port;
      const msg =
        `OPTIONS sip:127.0.0.1:${port} SIP/2.0\r\n` +
        `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK-build-1;rport\r\n` +
        `Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=b1\r\nTo: <sip:127.0.0.1:${port}>\r\n` +
        `Call-ID: build-test-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;
      sock.send(msg, port, '127.0.0.1');
    });
  }).finally(() => sock.close());
}

describe('the compiled build', { timeout: 180_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'ringd-build-'));
  const data = mkdtempSync(join(tmpdir(), 'ringd-build-data-'));
  for (const f of COPIED) cpSync(join(ROOT, f), join(root, f), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
  after(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  });
  const env = { RINGD_DATA_DIR: data, RINGD_DATABASE_URL: '' };

  it('is what `ringd start` runs once built, and it answers REST and SIP', async () => {
    const b = build(root);
    assert.equal(b.code, 0, b.output);
    assert.ok(existsSync(join(root, 'dist/cli/main.js')));
    const ringd = await startRingdProcess(env, 30_000, root);
    try {
      assert.match(ringd.output(), /ringd \S+ \(compiled build\): REST API on/);
      assert.doesNotMatch(ringd.output(), /running the TypeScript sources/);
      const health = await fetch(`${ringd.http}/healthz`);
      assert.equal(health.status, 200);
      assert.equal(await options(ringd.sipPort), 'SIP/2.0 200 OK');
    } finally {
      await ringd.stop();
    }
  });

  it('a source touched but unchanged keeps the compiled build; one changed runs the sources, saying which', async () => {
    const demo = join(root, 'src/cli/demo.ts');
    const later = new Date(Date.now() + 5_000);
    utimesSync(demo, later, later); // as `git checkout` or unpacking a tarball leaves it
    const same = await runRingd(['version'], env, 30_000, root);
    assert.equal(same.code, 0, same.stderr);
    assert.equal(same.stderr, '');
    appendFileSync(demo, '\n');
    const r = await runRingd(['version'], env, 30_000, root);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /^ringd: the sources changed after the compiled build in dist\/ \(newest: src\/cli\/demo\.ts\); running the TypeScript sources/,
    );
    assert.match(r.stdout, /^\d+\.\d+\.\d+/);
  });

  it('a build that fails exits non-zero and leaves ringd on the sources', async () => {
    appendFileSync(join(root, 'src/cli/demo.ts'), '\nexport const broken: number = "not a number";\n');
    const b = build(root);
    assert.notEqual(b.code, 0);
    assert.match(b.output, /ringd build failed/);
    const r = await runRingd(['version'], env, 30_000, root);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^ringd: no compiled build in dist\/; running the TypeScript sources/);
  });
});
