/**
 * The SQL of the record write path (`records.ts`), shared by the in-thread writer and the writer's own
 * thread (`record-thread.ts`): the column lists of the record tables and the upsert statement.
 */
import type { CallsTable, GroupcallsTable } from './schema.ts';
import { CODECS } from './repos/codecs.ts';

/** The tables of live records written through {@link RecordWriter}. */
export type RecordTable = 'calls' | 'groupcalls';

/** Every column of each record table, in table order (checked against the database in a unit test). */
export const RECORD_COLUMNS: {
  readonly calls: readonly (keyof CallsTable)[];
  readonly groupcalls: readonly (keyof GroupcallsTable)[];
} = {
  calls: [
    'id',
    'customer_id',
    'owner_type',
    'owner_id',
    'flow_id',
    'type',
    'master_call_id',
    'chained_call_ids',
    'groupcall_id',
    'source',
    'destination',
    'status',
    'direction',
    'hangup_by',
    'hangup_reason',
    'tm_ringing',
    'tm_progressing',
    'tm_hangup',
    'tm_create',
    'tm_update',
    'tm_delete',
  ],
  groupcalls: [
    'id',
    'customer_id',
    'owner_type',
    'owner_id',
    'status',
    'flow_id',
    'source',
    'destinations',
    'master_call_id',
    'master_groupcall_id',
    'ring_method',
    'answer_method',
    'answer_call_id',
    'call_ids',
    'answer_groupcall_id',
    'groupcall_ids',
    'call_count',
    'groupcall_count',
    'dial_index',
    'tm_create',
    'tm_update',
    'tm_delete',
  ],
};

export function upsertSql(table: RecordTable): string {
  const cols = RECORD_COLUMNS[table];
  const set = cols
    .filter((c) => c !== 'id')
    .map((c) => `"${c}" = excluded."${c}"`)
    .join(', ');
  return (
    `insert into "${table}" (${cols.map((c) => `"${c}"`).join(', ')}) values (${cols.map(() => '?').join(', ')}) ` +
    `on conflict ("id") do update set ${set}`
  );
}

/** One row's column values in table order (JSON columns stringified). */
export function valuesOf(table: RecordTable, row: object): unknown[] {
  const json = CODECS[table].json;
  const r = row as Record<string, unknown>;
  const cols = RECORD_COLUMNS[table];
  const out = new Array<unknown>(cols.length);
  for (let i = 0; i < cols.length; i++) {
    const c = cols[i];
    const v = r[c];
    if (v === undefined) throw new TypeError(`store: ${table} record ${String(r.id)} has no ${c}`);
    out[i] = json.has(c) ? JSON.stringify(v) : v;
  }
  return out;
}
