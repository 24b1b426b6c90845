/**
 * Migration 0001: every table of `schema.ts` (issue 3). Frozen once released: later changes go into new
 * numbered migrations, never here.
 *
 * Column types, the same names on both dialects:
 * - ids and timestamps: TEXT, on PostgreSQL `text collate "C"` so that comparisons and index order are byte
 *   order, exactly as SQLite's BINARY collation (the keyset pagination relies on both agreeing);
 * - JSON and other strings: TEXT; counters and 0/1 flags: INTEGER.
 * Indexes: `<table>_list (customer_id, tm_delete, tm_create, id)` on every resource table for the
 * newest-first lists (`customers_list (tm_delete, tm_create, id)`), the unique indexes named in
 * `errors.ts`, and `callflow_keys (customer_id, kind, value)` as primary key.
 */
import { PostgresAdapter, sql, type Kysely } from 'kysely';

type Kind = 'id' | 'ts' | 'text' | 'int';

const TM: Array<[string, Kind]> = [
  ['tm_create', 'ts'],
  ['tm_update', 'ts'],
  ['tm_delete', 'ts'],
];

/** Resource tables: columns in `schema.ts` order (the first is always `id`, the primary key). */
const TABLES: Record<string, Array<[string, Kind]>> = {
  customers: [['id', 'id'], ['name', 'text'], ['domain', 'text'], ['settings', 'text'], ...TM],
  access_keys: [
    ['id', 'id'],
    ['customer_id', 'id'],
    ['role', 'text'],
    ['name', 'text'],
    ['key_prefix', 'text'],
    ['key_hash', 'text'],
    ...TM,
  ],
  users: [
    ['id', 'id'],
    ['customer_id', 'id'],
    ['name', 'text'],
    ['call_groups', 'text'],
    ['pickup_groups', 'text'],
    ['monitor', 'text'],
    ...TM,
  ],
  devices: [
    ['id', 'id'],
    ['customer_id', 'id'],
    ['name', 'text'],
    ['owner_id', 'id'],
    ['sip_username', 'text'],
    ['ha1_md5', 'text'],
    ['ha1_sha256', 'text'],
    ['enabled', 'int'],
    ...TM,
  ],
  groups: [['id', 'id'], ['customer_id', 'id'], ['name', 'text'], ['endpoints', 'text'], ...TM],
  callflows: [
    ['id', 'id'],
    ['customer_id', 'id'],
    ['name', 'text'],
    ['numbers', 'text'],
    ['patterns', 'text'],
    ['flow', 'text'],
    ['feature_code', 'text'],
    ...TM,
  ],
  agents: [
    ['id', 'id'],
    ['customer_id', 'id'],
    ['name', 'text'],
    ['owner_id', 'id'],
    ['addresses', 'text'],
    ['ring_method', 'text'],
    ['status', 'text'],
    ...TM,
  ],
  queues: [
    ['id', 'id'],
    ['customer_id', 'id'],
    ['name', 'text'],
    ['agent_ids', 'text'],
    ['strategy', 'text'],
    ['ring_timeout', 'int'],
    ['wait_timeout', 'int'],
    ['music', 'text'],
    ...TM,
  ],
  trunks: [
    ['id', 'id'],
    ['customer_id', 'id'],
    ['name', 'text'],
    ['uri', 'text'],
    ['username', 'text'],
    ['password', 'text'],
    ['prefixes', 'text'],
    ...TM,
  ],
  groupcalls: [
    ['id', 'id'],
    ['customer_id', 'id'],
    ['owner_type', 'text'],
    ['owner_id', 'id'],
    ['status', 'text'],
    ['flow_id', 'id'],
    ['source', 'text'],
    ['destinations', 'text'],
    ['master_call_id', 'id'],
    ['master_groupcall_id', 'id'],
    ['ring_method', 'text'],
    ['answer_method', 'text'],
    ['answer_call_id', 'id'],
    ['call_ids', 'text'],
    ['answer_groupcall_id', 'id'],
    ['groupcall_ids', 'text'],
    ['call_count', 'int'],
    ['groupcall_count', 'int'],
    ['dial_index', 'int'],
    ...TM,
  ],
  calls: [
    ['id', 'id'],
    ['customer_id', 'id'],
    ['owner_type', 'text'],
    ['owner_id', 'id'],
    ['flow_id', 'id'],
    ['type', 'text'],
    ['master_call_id', 'id'],
    ['chained_call_ids', 'text'],
    ['groupcall_id', 'id'],
    ['source', 'text'],
    ['destination', 'text'],
    ['status', 'text'],
    ['direction', 'text'],
    ['hangup_by', 'text'],
    ['hangup_reason', 'text'],
    ['tm_ringing', 'ts'],
    ['tm_progressing', 'ts'],
    ['tm_hangup', 'ts'],
    ...TM,
  ],
};

/** Unique indexes besides the primary keys: [index name, table, columns]. */
const UNIQUE: Array<[string, string, string[]]> = [
  ['customers_domain_key', 'customers', ['domain']],
  ['devices_sip_username_key', 'devices', ['customer_id', 'sip_username']],
  ['access_keys_key_prefix_key', 'access_keys', ['key_prefix']],
];

// Migrations receive a Kysely of an unknown (changing) schema; the builder is used untyped here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

function columnType(db: AnyDb, kind: Kind) {
  if (kind === 'int') return sql`integer`;
  const pgText = db.getExecutor().adapter instanceof PostgresAdapter;
  return pgText && kind !== 'text' ? sql`text collate "C"` : sql`text`;
}

export async function up(db: AnyDb): Promise<void> {
  for (const [table, columns] of Object.entries(TABLES)) {
    let create = db.schema.createTable(table);
    for (const [name, kind] of columns) {
      // The primary key is named `<table>_pkey` (PostgreSQL's default name; `errors.ts` relies on it).
      create = create.addColumn(name, columnType(db, kind), (c) =>
        name === 'id' ? c.notNull().primaryKey() : c.notNull(),
      );
    }
    await create.execute();
    const list =
      table === 'customers'
        ? ['tm_delete', 'tm_create', 'id']
        : ['customer_id', 'tm_delete', 'tm_create', 'id'];
    await db.schema.createIndex(`${table}_list`).on(table).columns(list).execute();
  }
  await db.schema
    .createTable('callflow_keys')
    .addColumn('customer_id', columnType(db, 'id'), (c) => c.notNull())
    .addColumn('kind', sql`text`, (c) => c.notNull())
    .addColumn('value', sql`text`, (c) => c.notNull())
    .addColumn('callflow_id', columnType(db, 'id'), (c) => c.notNull())
    .addPrimaryKeyConstraint('callflow_keys_pkey', ['customer_id', 'kind', 'value'])
    .execute();
  await db.schema
    .createIndex('callflow_keys_callflow')
    .on('callflow_keys')
    .columns(['customer_id', 'callflow_id'])
    .execute();
  for (const [name, table, columns] of UNIQUE) {
    await db.schema.createIndex(name).unique().on(table).columns(columns).execute();
  }
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('callflow_keys').ifExists().execute();
  for (const table of Object.keys(TABLES).reverse()) await db.schema.dropTable(table).ifExists().execute();
}
