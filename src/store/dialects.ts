/**
 * Store URL → Kysely dialect. One place knows how each database is opened and tuned; everything above
 * works on `Kysely<Database>` only.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { PostgresDialect, SqliteDialect, type Dialect as KyselyDialect } from 'kysely';
import type { Dialect, StoreOptions } from './types.ts';

/** A store URL taken apart: which database, and where. */
export type StoreLocation =
  | { dialect: 'sqlite'; /** A file path, or `:memory:`. */ path: string }
  | { dialect: 'postgres'; /** The connection string as given. */ url: string };

/**
 * Parses `StoreOptions.url`: `postgres://…` / `postgresql://…` → PostgreSQL; `sqlite::memory:` → in-memory
 * SQLite; `sqlite:<path>` (also `sqlite://<path>`) or a bare path (no `scheme:` prefix) → a SQLite file.
 * Any other scheme is refused (without echoing the URL, which may hold a password).
 */
export function parseStoreUrl(url: string): StoreLocation {
  if (/^postgres(ql)?:\/\//i.test(url)) return { dialect: 'postgres', url };
  if (/^sqlite:/i.test(url)) {
    let path = url.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2);
    if (path === '')
      throw new Error('store url "sqlite:" names no file (use sqlite::memory: or sqlite:<path>)');
    return { dialect: 'sqlite', path };
  }
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(url);
  if (scheme) throw new Error(`unsupported store url scheme '${scheme[1]}:' (use postgres:// or sqlite:)`);
  if (url === '') throw new Error('store url is empty');
  return { dialect: 'sqlite', path: url };
}

/** A ready Kysely dialect plus what kind it is. */
export interface OpenedDialect {
  dialect: Dialect;
  kysely: KyselyDialect;
  /** SQLite only: the connection itself, for the record write path (`records.ts`). */
  sqlite?: BetterSqlite3.Database;
  /** SQLite file databases: the file and its `synchronous` setting (the record writer opens its own connection). */
  sqliteFile?: { path: string; synchronous: 'NORMAL' | 'FULL' };
}

/**
 * Opens the database behind `opts.url`.
 *
 * SQLite (better-sqlite3, one connection): creates the parent directory of a file database, then sets
 * - `journal_mode=WAL` — readers never block the writer;
 * - `synchronous` = `opts.sqliteSynchronous` (default `NORMAL`). In WAL mode NORMAL syncs the WAL only at
 *   checkpoints: a committed transaction is in the OS page cache when `commit` returns, so a process crash
 *   (even `kill -9`) loses nothing committed, while a power loss or kernel crash may lose the last
 *   transactions (never corrupts). `FULL` fsyncs the WAL on every commit: committed data also survives a
 *   power loss, at the price of one fsync per transaction;
 * - `foreign_keys=ON`, `busy_timeout=5000` (another process holding the write lock is waited for, 5 s).
 *
 * PostgreSQL (pg `Pool`, `opts.poolSize` connections, default 10). Errors of idle pooled connections
 * (server restart) are absorbed: the pool drops the client and the next query reconnects.
 */
export function openDialect(opts: StoreOptions): OpenedDialect {
  const where = parseStoreUrl(opts.url);
  if (where.dialect === 'postgres') {
    const pool = new pg.Pool({ connectionString: where.url, max: opts.poolSize ?? 10 });
    pool.on('error', () => {
      // An idle client failed (e.g. the server restarted); the pool has already discarded it.
    });
    return { dialect: 'postgres', kysely: new PostgresDialect({ pool }) };
  }
  const memory = where.path === ':memory:';
  if (!memory) mkdirSync(dirname(resolve(where.path)), { recursive: true });
  const database = new BetterSqlite3(where.path);
  try {
    database.pragma('journal_mode = WAL');
    database.pragma(`synchronous = ${opts.sqliteSynchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
    database.pragma('foreign_keys = ON');
    database.pragma('busy_timeout = 5000');
  } catch (e) {
    database.close();
    throw e;
  }
  return {
    dialect: 'sqlite',
    kysely: new SqliteDialect({ database: withStatementCache(database) }),
    sqlite: database,
    sqliteFile: memory
      ? undefined
      : { path: where.path, synchronous: opts.sqliteSynchronous === 'FULL' ? 'FULL' : 'NORMAL' },
  };
}

/** Most distinct SQL texts kept prepared (the repositories issue a few dozen shapes). */
const STATEMENT_CACHE_SIZE = 512;

/**
 * Kysely prepares every query anew; preparing cost as much as running it in the call benchmark's profile.
 * This hands Kysely one prepared statement per distinct SQL text instead (SQLite re-prepares a cached
 * statement by itself after a schema change). Safe because Kysely runs one statement at a time on this
 * single connection and never keeps an iterator open (we do not stream).
 */
function withStatementCache(database: BetterSqlite3.Database) {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => database.close(),
    prepare(text: string): BetterSqlite3.Statement {
      // Transactions take the write lock when they begin: a deferred one that reads, then writes while
      // another connection (the record writer's thread) has committed would fail with SQLITE_BUSY at once;
      // an immediate one waits for the lock (busy_timeout) instead.
      const sql = text === 'begin' ? 'begin immediate' : text;
      let stmt = cache.get(sql);
      if (stmt === undefined) {
        stmt = database.prepare(sql);
        if (cache.size < STATEMENT_CACHE_SIZE) cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}
