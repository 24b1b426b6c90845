/**
 * The registrar's bindings (`registrations`): one row per (device, contact), hard-deleted when the binding
 * ends. Numbers come back as numbers on both dialects (PostgreSQL returns BIGINT as text: converted here).
 */
import type { Kysely } from 'kysely';
import type { Database, RegistrationsTable } from '../schema.ts';

/** A binding row as the repository hands it out. */
export type RegistrationRow = Omit<RegistrationsTable, 'cseq' | 'expires_at'> & {
  cseq: number;
  /** Epoch ms. */
  expires_at: number;
};

/** Access to `registrations` (used by the registrar only). */
export interface RegistrationsRepo {
  /** Inserts the row, or replaces every column of the row with the same id. */
  put(row: RegistrationRow): Promise<void>;
  /** Deletes the rows with these ids (unknown ids are ignored). */
  remove(ids: readonly string[]): Promise<void>;
  /** Every row, of every tenant (the registrar loads them at start). */
  all(): Promise<RegistrationRow[]>;
  /** Deletes the rows with `expires_at <= nowMs`; returns how many. */
  deleteExpired(nowMs: number): Promise<number>;
  /** Deletes the rows of one device, or of the whole customer when `deviceId` is undefined; returns how many. */
  deleteFor(customerId: string, deviceId?: string): Promise<number>;
}

const decode = (r: RegistrationsTable): RegistrationRow => ({
  ...r,
  source_port: Number(r.source_port),
  cseq: Number(r.cseq),
  q: Number(r.q),
  expires_at: Number(r.expires_at),
});

/** The repository bound to `db` (the store's Kysely or a transaction). */
export function registrationsRepo(db: Kysely<Database>): RegistrationsRepo {
  return {
    async put(row) {
      const { id: _id, ...rest } = row;
      void _id;
      await db
        .insertInto('registrations')
        .values(row)
        .onConflict((oc) => oc.column('id').doUpdateSet(rest))
        .execute();
    },

    async remove(ids) {
      if (ids.length === 0) return;
      await db
        .deleteFrom('registrations')
        .where('id', 'in', [...ids])
        .execute();
    },

    async all() {
      const rows = await db
        .selectFrom('registrations')
        .selectAll()
        .orderBy('tm_create')
        .orderBy('id')
        .execute();
      return rows.map(decode);
    },

    async deleteExpired(nowMs) {
      const r = await db.deleteFrom('registrations').where('expires_at', '<=', nowMs).executeTakeFirst();
      return Number(r.numDeletedRows);
    },

    async deleteFor(customerId, deviceId) {
      let q = db.deleteFrom('registrations').where('customer_id', '=', customerId);
      if (deviceId !== undefined) q = q.where('device_id', '=', deviceId);
      const r = await q.executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
