/**
 * `openStore`: the one way into the database. Opens the dialect named by the URL, runs pending migrations,
 * and hands out the repositories (directly or inside a transaction).
 */
import type BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, sql } from 'kysely';
import type { Database } from './schema.ts';
import type { Dialect, Repos, Store, StoreOptions } from './types.ts';
import { openDialect } from './dialects.ts';
import { MIGRATION_LOCK_TABLE, MIGRATION_TABLE, migrationProvider } from './migrations/index.ts';
import { reposFor } from './repos/index.ts';
import {
  postgresRecordWriter,
  sqliteRecordWriter,
  threadedSqliteRecordWriter,
  type RecordWriter,
} from './records.ts';

/** Key of the PostgreSQL advisory lock held while migrating ('ringdmig' as a 64-bit integer). */
export const MIGRATION_ADVISORY_LOCK = 0x72696e67646d6967n;

function migratorFor(db: Kysely<Database>): Migrator {
  return new Migrator({
    db,
    provider: migrationProvider,
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
}

async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const { error, results } = await migratorFor(db).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(failed ? `migration ${failed} failed: ${why}` : `migrating failed: ${why}`, {
      cause: error,
    });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

class KyselyStore implements Store {
  readonly repos: Repos;
  readonly records: RecordWriter;
  private closed = false;

  constructor(
    readonly dialect: Dialect,
    readonly db: Kysely<Database>,
    sqlite: BetterSqlite3.Database | undefined,
    sqliteFile: { path: string; synchronous: 'NORMAL' | 'FULL' } | undefined,
  ) {
    this.repos = reposFor(db);
    this.records = sqliteFile
      ? threadedSqliteRecordWriter(sqliteFile.path, sqliteFile.synchronous)
      : sqlite
        ? sqliteRecordWriter(db, sqlite)
        : postgresRecordWriter(db);
  }

  transaction<T>(fn: (repos: Repos) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => fn(reposFor(trx)));
  }

  /**
   * Applies pending migrations, all of them or none:
   * - PostgreSQL: under `pg_advisory_lock`, on one connection, so that processes starting together
   *   migrate one after the other (the later ones find nothing to do); the migrations themselves run in
   *   one transaction (Kysely's migrator);
   * - SQLite: inside `BEGIN IMMEDIATE`, which takes the write lock first (another process waits up to
   *   `busy_timeout`) and rolls back every statement of a failing migration.
   */
  async migrate(): Promise<string[]> {
    return this.db.connection().execute(async (conn) => {
      if (this.dialect === 'postgres') {
        await sql`select pg_advisory_lock(${MIGRATION_ADVISORY_LOCK})`.execute(conn);
        try {
          return await migrateToLatest(conn);
        } finally {
          await sql`select pg_advisory_unlock(${MIGRATION_ADVISORY_LOCK})`.execute(conn);
        }
      }
      await sql`begin immediate`.execute(conn);
      try {
        const applied = await migrateToLatest(conn);
        await sql`commit`.execute(conn);
        return applied;
      } catch (e) {
        await sql`rollback`.execute(conn);
        throw e;
      }
    });
  }

  async pendingMigrations(): Promise<string[]> {
    const all = await migratorFor(this.db).getMigrations();
    return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
  }

  async ping(): Promise<boolean> {
    if (this.closed) return false;
    try {
      await sql`select 1`.execute(this.db);
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.records.close();
    await this.db.destroy();
  }
}

/**
 * Opens the store at `opts.url` (see `StoreOptions` and `openDialect` for URLs, pragmas and durability)
 * and applies pending migrations unless `opts.migrate === false`. On failure nothing stays open.
 *
 * Transactions: `store.transaction(fn)` runs `fn` with repositories bound to one transaction; a throw
 * rolls everything back. On SQLite the single connection serializes transactions, so `fn` must use only
 * the repositories it is given (calling `store.repos` inside would wait for the transaction forever).
 */
export async function openStore(opts: StoreOptions): Promise<Store> {
  const { dialect, kysely, sqlite, sqliteFile } = openDialect(opts);
  const store = new KyselyStore(dialect, new Kysely<Database>({ dialect: kysely }), sqlite, sqliteFile);
  if (opts.migrate !== false) {
    try {
      await store.migrate();
    } catch (e) {
      await store.close();
      throw e;
    }
  }
  return store;
}
