/**
 * All repositories over one `Kysely` (the store's) or one `Transaction` (inside `store.transaction`).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import type { ResourceTable } from '../rows.ts';
import type { Repos } from '../types.ts';
import { NOT_YET } from '../timestamp.ts';
import { CODECS, decode } from './codecs.ts';
import { callflowKeysRepo } from './callflow-keys.ts';
import { registrationsRepo } from './registrations.ts';
import { tableRepo } from './table-repo.ts';
import { atomically } from './transaction.ts';

/** Tables holding a `customer_id` column, purged with their customer. */
const TENANT_TABLES = [
  'access_keys',
  'users',
  'devices',
  'groups',
  'callflows',
  'callflow_keys',
  'agents',
  'queues',
  'trunks',
  'groupcalls',
  'calls',
] as const satisfies ReadonlyArray<keyof Database>;

/**
 * The repositories bound to `db`.
 * - `accessKeyByPrefix` finds live keys only (a soft-deleted key never authenticates).
 * - `purgeCustomer` deletes, in one transaction (or the caller's), every row whose `customer_id` is the
 *   customer, then the customer row.
 */
export function reposFor(db: Kysely<Database>): Repos {
  const tables = Object.fromEntries(
    (Object.keys(CODECS) as ResourceTable[]).map((t) => [t, tableRepo(db, t)]),
  ) as { [T in ResourceTable]: ReturnType<typeof tableRepo<T>> };
  return {
    ...tables,
    callflowKeys: callflowKeysRepo(db),
    registrations: registrationsRepo(db),

    async accessKeyByPrefix(prefix) {
      const r = await db
        .selectFrom('access_keys')
        .selectAll()
        .where('key_prefix', '=', prefix)
        .where('tm_delete', '=', NOT_YET)
        .executeTakeFirst();
      return r ? (decode(CODECS.access_keys, r) as typeof r) : undefined;
    },

    async purgeCustomer(customerId) {
      await atomically(db, async (trx) => {
        for (const t of TENANT_TABLES)
          await trx.deleteFrom(t).where('customer_id', '=', customerId).execute();
        await trx.deleteFrom('customers').where('id', '=', customerId).execute();
      });
    },
  };
}
