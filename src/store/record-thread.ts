/**
 * The record writer's thread (see `records.ts`): its own connection to the SQLite file, the prepared
 * upserts, one `BEGIN IMMEDIATE` transaction per batch. Writing here keeps SQLite's page writes, WAL
 * checkpoints and (with `synchronous=FULL`) fsyncs off the event loop that answers SIP.
 *
 * Protocol: the parent posts `{ seq, table, rows }`; the thread answers `{ seq }` once the batch is
 * committed, or `{ seq, error }` when it was rolled back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { upsertSql, valuesOf, type RecordTable } from './record-sql.ts';

interface Batch {
  seq: number;
  table: RecordTable;
  rows: object[];
}

const { path, synchronous } = workerData as { path: string; synchronous: 'NORMAL' | 'FULL' };
const db = new BetterSqlite3(path);
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
db.pragma('busy_timeout = 5000');
const statements = new Map<RecordTable, BetterSqlite3.Statement>();
const write = db.transaction((table: RecordTable, rows: readonly object[]) => {
  let s = statements.get(table);
  if (s === undefined) statements.set(table, (s = db.prepare(upsertSql(table))));
  for (const row of rows) s.run(valuesOf(table, row));
});

parentPort!.on('message', (m: Batch | 'close') => {
  if (m === 'close') {
    db.close();
    parentPort!.close();
    return;
  }
  try {
    write.immediate(m.table, m.rows);
    parentPort!.postMessage({ seq: m.seq });
  } catch (e) {
    parentPort!.postMessage({ seq: m.seq, error: e instanceof Error ? e.message : String(e) });
  }
});
