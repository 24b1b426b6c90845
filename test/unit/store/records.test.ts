import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { after, before } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, RECORD_COLUMNS, type RecordTable, type Store } from '../../../src/store/index.ts';
import { availableDialects } from '../../support/databases.ts';
import { newId, rowFor, useStore } from './fixtures.ts';

/** A store on a SQLite file: records are written by the writer's own thread. */
function useFileStore(): () => Store {
  let dir = '';
  let store: Store | undefined;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ringd-records-'));
    store = await openStore({ url: `sqlite:${join(dir, 'ringd.db')}` });
  });
  after(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return () => store!;
}

const variants = [...(await availableDialects()), 'sqlite file (writer thread)'] as const;

for (const variant of variants) {
  const dialect = variant === 'postgres' ? 'postgres' : 'sqlite';
  describe(`store record writer: batched upserts of calls and groupcalls (${variant})`, () => {
    const store =
      variant === 'sqlite file (writer thread)' ? useFileStore() : useStore(dialect, { poolSize: 4 });

    it('names every column of both record tables, in table order', async () => {
      for (const table of ['calls', 'groupcalls'] as RecordTable[]) {
        const cols =
          dialect === 'sqlite'
            ? (await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(store().db))
                .rows
            : (
                await sql<{ name: string }>`select column_name as name from information_schema.columns
                  where table_name = ${table} order by ordinal_position`.execute(store().db)
              ).rows;
        assert.deepEqual(
          cols.map((c) => c.name),
          [...RECORD_COLUMNS[table]],
          table,
        );
      }
    });

    it('inserts new rows and replaces existing ones, in one call', async () => {
      const c = newId();
      const a = rowFor('calls', c);
      const b = rowFor('calls', c);
      await store().records.upsert('calls', [a, b]);
      assert.deepEqual(await store().repos.calls.get(c, a.id), a);
      const a2 = {
        ...a,
        status: 'hangup',
        hangup_by: 'remote',
        hangup_reason: 'normal',
        tm_hangup: a.tm_update,
      };
      const d = rowFor('calls', c);
      await store().records.upsert('calls', [a2, d]);
      assert.deepEqual(await store().repos.calls.get(c, a.id), a2);
      assert.deepEqual(await store().repos.calls.get(c, b.id), b);
      assert.deepEqual(await store().repos.calls.get(c, d.id), d);
      const g = rowFor('groupcalls', c);
      await store().records.upsert('groupcalls', [g]);
      await store().records.upsert('groupcalls', [{ ...g, call_count: 0, status: 'hangup' }]);
      assert.deepEqual(await store().repos.groupcalls.get(c, g.id), {
        ...g,
        call_count: 0,
        status: 'hangup',
      });
    });

    it('writes all rows or none: a row missing a column rejects the whole batch', async () => {
      const c = newId();
      const good = rowFor('calls', c);
      const bad = { ...rowFor('calls', c), status: undefined } as unknown as typeof good;
      await assert.rejects(store().records.upsert('calls', [good, bad]));
      assert.equal(await store().repos.calls.get(c, good.id), undefined);
    });

    it('a batch above what one PostgreSQL statement may bind (3 120 calls rows) is written whole, or not at all', async () => {
      const c = newId();
      const rows = Array.from({ length: 3_500 }, () => rowFor('calls', c));
      await store().records.upsert('calls', rows);
      const count = async (): Promise<number> =>
        Number(
          (
            await sql<{
              n: number | string;
            }>`select count(*) as n from calls where customer_id = ${c}`.execute(store().db)
          ).rows[0].n,
        );
      assert.equal(await count(), 3_500);
      assert.deepEqual(await store().repos.calls.get(c, rows[3_499].id), rows[3_499]);
      const updated = rows.map((r) => ({ ...r, status: 'hangup' }));
      const bad = { ...rowFor('calls', c), status: undefined } as unknown as (typeof rows)[number];
      await assert.rejects(store().records.upsert('calls', [...updated, bad]));
      assert.equal(await count(), 3_500);
      assert.equal((await store().repos.calls.get(c, rows[0].id))?.status, rows[0].status);
      assert.equal((await store().repos.calls.get(c, rows[3_499].id))?.status, rows[3_499].status);
    });

    it('never interleaves with a directory transaction', async () => {
      const c = newId();
      const user = rowFor('users', c);
      const call = rowFor('calls', c);
      const boom = new Error('rolled back');
      // The transaction is open (awaiting) while the upsert is issued; its rollback must not take the
      // upserted row with it.
      let write: Promise<void> | undefined;
      const txn = store().transaction(async (repos) => {
        await repos.users.insert(user);
        write = store().records.upsert('calls', [call]); // issued while the transaction is open
        await new Promise((r) => setTimeout(r, 20));
        throw boom;
      });
      await assert.rejects(txn, boom);
      await write;
      assert.equal(await store().repos.users.get(c, user.id), undefined);
      assert.deepEqual(await store().repos.calls.get(c, call.id), call);
    });
  });
}
