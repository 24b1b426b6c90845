import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Cursor, GroupcallRow, Store } from '../../../src/store/index.ts';
import { availableDialects } from '../../support/databases.ts';
import { clock, newId, rowFor, useStore } from './fixtures.ts';

/** Newest first: tm_create desc, id desc (byte order, as both databases compare them). */
function newestFirst<R extends { tm_create: string; id: string }>(rows: R[]): R[] {
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...rows].sort((a, b) => cmp(b.tm_create, a.tm_create) || cmp(b.id, a.id));
}

async function insertGroupcalls(store: Store, customerId: string, n: number, tm: () => string) {
  const rows: GroupcallRow[] = [];
  for (let i = 0; i < n; i++) {
    const at = tm();
    rows.push(rowFor('groupcalls', customerId, { tm_create: at, tm_update: at }));
  }
  // inserted in a shuffled order: the list order must come from the data, not from insertion
  for (const r of [...rows].sort(() => Math.random() - 0.5)) await store.repos.groupcalls.insert(r);
  return rows;
}

async function walk(store: Store, customerId: string, pageSize: number, between?: () => Promise<void>) {
  const pages: GroupcallRow[][] = [];
  let after: Cursor | undefined;
  do {
    const page = await store.repos.groupcalls.list(customerId, { pageSize, after });
    pages.push(page.rows);
    after = page.next;
    if (after) {
      const last = page.rows[page.rows.length - 1];
      assert.deepEqual(after, { tm_create: last.tm_create, id: last.id }, 'next = the last row of the page');
      await between?.();
    }
    assert.ok(pages.length < 1000, 'paging terminates');
  } while (after);
  return pages;
}

for (const dialect of await availableDialects()) {
  describe(`store list pagination (${dialect})`, () => {
    const store = useStore(dialect);

    it('pages newest first with the requested size; the last page has no cursor', async () => {
      const c = newId();
      const t = clock();
      const rows = await insertGroupcalls(store(), c, 25, t.next);
      const pages = await walk(store(), c, 10);
      assert.deepEqual(
        pages.map((p) => p.length),
        [10, 10, 5],
      );
      assert.deepEqual(
        pages.flat().map((r) => r.id),
        newestFirst(rows).map((r) => r.id),
      );
      assert.deepEqual(pages.flat(), newestFirst(rows), 'rows come back decoded and complete');
    });

    it('a full last page has no cursor (no empty page to fetch)', async () => {
      const c = newId();
      const t = clock();
      await insertGroupcalls(store(), c, 20, t.next);
      const first = await store().repos.groupcalls.list(c, { pageSize: 10 });
      assert.ok(first.next);
      const second = await store().repos.groupcalls.list(c, { pageSize: 10, after: first.next });
      assert.equal(second.rows.length, 10);
      assert.equal(second.next, undefined);
    });

    it('page sizes 1 and 100 work; 0, 101 and fractions are refused', async () => {
      const c = newId();
      const t = clock();
      const rows = await insertGroupcalls(store(), c, 7, t.next);
      const ones = await walk(store(), c, 1);
      assert.equal(ones.length, 7);
      assert.deepEqual(
        ones.flat().map((r) => r.id),
        newestFirst(rows).map((r) => r.id),
      );
      const big = await store().repos.groupcalls.list(c, { pageSize: 100 });
      assert.equal(big.rows.length, 7);
      assert.equal(big.next, undefined);
      for (const pageSize of [0, 101, 2.5, -1]) {
        await assert.rejects(store().repos.groupcalls.list(c, { pageSize }), RangeError);
      }
    });

    it('an empty list is one empty page', async () => {
      assert.deepEqual(await store().repos.groupcalls.list(newId(), { pageSize: 10 }), { rows: [] });
    });

    it('many rows sharing one tm_create page by id, without loss or repeat', async () => {
      const c = newId();
      const same = '2024-03-03 03:03:03.030303';
      const t = clock();
      const before = await insertGroupcalls(store(), c, 3, t.next);
      const tied = await insertGroupcalls(store(), c, 45, () => same);
      t.advance(1000 * 3600 * 24 * 365);
      const laterRows = await insertGroupcalls(store(), c, 4, t.next);
      for (const pageSize of [7, 10, 45, 1]) {
        const pages = await walk(store(), c, pageSize);
        const ids = pages.flat().map((r) => r.id);
        assert.equal(new Set(ids).size, ids.length, `no duplicates (page size ${pageSize})`);
        assert.deepEqual(
          ids,
          newestFirst([...before, ...tied, ...laterRows]).map((r) => r.id),
        );
      }
    });

    it('stays stable while rows are inserted between page fetches', async () => {
      const c = newId();
      const t = clock();
      const existing = await insertGroupcalls(store(), c, 33, t.next);
      let added = 0;
      const pages = await walk(store(), c, 5, async () => {
        // new calls arrive while the client pages: newer than everything listed so far
        t.advance(250);
        await insertGroupcalls(store(), c, 3, t.next);
        added += 3;
      });
      const ids = pages.flat().map((r) => r.id);
      assert.equal(new Set(ids).size, ids.length, 'no duplicates');
      assert.deepEqual(
        ids,
        newestFirst(existing).map((r) => r.id),
        'exactly the rows that existed at the first fetch',
      );
      assert.ok(added > 0);
      assert.equal(await store().repos.groupcalls.count(c), 33 + added);
    });

    it('stays stable while rows are soft-deleted between page fetches', async () => {
      const c = newId();
      const t = clock();
      const existing = newestFirst(await insertGroupcalls(store(), c, 20, t.next));
      const deleted = new Set<string>();
      let i = 0;
      const pages = await walk(store(), c, 4, async () => {
        // delete one row already listed and one not yet reached
        const seen = existing[i * 4];
        const ahead = existing[existing.length - 1 - i];
        i++;
        for (const r of [seen, ahead]) {
          await store().repos.groupcalls.update(c, r.id, { tm_delete: t.next() });
          deleted.add(r.id);
        }
      });
      const ids = pages.flat().map((r) => r.id);
      assert.equal(new Set(ids).size, ids.length, 'no duplicates');
      const listedAfterDelete = existing.filter((r) => !deleted.has(r.id) || ids.includes(r.id));
      assert.deepEqual(
        ids,
        listedAfterDelete.map((r) => r.id),
        'nothing skipped but the rows deleted ahead',
      );
    });

    it('soft-deleted rows never appear in a page', async () => {
      const c = newId();
      const t = clock();
      const rows = await insertGroupcalls(store(), c, 12, t.next);
      const gone = rows.filter((_, i) => i % 3 === 0);
      for (const r of gone) await store().repos.groupcalls.update(c, r.id, { tm_delete: t.next() });
      const ids = (await walk(store(), c, 5)).flat().map((r) => r.id);
      assert.deepEqual(
        ids,
        newestFirst(rows.filter((r) => !gone.includes(r))).map((r) => r.id),
      );
    });

    it('lists one tenant, or all tenants with null', async () => {
      const a = newId();
      const b = newId();
      const t = clock(Date.UTC(2031, 0, 1));
      const rowsA = await insertGroupcalls(store(), a, 3, t.next);
      const rowsB = await insertGroupcalls(store(), b, 3, t.next);
      assert.deepEqual(
        (await walk(store(), a, 2)).flat().map((r) => r.id),
        newestFirst(rowsA).map((r) => r.id),
      );
      const everyone = (await store().repos.groupcalls.list(null, { pageSize: 6 })).rows;
      assert.deepEqual(
        everyone.map((r) => r.id),
        newestFirst([...rowsA, ...rowsB]).map((r) => r.id),
        'the newest six rows of the table are these (2031)',
      );
    });

    it('customers list: the own row with a tenant scope, every customer with null', async () => {
      const ids = [newId(), newId(), newId()];
      for (const id of ids) await store().repos.customers.insert(rowFor('customers', id));
      const own = await store().repos.customers.list(ids[1], { pageSize: 10 });
      assert.deepEqual(
        own.rows.map((r) => r.id),
        [ids[1]],
      );
      const all = (await store().repos.customers.list(null, { pageSize: 100 })).rows.map((r) => r.id);
      for (const id of ids) assert.ok(all.includes(id));
    });
  });
}
