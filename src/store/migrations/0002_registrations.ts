/**
 * Migration 0002: `registrations`, the registrar's bindings (issue 4). One row per (device, contact);
 * `expires_at` is epoch ms (BIGINT on PostgreSQL, INTEGER = 64-bit on SQLite), `q` a float. Indexes:
 * `registrations_device (customer_id, device_id)` for a device's bindings and `registrations_expires
 * (expires_at)` for the start-up purge of bindings that expired while ringd was down.
 * Frozen once released.
 */
import { PostgresAdapter, sql, type Kysely } from 'kysely';

// Migrations receive a Kysely of an unknown (changing) schema; the builder is used untyped here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const id = pg ? sql`text collate "C"` : sql`text`;
  const ts = id;
  await db.schema
    .createTable('registrations')
    .addColumn('id', id, (c) => c.notNull().primaryKey())
    .addColumn('customer_id', id, (c) => c.notNull())
    .addColumn('device_id', id, (c) => c.notNull())
    .addColumn('contact', sql`text`, (c) => c.notNull())
    .addColumn('source_address', sql`text`, (c) => c.notNull())
    .addColumn('source_port', sql`integer`, (c) => c.notNull())
    .addColumn('transport', sql`text`, (c) => c.notNull())
    .addColumn('user_agent', sql`text`, (c) => c.notNull())
    .addColumn('call_id', id, (c) => c.notNull()) // *_id columns are bytewise everywhere (collate "C")
    .addColumn('cseq', sql`bigint`, (c) => c.notNull())
    .addColumn('q', pg ? sql`double precision` : sql`real`, (c) => c.notNull())
    .addColumn('expires_at', sql`bigint`, (c) => c.notNull())
    .addColumn('tm_create', ts, (c) => c.notNull())
    .addColumn('tm_update', ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('registrations_device')
    .on('registrations')
    .columns(['customer_id', 'device_id'])
    .execute();
  await db.schema.createIndex('registrations_expires').on('registrations').column('expires_at').execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('registrations').ifExists().execute();
}
