import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StoreConflictError, type Store } from '../../../src/store/index.ts';
import { availableDialects } from '../../support/databases.ts';
import { newId, rowFor, useStore } from './fixtures.ts';

/** Asserts that `p` rejects with a StoreConflictError of that constraint/value (and holder). */
async function conflict(p: Promise<unknown>, constraint: string, value: string, holderId?: string) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof StoreConflictError, `expected StoreConflictError, got ${String(e)}`);
    assert.equal(e.constraint, constraint);
    assert.equal(e.value, value);
    assert.equal(e.holderId, holderId);
    return true;
  });
}

async function keysOf(store: Store, customerId: string, callflowId: string) {
  const rows = await store.db
    .selectFrom('callflow_keys')
    .select(['kind', 'value'])
    .where('customer_id', '=', customerId)
    .where('callflow_id', '=', callflowId)
    .orderBy('kind')
    .orderBy('value')
    .execute();
  return rows.map((r) => `${r.kind}:${r.value}`);
}

for (const dialect of await availableDialects()) {
  describe(`store unique constraints (${dialect})`, () => {
    const store = useStore(dialect);

    it('customers.domain is unique: customer_domain with the domain', async () => {
      const a = rowFor('customers', newId());
      await store().repos.customers.insert(a);
      const b = rowFor('customers', newId(), { domain: a.domain });
      await conflict(store().repos.customers.insert(b), 'customer_domain', a.domain);
      assert.equal(await store().repos.customers.get(null, b.id), undefined);
    });

    it('changing a domain to a taken one is refused the same way', async () => {
      const a = rowFor('customers', newId());
      const b = rowFor('customers', newId());
      await store().repos.customers.insert(a);
      await store().repos.customers.insert(b);
      await conflict(
        store().repos.customers.update(b.id, b.id, { domain: a.domain }),
        'customer_domain',
        a.domain,
      );
      assert.equal((await store().repos.customers.get(b.id, b.id))?.domain, b.domain);
    });

    it('devices.sip_username is unique per tenant only', async () => {
      const c1 = newId();
      const c2 = newId();
      const d = rowFor('devices', c1, { sip_username: 'alice' });
      await store().repos.devices.insert(d);
      await conflict(
        store().repos.devices.insert(rowFor('devices', c1, { sip_username: 'alice' })),
        'device_sip_username',
        'alice',
      );
      await store().repos.devices.insert(rowFor('devices', c2, { sip_username: 'alice' }));
      assert.equal(await store().repos.devices.count(c2), 1);
      const other = rowFor('devices', c1, { sip_username: 'bob' });
      await store().repos.devices.insert(other);
      await conflict(
        store().repos.devices.update(c1, other.id, { sip_username: 'alice' }),
        'device_sip_username',
        'alice',
      );
    });

    it('access_keys.key_prefix is unique across tenants: access_key_prefix', async () => {
      const k = rowFor('access_keys', newId(), { key_prefix: 'abcdef0123' });
      await store().repos.access_keys.insert(k);
      await conflict(
        store().repos.access_keys.insert(rowFor('access_keys', newId(), { key_prefix: 'abcdef0123' })),
        'access_key_prefix',
        'abcdef0123',
      );
    });

    it('a duplicate id is primary_key with the id, on every table', async () => {
      const customerId = newId();
      const user = rowFor('users', customerId);
      await store().repos.users.insert(user);
      await conflict(
        store().repos.users.insert(rowFor('users', customerId, { id: user.id })),
        'primary_key',
        user.id,
      );
      const gc = rowFor('groupcalls', customerId);
      await store().repos.groupcalls.insert(gc);
      await conflict(store().repos.groupcalls.insert({ ...gc }), 'primary_key', gc.id);
      const c = rowFor('customers', newId());
      await store().repos.customers.insert(c);
      await conflict(store().repos.customers.insert({ ...c, domain: `x.${c.domain}` }), 'primary_key', c.id);
    });

    it('a failing insert that is not a unique violation is passed through unchanged', async () => {
      const row = rowFor('users', newId());
      await assert.rejects(
        store().repos.users.insert({ ...row, name: undefined as unknown as string }),
        (e: unknown) => !(e instanceof StoreConflictError),
      );
    });

    describe('callflow keys', () => {
      it('replace stores the numbers and patterns of a callflow', async () => {
        const c = newId();
        const f = newId();
        await store().repos.callflowKeys.replace(c, f, ['100', '101'], ['^2\\d\\d$']);
        assert.deepEqual(await keysOf(store(), c, f), ['number:100', 'number:101', 'pattern:^2\\d\\d$']);
        await store().repos.callflowKeys.replace(c, f, ['101', '102'], []);
        assert.deepEqual(await keysOf(store(), c, f), ['number:101', 'number:102'], 'old keys replaced');
      });

      it('a number held by another callflow is refused with the value and the holder', async () => {
        const c = newId();
        const holder = newId();
        const f = newId();
        await store().repos.callflowKeys.replace(c, holder, ['100', '101'], ['^2\\d\\d$']);
        await store().repos.callflowKeys.replace(c, f, ['500'], []);
        await conflict(
          store().repos.callflowKeys.replace(c, f, ['102', '101'], []),
          'callflow_number',
          '101',
          holder,
        );
        assert.deepEqual(await keysOf(store(), c, f), ['number:500'], 'the failed replace changed nothing');
        assert.deepEqual(await keysOf(store(), c, holder), ['number:100', 'number:101', 'pattern:^2\\d\\d$']);
      });

      it('a pattern held by another callflow is callflow_pattern', async () => {
        const c = newId();
        const holder = newId();
        await store().repos.callflowKeys.replace(c, holder, [], ['^2\\d\\d$']);
        await conflict(
          store().repos.callflowKeys.replace(c, newId(), ['777'], ['^3$', '^2\\d\\d$']),
          'callflow_pattern',
          '^2\\d\\d$',
          holder,
        );
      });

      it('a number and an equal pattern do not clash; other tenants do not clash', async () => {
        const c = newId();
        await store().repos.callflowKeys.replace(c, newId(), ['100'], []);
        await store().repos.callflowKeys.replace(c, newId(), [], ['100']);
        const other = newId();
        const f = newId();
        await store().repos.callflowKeys.replace(other, f, ['100'], []);
        assert.deepEqual(await keysOf(store(), other, f), ['number:100']);
      });

      it('a callflow may keep its own keys; duplicates in the input count once', async () => {
        const c = newId();
        const f = newId();
        await store().repos.callflowKeys.replace(c, f, ['100'], []);
        await store().repos.callflowKeys.replace(c, f, ['100', '100', '200'], ['^1$', '^1$']);
        assert.deepEqual(await keysOf(store(), c, f), ['number:100', 'number:200', 'pattern:^1$']);
      });

      it('removeFor frees the keys for another callflow', async () => {
        const c = newId();
        const f = newId();
        const g = newId();
        await store().repos.callflowKeys.replace(c, f, ['100'], ['^9$']);
        await store().repos.callflowKeys.removeFor(c, f);
        assert.deepEqual(await keysOf(store(), c, f), []);
        await store().repos.callflowKeys.replace(c, g, ['100'], ['^9$']);
        assert.deepEqual(await keysOf(store(), c, g), ['number:100', 'pattern:^9$']);
      });

      it('many keys at once (more than one insert statement)', async () => {
        const c = newId();
        const f = newId();
        const numbers = Array.from({ length: 1200 }, (_, i) => `${10000 + i}`);
        await store().repos.callflowKeys.replace(c, f, numbers, []);
        assert.equal((await keysOf(store(), c, f)).length, 1200);
        const g = newId();
        await store().repos.callflowKeys.replace(c, g, ['1'], []);
        await conflict(
          store().repos.callflowKeys.replace(c, g, ['2', ...numbers.slice(1100)], []),
          'callflow_number',
          '11100',
          f,
        );
        assert.deepEqual(await keysOf(store(), c, g), ['number:1']);
      });
    });

    describe('accessKeyByPrefix', () => {
      it('finds a live key of any tenant by its prefix, not a soft-deleted one', async () => {
        const c = newId();
        const k = rowFor('access_keys', c, { key_prefix: '0123456789' });
        await store().repos.access_keys.insert(k);
        assert.deepEqual(await store().repos.accessKeyByPrefix('0123456789'), k);
        assert.equal(await store().repos.accessKeyByPrefix('9999999999'), undefined);
        await store().repos.access_keys.update(c, k.id, { tm_delete: '2024-01-01 00:00:00.000000' });
        assert.equal(await store().repos.accessKeyByPrefix('0123456789'), undefined);
      });
    });
  });
}
