/**
 * The generic repository over one resource table: tenant-scoped CRUD, soft-delete visibility and
 * newest-first keyset pages. The same code runs on SQLite and PostgreSQL.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import type { ResourceTable, RowTypes } from '../rows.ts';
import type { Page, PageRequest, TableRepo } from '../types.ts';
import { NOT_YET } from '../timestamp.ts';
import { conflictFrom } from '../errors.ts';
import { CODECS, decode, encode } from './codecs.ts';

/** The schema seen by code that picks its table at run time: any table, any column. */
export type LooseDb = Record<string, Record<string, unknown>>;

/** Largest `PageRequest.pageSize`. */
export const MAX_PAGE_SIZE = 100;

/**
 * The query behind `TableRepo.list` (one row more than the page, to know whether another page follows).
 * Exported for the plan tests (`EXPLAIN` of exactly what `list` runs).
 */
export function listQuery(
  database: Kysely<Database>,
  table: ResourceTable,
  customerId: string | null,
  page: PageRequest,
) {
  const size = page.pageSize;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new RangeError(`pageSize must be an integer 1–${MAX_PAGE_SIZE}, got ${size}`);
  }
  const db = database as unknown as Kysely<LooseDb>;
  const t: string = table;
  let q = db.selectFrom(t).selectAll();
  if (customerId !== null) q = q.where(CODECS[table].scope, '=', customerId);
  q = q.where('tm_delete', '=', NOT_YET);
  const after = page.after;
  if (after) {
    q = q.where((eb) => eb(eb.refTuple('tm_create', 'id'), '<', eb.tuple(after.tm_create, after.id)));
  }
  return q
    .orderBy('tm_create', 'desc')
    .orderBy('id', 'desc')
    .limit(size + 1);
}

/**
 * The repository of `table` on `database` (a `Kysely` or a `Transaction`).
 *
 * - `insert` / `update` turn unique violations into `StoreConflictError`.
 * - `update` ignores `id` and `customer_id` in the patch (rows never move), works on soft-deleted rows too
 *   (that is how rows get soft-deleted: `update({ tm_delete })`) and returns the row as stored afterwards.
 * - `list` pages `order by tm_create desc, id desc` with the keyset `(tm_create, id) < (c.tm_create, c.id)`.
 *   Both planners turn the row-value comparison into a range of the `(customer_id, tm_delete, tm_create, id)`
 *   index, scanned backwards from the cursor with no sort: a page costs the same at any depth, also inside a
 *   run of rows sharing one `tm_create`. (The spelled-out `tm_create < x or (tm_create = x and id < y)` is
 *   what must not be used: SQLite answers it with a MULTI-INDEX OR plus a temp B-tree sort of every older
 *   row, PostgreSQL with a filter over every newer row — measured on 1 000 000 rows, ~200–500 ms a page
 *   instead of ~1 ms; `test/unit/store/list-plan.test.ts` pins the plans.)
 *   A row inserted later has a newer `tm_create` (TimestampSource) and so never shifts the pages after it.
 * - `all` returns live rows in creation order (oldest first).
 */
export function tableRepo<T extends ResourceTable>(
  database: Kysely<Database>,
  table: T,
): TableRepo<RowTypes[T]> {
  type R = RowTypes[T];
  const db = database as unknown as Kysely<LooseDb>;
  const c = CODECS[table];
  const t: string = table;
  const toRow = (r: Record<string, unknown>): R => decode(c, r) as unknown as R;

  return {
    async insert(row) {
      const values = encode(c, row as unknown as Record<string, unknown>);
      try {
        await db.insertInto(t).values(values).execute();
      } catch (e) {
        throw conflictFrom(e, values) ?? e;
      }
    },

    async get(customerId, id, opts) {
      let q = db.selectFrom(t).selectAll().where('id', '=', id);
      if (customerId !== null) q = q.where(c.scope, '=', customerId);
      if (!opts?.includeDeleted) q = q.where('tm_delete', '=', NOT_YET);
      const r = await q.executeTakeFirst();
      return r ? toRow(r) : undefined;
    },

    async update(customerId, id, patch) {
      const values = encode(c, patch as Record<string, unknown>);
      delete values.id;
      delete values.customer_id;
      if (Object.keys(values).length === 0) return this.get(customerId, id, { includeDeleted: true });
      let q = db.updateTable(t).set(values).where('id', '=', id);
      if (customerId !== null) q = q.where(c.scope, '=', customerId);
      try {
        const r = await q.returningAll().executeTakeFirst();
        return r ? toRow(r) : undefined;
      } catch (e) {
        throw conflictFrom(e, values) ?? e;
      }
    },

    async delete(customerId, id) {
      let q = db.deleteFrom(t).where('id', '=', id);
      if (customerId !== null) q = q.where(c.scope, '=', customerId);
      const r = await q.executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },

    async list(customerId, page: PageRequest): Promise<Page<R>> {
      const size = page.pageSize;
      const found = await listQuery(database, table, customerId, page).execute();
      const rows = found.slice(0, size).map(toRow);
      if (found.length <= size) return { rows };
      const last = rows[rows.length - 1] as { tm_create: string; id: string };
      return { rows, next: { tm_create: last.tm_create, id: last.id } };
    },

    async all(customerId) {
      let q = db.selectFrom(t).selectAll();
      if (customerId !== null) q = q.where(c.scope, '=', customerId);
      const rows = await q.where('tm_delete', '=', NOT_YET).orderBy('tm_create').orderBy('id').execute();
      return rows.map(toRow);
    },

    async count(customerId) {
      let q = db.selectFrom(t).select((eb) => eb.fn.countAll().as('n'));
      if (customerId !== null) q = q.where(c.scope, '=', customerId);
      const r = await q.where('tm_delete', '=', NOT_YET).executeTakeFirstOrThrow();
      return Number(r.n);
    },
  };
}
