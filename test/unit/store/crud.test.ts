import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NOT_YET } from '../../../src/store/index.ts';
import type { ResourceTable, RowTypes, TableRepo } from '../../../src/store/index.ts';
import { availableDialects } from '../../support/databases.ts';
import { PATCHES, TABLES, newId, rowFor, useStore } from './fixtures.ts';

for (const dialect of await availableDialects()) {
  describe(`store CRUD on every table (${dialect})`, () => {
    const store = useStore(dialect);

    for (const table of TABLES) {
      describe(table, () => {
        type AnyRow = RowTypes[ResourceTable];
        const repo = () => store().repos[table] as unknown as TableRepo<AnyRow>;

        it('insert then get returns the same row (JSON, booleans, unicode round trip)', async () => {
          const customerId = newId();
          const row = rowFor(table, customerId);
          await repo().insert(row);
          assert.deepEqual(await repo().get(customerId, row.id), row);
          assert.deepEqual(await repo().get(null, row.id), row, 'null scope sees every tenant');
        });

        it('another tenant does not see, update or delete the row', async () => {
          const customerId = newId();
          const row = rowFor(table, customerId);
          await repo().insert(row);
          const other = newId();
          assert.equal(await repo().get(other, row.id), undefined);
          assert.equal(await repo().update(other, row.id, PATCHES[table]), undefined);
          assert.equal(await repo().delete(other, row.id), false);
          assert.deepEqual(await repo().all(other), []);
          assert.equal(await repo().count(other), 0);
          assert.deepEqual((await repo().list(other, { pageSize: 10 })).rows, []);
          assert.deepEqual(await repo().get(customerId, row.id), row, 'the row is untouched');
        });

        it('update sets the given fields and returns the stored row', async () => {
          const customerId = newId();
          const row = rowFor(table, customerId);
          await repo().insert(row);
          const updated = await repo().update(customerId, row.id, PATCHES[table]);
          const expected = { ...row, ...PATCHES[table] };
          assert.deepEqual(updated, expected);
          assert.deepEqual(await repo().get(customerId, row.id), expected);
        });

        it('update never moves a row to another id or tenant', async () => {
          const customerId = newId();
          const row = rowFor(table, customerId);
          await repo().insert(row);
          const updated = await repo().update(customerId, row.id, {
            id: newId(),
            customer_id: newId(),
            tm_update: '2030-01-01 00:00:00.000000',
          });
          assert.equal(updated?.id, row.id);
          assert.equal(
            (updated as { customer_id?: string }).customer_id,
            (row as { customer_id?: string }).customer_id,
          );
          assert.equal(updated?.tm_update, '2030-01-01 00:00:00.000000');
        });

        it('update and delete of a missing id report nothing done', async () => {
          const customerId = newId();
          assert.equal(await repo().update(customerId, newId(), PATCHES[table]), undefined);
          assert.equal(await repo().delete(customerId, newId()), false);
        });

        it('delete removes the row for real', async () => {
          const customerId = newId();
          const row = rowFor(table, customerId);
          await repo().insert(row);
          assert.equal(await repo().delete(customerId, row.id), true);
          assert.equal(await repo().get(customerId, row.id, { includeDeleted: true }), undefined);
          assert.equal(await repo().delete(customerId, row.id), false);
        });

        it('soft-deleted rows are hidden from get/list/all/count unless includeDeleted', async () => {
          const customerId = newId();
          const live = rowFor(table, customerId);
          await repo().insert(live);
          if (table === 'customers') {
            // one customer row per tenant id: soft-delete it and check it disappears
            const tm = '2024-05-05 05:05:05.000005';
            const r = await repo().update(customerId, live.id, { tm_delete: tm });
            assert.equal(r?.tm_delete, tm);
            assert.equal(await repo().get(customerId, live.id), undefined);
            assert.deepEqual(await repo().get(customerId, live.id, { includeDeleted: true }), {
              ...live,
              tm_delete: tm,
            });
            assert.equal(await repo().count(customerId), 0);
            assert.deepEqual(await repo().all(customerId), []);
            assert.deepEqual((await repo().list(customerId, { pageSize: 5 })).rows, []);
            return;
          }
          const gone = rowFor(table, customerId);
          await repo().insert(gone);
          const tm = '2024-05-05 05:05:05.000005';
          await repo().update(customerId, gone.id, { tm_delete: tm });
          assert.equal(await repo().get(customerId, gone.id), undefined);
          assert.deepEqual(await repo().get(customerId, gone.id, { includeDeleted: true }), {
            ...gone,
            tm_delete: tm,
          });
          assert.deepEqual(await repo().all(customerId), [live]);
          assert.equal(await repo().count(customerId), 1);
          assert.deepEqual((await repo().list(customerId, { pageSize: 5 })).rows, [live]);
        });

        it('all and count cover one tenant, or every tenant with null', async () => {
          const a = newId();
          const b = newId();
          const rowsA = table === 'customers' ? [rowFor(table, a)] : [rowFor(table, a), rowFor(table, a)];
          const rowB = rowFor(table, b);
          for (const r of [...rowsA, rowB]) await repo().insert(r);
          assert.deepEqual(await repo().all(a), rowsA, 'creation order');
          assert.equal(await repo().count(a), rowsA.length);
          const everyone = await repo().all(null);
          const ids = new Set(everyone.map((r) => r.id));
          for (const r of [...rowsA, rowB]) assert.ok(ids.has(r.id));
          assert.equal(await repo().count(null), everyone.length);
        });
      });
    }

    it('NOT_YET is the live marker: a row inserted with tm_delete set is hidden at once', async () => {
      const customerId = newId();
      const row = rowFor('groupcalls', customerId, { tm_delete: '2024-01-01 00:00:00.000000' });
      await store().repos.groupcalls.insert(row);
      assert.equal(await store().repos.groupcalls.get(customerId, row.id), undefined);
      assert.notEqual(row.tm_delete, NOT_YET);
    });
  });
}
