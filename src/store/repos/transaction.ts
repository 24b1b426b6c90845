import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/**
 * Runs `fn` atomically: inside the caller's transaction when `db` already is one, else in a new one.
 * Used by the multi-statement repository operations (callflow keys, purge) so they are all-or-nothing
 * even when called on `store.repos`.
 */
export function atomically<T>(db: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}
