/**
 * The write path of live records (calls and groupcalls): their latest state, upserted in batches.
 *
 * The call engine changes a record five or six times in a call's first second and writes it behind,
 * batched. Going through the query builder cost more than the SIP work of the call (the call benchmark's
 * profile: building, compiling and freezing a Kysely query per row); this path does the least a database
 * needs instead:
 * - SQLite: one prepared `INSERT … ON CONFLICT(id) DO UPDATE` per table, run for every row inside one
 *   better-sqlite3 transaction, while holding Kysely's connection (so it never interleaves with a
 *   transaction of the directory on the same single connection);
 * - PostgreSQL: one multi-row `INSERT … ON CONFLICT (id) DO UPDATE` statement per batch (one round trip).
 * An upsert replaces every column but `id`: the row becomes exactly the record as the engine holds it.
 */
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { RowTypes } from './rows.ts';
import { CODECS, encode } from './repos/codecs.ts';
import { RECORD_COLUMNS, upsertSql, valuesOf, type RecordTable } from './record-sql.ts';

export { RECORD_COLUMNS, type RecordTable } from './record-sql.ts';

/** Writes records' latest state. */
export interface RecordWriter {
  /**
   * Inserts each row, or replaces the stored row with the same id, all in one transaction: every row is
   * written or none is (the promise rejects). Rows must carry every column of the table.
   */
  upsert<T extends RecordTable>(table: T, rows: readonly RowTypes[T][]): Promise<void>;
  /** Waits for the writes in flight, then releases the writer (idempotent). */
  close(): Promise<void>;
}

/** The SQLite writer: prepared statements on the raw connection, under Kysely's connection lock. */
export function sqliteRecordWriter(db: Kysely<Database>, raw: BetterSqlite3.Database): RecordWriter {
  const statements: Partial<Record<RecordTable, BetterSqlite3.Statement>> = {};
  const stmt = (t: RecordTable) => (statements[t] ??= raw.prepare(upsertSql(t)));
  const run = raw.transaction((table: RecordTable, rows: readonly object[]) => {
    const s = stmt(table);
    for (const row of rows) s.run(valuesOf(table, row));
  });
  return {
    async upsert(table, rows) {
      if (rows.length === 0) return;
      // Holding the connection: no Kysely transaction is open on it while ours runs.
      await db.connection().execute(async () => run(table, rows));
    },
    async close() {},
  };
}

/**
 * The SQLite writer of a file database: a worker thread with its own connection (`record-thread.ts`).
 * Rows are handed over by structured clone; each `upsert` resolves once its batch is committed there.
 * The thread starts on the first write. Should it die, pending writes reject and the next write starts a
 * new one.
 */
export function threadedSqliteRecordWriter(path: string, synchronous: 'NORMAL' | 'FULL'): RecordWriter {
  let worker: Worker | undefined;
  let seq = 0;
  let closed = false;
  const pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  const inflight = new Set<Promise<void>>();
  const failAll = (e: Error) => {
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  const start = (): Worker => {
    // From the TypeScript sources (tsx), a worker does not inherit the loader: a small bootstrap registers
    // it first. Compiled, the thread's .js file is started directly.
    const fromSources = import.meta.url.endsWith('.ts');
    const entry = new URL(`./record-thread${fromSources ? '.ts' : '.js'}`, import.meta.url);
    const workerData = { path, synchronous };
    const w = fromSources
      ? new Worker(
          `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})` +
            `.then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`,
          { eval: true, workerData },
        )
      : new Worker(entry, { workerData });
    w.unref();
    w.on('message', (m: { seq: number; error?: string }) => {
      const p = pending.get(m.seq);
      if (p === undefined) return;
      pending.delete(m.seq);
      if (m.error === undefined) p.resolve();
      else p.reject(new Error(`store: record write failed: ${m.error}`));
      if (pending.size === 0) w.unref();
    });
    w.on('error', (e) => failAll(e));
    w.on('exit', (code) => {
      if (worker === w) worker = undefined;
      failAll(new Error(`store: record writer thread exited (${code})`));
    });
    return w;
  };
  return {
    upsert(table, rows) {
      if (rows.length === 0) return Promise.resolve();
      if (closed) return Promise.reject(new Error('store: closed'));
      const w = (worker ??= start());
      const n = ++seq;
      w.ref(); // a batch in flight keeps the process alive until it is written
      const p = new Promise<void>((resolve, reject) => {
        pending.set(n, { resolve, reject });
        w.postMessage({ seq: n, table, rows });
      });
      inflight.add(p);
      const done = () => inflight.delete(p);
      p.then(done, done);
      return p;
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...inflight]);
      const w = worker;
      if (w === undefined) return;
      await new Promise<void>((r) => {
        w.ref();
        w.once('exit', () => r());
        w.postMessage('close');
      });
    },
  };
}

/** PostgreSQL's limit on a statement's bind parameters (a 16-bit count in the protocol's Bind message). */
export const PG_MAX_PARAMETERS = 65_535;

/**
 * The PostgreSQL writer: one multi-row upsert statement per call, or, for a batch with more values than
 * one statement may bind (`PG_MAX_PARAMETERS`: 3 120 calls rows), one statement per chunk inside one
 * transaction, so the batch is still written whole or not at all.
 */
export function postgresRecordWriter(db: Kysely<Database>): RecordWriter {
  return {
    async upsert(table, rows) {
      if (rows.length === 0) return;
      const c = CODECS[table];
      const all = RECORD_COLUMNS[table];
      const cols = all.filter((k) => k !== 'id');
      const excluded = Object.fromEntries(cols.map((k) => [k, sql.ref(`excluded.${k}`)]));
      const perStatement = Math.floor(PG_MAX_PARAMETERS / all.length);
      const write = async (on: Kysely<Database>, chunk: readonly object[]) => {
        const values = chunk.map((r) => encode(c, r as unknown as Record<string, unknown>));
        const loose = on as unknown as Kysely<Record<string, Record<string, unknown>>>;
        await loose
          .insertInto(table)
          .values(values)
          .onConflict((oc) => oc.column('id').doUpdateSet(excluded as never))
          .execute();
      };
      if (rows.length <= perStatement) return write(db, rows);
      await db.transaction().execute(async (tx) => {
        for (let i = 0; i < rows.length; i += perStatement) await write(tx, rows.slice(i, i + perStatement));
      });
    },
    async close() {},
  };
}
