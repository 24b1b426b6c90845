/**
 * The numbers and patterns of callflows (`callflow_keys`): one row per key, primary key
 * `(customer_id, kind, value)`, so a number or pattern belongs to at most one callflow per tenant.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import type { Repos } from '../types.ts';
import { StoreConflictError } from '../types.ts';
import { atomically } from './transaction.ts';

/** Rows per insert statement (4 parameters each: far below SQLite's and PostgreSQL's limits). */
const CHUNK = 500;

type Key = Database['callflow_keys'];

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function keyOf(kind: string, value: string): string {
  return `${kind}\u0000${value}`;
}

/**
 * `replace` deletes the callflow's keys and inserts the new ones with `on conflict do nothing returning`;
 * a key that did not come back is held by another callflow: its holder is read and `StoreConflictError`
 * (`callflow_number` / `callflow_pattern`, the value, the holder id) is thrown, which rolls the whole
 * replacement back. The reported clash is the first in the caller's order (numbers before patterns);
 * duplicates in the input count once. Keys are inserted in a fixed global order, so concurrent replaces
 * with overlapping keys end in a conflict for one of them, never in a deadlock. Runs in its own
 * transaction unless already inside one.
 */
export function callflowKeysRepo(database: Kysely<Database>): Repos['callflowKeys'] {
  return {
    async replace(customerId, callflowId, numbers, patterns) {
      const keys: Key[] = [];
      for (const [kind, values] of [
        ['number', numbers],
        ['pattern', patterns],
      ] as const) {
        for (const value of new Set(values)) {
          keys.push({ customer_id: customerId, kind, value, callflow_id: callflowId });
        }
      }
      await atomically(database, async (db) => {
        await db
          .deleteFrom('callflow_keys')
          .where('customer_id', '=', customerId)
          .where('callflow_id', '=', callflowId)
          .execute();
        // Insert in one global order (kind, then value by code unit): two transactions claiming overlapping
        // keys then wait for each other at the first shared key instead of deadlocking on PostgreSQL.
        const ordered = [...keys].sort((a, b) => compare(a.kind, b.kind) || compare(a.value, b.value));
        const inserted = new Set<string>();
        for (let i = 0; i < ordered.length; i += CHUNK) {
          const rows = await db
            .insertInto('callflow_keys')
            .values(ordered.slice(i, i + CHUNK))
            .onConflict((oc) => oc.columns(['customer_id', 'kind', 'value']).doNothing())
            .returning(['kind', 'value'])
            .execute();
          for (const r of rows) inserted.add(keyOf(r.kind, r.value));
        }
        const clash = keys.find((k) => !inserted.has(keyOf(k.kind, k.value)));
        if (!clash) return;
        const holder = await db
          .selectFrom('callflow_keys')
          .select('callflow_id')
          .where('customer_id', '=', customerId)
          .where('kind', '=', clash.kind)
          .where('value', '=', clash.value)
          .executeTakeFirst();
        throw new StoreConflictError(
          clash.kind === 'pattern' ? 'callflow_pattern' : 'callflow_number',
          clash.value,
          holder?.callflow_id,
        );
      });
    },

    async removeFor(customerId, callflowId) {
      await database
        .deleteFrom('callflow_keys')
        .where('customer_id', '=', customerId)
        .where('callflow_id', '=', callflowId)
        .execute();
    },
  };
}
