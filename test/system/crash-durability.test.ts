/**
 * "Nothing accepted by the API is lost on a crash after the response was sent" (issue 3): a burst of
 * concurrent creates against the real process, kill -9 right after the last response, restart, count.
 * Runs on SQLite (the embedded default, WAL + synchronous=NORMAL) and PostgreSQL.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { availableDialects, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { startRingdProcess, type RingdProcess } from '../support/ringd-process.ts';

const BURST = 300;

async function call(base: string, key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

for (const dialect of await availableDialects()) {
  describe(`crash durability (${dialect})`, { timeout: 120_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringd-crash-'));
    let db: TestDatabase | undefined;
    const running: RingdProcess[] = [];
    after(async () => {
      for (const p of running) await p.kill().catch(() => {});
      await db?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it(`keeps all ${BURST} users created in a concurrent burst when killed with SIGKILL right after`, async () => {
      db = await createTestDatabase(dialect);
      const env = {
        RINGD_DATA_DIR: dir,
        RINGD_DATABASE_URL: dialect === 'postgres' ? db.url : '',
      };
      const first = await startRingdProcess(env);
      running.push(first);
      assert.ok(first.adminKey, `the first start prints the admin key:\n${first.output()}`);
      const customer = await call(first.http, first.adminKey, 'POST', '/v1.0/customers', {
        name: 'Crash Co',
        domain: 'crash.example.com',
      });
      assert.equal(customer.status, 200, JSON.stringify(customer.body));
      const key = await call(first.http, first.adminKey, 'POST', '/v1.0/accesskeys', {
        customer_id: customer.body.id,
      });
      assert.equal(key.status, 200, JSON.stringify(key.body));
      const secret = key.body.key as string;

      const created = await Promise.all(
        Array.from({ length: BURST }, (_, i) =>
          call(first.http, secret, 'POST', '/v1.0/users', { name: `user ${i}`, call_groups: ['crash'] }),
        ),
      );
      await first.kill(); // SIGKILL at once: no shutdown hook runs
      const accepted = created.filter((r) => r.status === 200).map((r) => r.body.id as string);
      assert.equal(accepted.length, BURST, 'every create was accepted');

      const second = await startRingdProcess(env);
      running.push(second);
      assert.equal(second.adminKey, undefined, 'the restart finds the existing admin key');
      const seen = new Set<string>();
      let token = '';
      for (let page = 0; page < 10; page++) {
        const r = await call(second.http, secret, 'GET', `/v1.0/users?page_size=100&page_token=${token}`);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        for (const u of r.body.result as Array<{ id: string }>) seen.add(u.id);
        token = encodeURIComponent(r.body.next_page_token as string);
        if (!token) break;
      }
      assert.equal(seen.size, BURST);
      for (const id of accepted) assert.ok(seen.has(id), `user ${id} survived the crash`);
      assert.equal(await second.stop(), 0, 'a SIGTERM stops ringd cleanly with status 0');
    });
  });
}
