import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StoreConflictError, type Store } from '../../../src/store/index.ts';
import { availableDialects } from '../../support/databases.ts';
import { TABLES, newId, rowFor, useStore } from './fixtures.ts';

async function keyCount(store: Store, customerId: string): Promise<number> {
  const r = await store.db
    .selectFrom('callflow_keys')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('customer_id', '=', customerId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

for (const dialect of await availableDialects()) {
  describe(`store transactions and purge (${dialect})`, () => {
    const store = useStore(dialect, { poolSize: 4 });

    it('commits every write of fn and returns its value', async () => {
      const c = newId();
      const user = rowFor('users', c);
      const device = rowFor('devices', c, { owner_id: user.id });
      const out = await store().transaction(async (repos) => {
        await repos.users.insert(user);
        await repos.devices.insert(device);
        return 'done';
      });
      assert.equal(out, 'done');
      assert.deepEqual(await store().repos.users.get(c, user.id), user);
      assert.deepEqual(await store().repos.devices.get(c, device.id), device);
    });

    it('a throw rolls back every write and reaches the caller', async () => {
      const c = newId();
      const user = rowFor('users', c);
      const boom = new Error('boom');
      await assert.rejects(
        store().transaction(async (repos) => {
          await repos.users.insert(user);
          await repos.callflowKeys.replace(c, newId(), ['100'], []);
          assert.ok(await repos.users.get(c, user.id), 'visible inside the transaction');
          throw boom;
        }),
        (e) => e === boom,
      );
      assert.equal(await store().repos.users.get(c, user.id, { includeDeleted: true }), undefined);
      assert.equal(await keyCount(store(), c), 0);
    });

    it('a conflict inside the transaction rolls back the earlier writes', async () => {
      const c = newId();
      await store().repos.callflowKeys.replace(c, newId(), ['100'], []);
      const flow = rowFor('callflows', c, { numbers: ['100'] });
      await assert.rejects(
        store().transaction(async (repos) => {
          await repos.callflows.insert(flow);
          await repos.callflowKeys.replace(c, flow.id, flow.numbers, flow.patterns);
        }),
        StoreConflictError,
      );
      assert.equal(await store().repos.callflows.get(c, flow.id), undefined);
      assert.equal(await keyCount(store(), c), 1);
    });

    it('two callflows claiming the same numbers at once: one wins, the other learns the holder', async () => {
      // Opposite orders and more than one insert statement each: without a fixed lock order, PostgreSQL
      // would see a deadlock here instead of a clean conflict.
      const c = newId();
      const f1 = newId();
      const f2 = newId();
      const numbers = Array.from({ length: 1500 }, (_, i) => `${5000 + i}`);
      const reversed = [...numbers].reverse();
      const results = await Promise.allSettled([
        store().transaction((repos) => repos.callflowKeys.replace(c, f1, numbers, [])),
        store().transaction((repos) => repos.callflowKeys.replace(c, f2, reversed, [])),
      ]);
      const won = results.findIndex((r) => r.status === 'fulfilled');
      const lost = results.findIndex((r) => r.status === 'rejected');
      assert.ok(
        won >= 0 && lost >= 0,
        `exactly one wins: ${results.map((r) => (r.status === 'rejected' ? String(r.reason) : r.status)).join(', ')}`,
      );
      const reason = (results[lost] as PromiseRejectedResult).reason as StoreConflictError;
      assert.ok(reason instanceof StoreConflictError, String(reason));
      assert.equal(
        reason.value,
        lost === 0 ? numbers[0] : reversed[0],
        'the first clash in the loser’s order',
      );
      assert.equal(reason.holderId, [f1, f2][won]);
      assert.equal(await keyCount(store(), c), 1500, 'only the winner’s keys are stored');
    });

    it('purgeCustomer removes every row of that customer and nothing else', async () => {
      const doomed = newId();
      const kept = newId();
      for (const c of [doomed, kept]) {
        for (const table of TABLES) {
          await (store().repos[table] as { insert(r: unknown): Promise<void> }).insert(rowFor(table, c));
        }
        await store().repos.callflowKeys.replace(c, newId(), ['1'], ['^2$']);
      }
      await store().repos.purgeCustomer(doomed);
      for (const table of TABLES) {
        assert.equal(await store().repos[table].count(doomed), 0, `${table} of the purged customer`);
        assert.equal(await store().repos[table].count(kept), 1, `${table} of the other customer`);
      }
      assert.equal(await keyCount(store(), doomed), 0);
      assert.equal(await keyCount(store(), kept), 2);
    });

    it('purgeCustomer also removes soft-deleted rows', async () => {
      const c = newId();
      const gc = rowFor('groupcalls', c, { tm_delete: '2024-01-01 00:00:00.000000' });
      await store().repos.groupcalls.insert(gc);
      await store().repos.purgeCustomer(c);
      assert.equal(await store().repos.groupcalls.get(c, gc.id, { includeDeleted: true }), undefined);
    });

    it('purgeCustomer inside a transaction that fails leaves everything', async () => {
      const c = newId();
      const user = rowFor('users', c);
      await store().repos.users.insert(user);
      await assert.rejects(
        store().transaction(async (repos) => {
          await repos.purgeCustomer(c);
          throw new Error('changed my mind');
        }),
      );
      assert.deepEqual(await store().repos.users.get(c, user.id), user);
    });
  });
}
