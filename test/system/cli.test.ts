/** The `ringd` command line against a real database in a temporary directory. */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runRingd, startRingdProcess } from '../support/ringd-process.ts';

describe('ringd CLI', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringd-cli-'));
  const env = { RINGD_DATA_DIR: dir, RINGD_DATABASE_URL: '' };
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('migrate on an empty data directory applies the migrations, then reports up to date', async () => {
    const first = await runRingd(['migrate'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /applied \S+/);
    const again = await runRingd(['migrate'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /up to date/);
  });

  it('init --demo prints the admin key, the demo API key and the phones, which then work over the API', async () => {
    const r = await runRingd(['init', '--demo', '--domain', 'demo.example.com'], env);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const admin = /platform admin key[^\n]*\n\s*(rk_\S+)/.exec(r.stdout)?.[1];
    const apiKey = /API key \(shown once\): (rk_\S+)/.exec(r.stdout)?.[1];
    assert.ok(admin, r.stdout);
    assert.ok(apiKey, r.stdout);
    const phones = [...r.stdout.matchAll(/^\s+(Alice|Bob|Carol)\s+(\d+)\s+(\S+)\s+(\S+)$/gm)];
    assert.deepEqual(
      phones.map((m) => [m[1], m[2], m[3]]),
      [
        ['Alice', '101', '101'],
        ['Bob', '102', '102'],
        ['Carol', '103', '103'],
      ],
    );
    for (const m of phones) assert.match(m[4], /^[A-Za-z0-9]{12}$/);

    const again = await runRingd(['init'], env);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /already initialized/);
    assert.doesNotMatch(again.stdout, /rk_[0-9a-f]+_/, 'no second admin key is printed');

    const node = await startRingdProcess(env);
    try {
      assert.equal(node.adminKey, undefined);
      const get = async (path: string, key: string) => {
        const res = await fetch(`${node.http}${path}`, { headers: { authorization: `Bearer ${key}` } });
        return { status: res.status, body: (await res.json()) as { result: Array<Record<string, unknown>> } };
      };
      const devices = await get('/v1.0/devices', apiKey);
      assert.equal(devices.status, 200);
      assert.deepEqual(devices.body.result.map((d) => d.sip_username).sort(), ['101', '102', '103']);
      const flows = await get('/v1.0/callflows', apiKey);
      const numbers = flows.body.result.flatMap((f) => f.numbers as string[]).sort();
      assert.deepEqual(numbers, ['101', '102', '103', '600', '8000']);
      const patterns = flows.body.result.flatMap((f) => f.patterns as string[]);
      assert.equal(patterns.length, 3, 'the three default pickup feature codes');
      const customers = await get('/v1.0/customers', admin);
      assert.equal(customers.status, 200);
      assert.deepEqual(
        customers.body.result.map((c) => c.domain),
        ['demo.example.com'],
      );
      const health = await fetch(`${node.http}/readyz`);
      assert.equal(health.status, 200);
    } finally {
      assert.equal(await node.stop(), 0);
    }
  });

  it('refuses a bad configuration naming the key, with exit status 2', async () => {
    const r = await runRingd(['start'], { ...env, RINGD_HTTP_PORT: 'http' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /RINGD_HTTP_PORT/);
    const cfg = join(dir, 'bad.yaml');
    writeFileSync(cfg, 'sip:\n  hots: 127.0.0.1\n');
    const f = await runRingd(['start', '--config', cfg], env);
    assert.equal(f.code, 2);
    assert.match(f.stderr, /sip\.hots: unknown key/);
  });

  it('nice: start sets its scheduling priority, or warns and runs on when not permitted', async () => {
    const node = await startRingdProcess({ ...env, RINGD_NICE: '-5', RINGD_LOG_LEVEL: 'info' });
    try {
      const pid = node.child.pid!;
      if (process.getuid?.() === 0) {
        assert.equal(getPriority(pid), -5);
        assert.match(node.output(), /"nice":-5,"msg":"scheduling priority set"/);
      } else {
        assert.equal(getPriority(pid), getPriority(), 'left as it was');
        assert.match(node.output(), /could not set the scheduling priority/);
      }
      const health = await fetch(`${node.http}/healthz`);
      assert.equal(health.status, 200, 'ringd runs either way');
    } finally {
      assert.equal(await node.stop(), 0);
    }
    const bad = await runRingd(['start'], { ...env, RINGD_NICE: '-21' });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /RINGD_NICE.*-20–19/);
  });

  it('refuses a second tenant on a taken domain with a clear message', async () => {
    const r = await runRingd(['init', '--demo', '--domain', 'demo.example.com'], env);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr + r.stdout, /demo\.example\.com/);
  });
});
