/**
 * The list query is answered from the `(customer_id, tm_delete, tm_create, id)` index on both databases,
 * for the first page and for a deep page: an index range scan in list order, never a sort of the tenant's
 * rows. (On 1 000 000 rows the wrong form of the keyset costs ~200–500 ms a page instead of ~1 ms.)
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { CompiledQuery, sql } from 'kysely';
import { bulkInsertGroupcalls, type Cursor } from '../../../src/store/index.ts';
import { listQuery } from '../../../src/store/repos/table-repo.ts';
import { availableDialects } from '../../support/databases.ts';
import { newId, useStore } from './fixtures.ts';

const ROWS = 20_000;

for (const dialect of await availableDialects()) {
  describe(`store list query plan (${dialect}, ${ROWS} groupcalls)`, () => {
    const store = useStore(dialect);
    const customer = newId();
    let deep: Cursor;

    before(async () => {
      await bulkInsertGroupcalls(store(), newId(), ROWS / 4); // another tenant: the index must matter
      await bulkInsertGroupcalls(store(), customer, ROWS);
      await sql`analyze`.execute(store().db);
      // a cursor 90 % down the list
      let page = await store().repos.groupcalls.list(customer, { pageSize: 100 });
      for (let i = 0; i < (ROWS * 0.9) / 100 && page.next; i++) {
        page = await store().repos.groupcalls.list(customer, { pageSize: 100, after: page.next });
      }
      assert.ok(page.next);
      deep = page.next;
    });

    async function plan(after?: Cursor): Promise<string> {
      const q = listQuery(store().db, 'groupcalls', customer, { pageSize: 100, after }).compile();
      const prefix = dialect === 'postgres' ? 'explain (costs off) ' : 'explain query plan ';
      const r = await store().db.executeQuery<Record<string, unknown>>(
        CompiledQuery.raw(prefix + q.sql, [...q.parameters]),
      );
      return r.rows.map((row) => String(row['QUERY PLAN'] ?? row.detail)).join('\n');
    }

    it('first page: a backward range scan of the list index, no sort', async () => {
      const p = await plan();
      if (dialect === 'sqlite') {
        assert.match(
          p,
          /SEARCH groupcalls USING INDEX groupcalls_list \(customer_id=\? AND tm_delete=\?\)/,
          p,
        );
      } else {
        assert.match(p, /Index Scan Backward using groupcalls_list on groupcalls/, p);
        assert.match(p, /Index Cond: \(\(customer_id = .*\) AND \(tm_delete = .*\)\)/, p);
      }
      assert.doesNotMatch(p, /TEMP B-TREE|Sort|Seq Scan|Filter/i, p);
    });

    it('deep page: the keyset is part of the index range, not a filter', async () => {
      const p = await plan(deep);
      if (dialect === 'sqlite') {
        assert.match(
          p,
          /SEARCH groupcalls USING INDEX groupcalls_list \(customer_id=\? AND tm_delete=\? AND \(tm_create,id\)<\(\?,\?\)\)/,
          p,
        );
      } else {
        assert.match(p, /Index Scan Backward using groupcalls_list on groupcalls/, p);
        assert.match(p, /Index Cond: .*ROW\(tm_create, id\) < ROW\(/, p);
      }
      assert.doesNotMatch(p, /TEMP B-TREE|Sort|Seq Scan|Filter|MULTI-INDEX/i, p);
    });

    it('the deep page holds the rows right after the cursor', async () => {
      const page = await store().repos.groupcalls.list(customer, { pageSize: 100, after: deep });
      assert.equal(page.rows.length, 100);
      assert.ok(page.rows.every((r) => r.tm_create < deep.tm_create));
    });
  });
}
