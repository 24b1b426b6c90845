/**
 * The call records' write path (`src/store/records.ts`) on a table that has grown: what one record upsert
 * costs with time-ordered ids (UUIDv7, `src/store/uuid7.ts`, what ringd uses) against random ones
 * (UUIDv4, ringd's ids before), in the same run, on SQLite (a file, through the writer thread, as
 * `npm start` runs it) and PostgreSQL (the local server, a fresh database).
 *
 * For each dialect and id kind: a fresh database, `--rows` calls rows filled in batches of 5 000, then the
 * steady phase the call engine produces, through its `RecordBatcher` (chunks of 256 rows, one transaction
 * each) — batches of 2 500 rows, 2 000 new calls and 500 updates of calls of the previous batch (a call's
 * row written again when it ends). Reported per row of the steady phase:
 * CPU (SQLite: the whole process, the writer thread included; PostgreSQL: the server backend's, from
 * `/proc`), wall time, and bytes written (SQLite: `write` system calls of the process, WAL and
 * checkpoints; PostgreSQL: WAL generated, `pg_wal_lsn_diff`).
 *
 *   npm run bench:records                       500 000 rows first (about 2–4 minutes)
 *   npm run bench:records -- --smoke            CI smoke run (small sizes)
 *   npm run bench:records -- --rows 2000000 --dialects sqlite
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { NIL_UUID, NOT_YET, formatTimestamp, openStore, type Store } from '../src/store/index.ts';
import type { CallRow } from '../src/store/index.ts';
import { RecordBatcher } from '../src/store/record-batcher.ts';
import { uuid7 } from '../src/store/uuid7.ts';
import { availableDialects, createTestDatabase } from '../test/support/databases.ts';

const argv = process.argv.slice(2);
const smoke = argv.includes('--smoke');
const arg = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const ROWS = Number(arg('rows') ?? (smoke ? 20_000 : 500_000));
const BATCHES = Number(arg('batches') ?? (smoke ? 8 : 40));
const FILL_BATCH = 5_000;
const NEW_PER_BATCH = 2_000;
const UPDATES_PER_BATCH = 500;
if (!Number.isInteger(ROWS) || ROWS < 0 || !Number.isInteger(BATCHES) || BATCHES < 1) {
  console.error('--rows must be a whole number ≥ 0 and --batches ≥ 1');
  process.exit(2);
}
const progress = (msg: string) => process.stderr.write(`# ${msg}\n`);

const CUSTOMER = randomUUID();
const KINDS = { v4: randomUUID, v7: () => uuid7() } as const;
type Kind = keyof typeof KINDS;

/** A calls row as the call engine writes it for a ring group's member leg. */
function callRow(id: string, status: 'ringing' | 'hangup', now: number): CallRow {
  const tm = formatTimestamp(now);
  return {
    id,
    customer_id: CUSTOMER,
    owner_type: '',
    owner_id: NIL_UUID,
    flow_id: NIL_UUID,
    type: 'sip',
    master_call_id: id,
    chained_call_ids: [],
    groupcall_id: id,
    source: { type: 'tel', target: '+15551230001', target_name: '', name: '', detail: '' },
    destination: { type: 'endpoint', target: 'm1@bench.ringd.test', target_name: '', name: '', detail: '' },
    status,
    direction: 'outgoing',
    hangup_by: status === 'hangup' ? 'remote' : '',
    hangup_reason: status === 'hangup' ? 'normal' : '',
    tm_ringing: tm,
    tm_progressing: NOT_YET,
    tm_hangup: status === 'hangup' ? tm : NOT_YET,
    tm_create: tm,
    tm_update: tm,
    tm_delete: NOT_YET,
  };
}

/** Bytes this process passed to `write`-like system calls so far (`/proc/self/io`). */
function writtenBytes(): number {
  const m = /^wchar:\s*(\d+)/m.exec(readFileSync('/proc/self/io', 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** utime + stime of a process, ms (`/proc/PID/stat`). */
function cpuMsOfPid(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}

interface Figures {
  cpuUs: number;
  wallUs: number;
  bytes: number;
}

/** The counters a dialect reads around the steady phase. */
interface Meter {
  read(): Promise<{ cpuMs: number; bytes: number }>;
}

async function meterFor(dialect: 'sqlite' | 'postgres', store: Store): Promise<Meter> {
  if (dialect === 'sqlite') {
    return {
      read: async () => {
        const u = process.cpuUsage();
        return { cpuMs: (u.user + u.system) / 1000, bytes: writtenBytes() };
      },
    };
  }
  const db = store.db;
  // The record writer and this meter share the pool: every backend of the pool is measured.
  const pids = async () =>
    (
      await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database()`.execute(
        db,
      )
    ).rows.map((r) => Number(r.pid));
  return {
    read: async () => {
      const lsn = (await sql<{ lsn: string }>`select pg_current_wal_lsn()::text as lsn`.execute(db)).rows[0]
        .lsn;
      const [hi, lo] = lsn.split('/').map((h) => parseInt(h, 16));
      let cpuMs = 0;
      for (const pid of await pids()) {
        try {
          cpuMs += cpuMsOfPid(pid);
        } catch {
          // a backend that ended between the query and the read
        }
      }
      return { cpuMs, bytes: hi * 2 ** 32 + lo };
    },
  };
}

async function measure(dialect: 'sqlite' | 'postgres', kind: Kind): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'ringd-bench-records-'));
  const db = await createTestDatabase(dialect, join(dir, 'ringd.db'));
  const store = await openStore({ url: db.url });
  try {
    const id = KINDS[kind];
    let now = Date.now() - ROWS;
    for (let done = 0; done < ROWS; done += FILL_BATCH) {
      const rows: CallRow[] = [];
      for (let i = 0; i < Math.min(FILL_BATCH, ROWS - done); i++) rows.push(callRow(id(), 'hangup', now++));
      await store.records.upsert('calls', rows);
      if (done % 100_000 === 0 && done > 0) progress(`${dialect} ${kind}: ${done} of ${ROWS} rows filled`);
    }
    const meter = await meterFor(dialect, store);
    let failure: unknown;
    const batcher = new RecordBatcher(
      store,
      'calls',
      (r) => r,
      (_ids, e) => (failure ??= e),
      60_000,
    );
    let previous: string[] = [];
    const before = await meter.read();
    const t0 = process.hrtime.bigint();
    for (let b = 0; b < BATCHES; b++) {
      const fresh: string[] = [];
      for (let i = 0; i < NEW_PER_BATCH; i++) {
        const x = id();
        fresh.push(x);
        batcher.queue(callRow(x, 'ringing', now++));
      }
      for (const x of previous.slice(0, UPDATES_PER_BATCH)) batcher.queue(callRow(x, 'hangup', now++));
      await batcher.writeNow();
      previous = fresh;
    }
    if (failure !== undefined) throw failure;
    const wallNs = Number(process.hrtime.bigint() - t0);
    const after = await meter.read();
    const n = BATCHES * (NEW_PER_BATCH + UPDATES_PER_BATCH);
    return {
      cpuUs: ((after.cpuMs - before.cpuMs) * 1000) / n,
      wallUs: wallNs / 1000 / n,
      bytes: (after.bytes - before.bytes) / n,
    };
  } finally {
    await store.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const wanted = (arg('dialects') ?? 'sqlite,postgres').split(',');
  const dialects = (await availableDialects()).filter((d) => wanted.includes(d));
  const lines = [
    `call record upserts on a calls table of ${ROWS} rows (batches of ${NEW_PER_BATCH} new + ${UPDATES_PER_BATCH} updated rows, ${BATCHES} batches), per row:`,
    `  ${'dialect'.padEnd(9)} ${'ids'.padEnd(24)} ${'CPU µs'.padStart(8)} ${'wall µs'.padStart(8)} ${'bytes written'.padStart(14)}`,
  ];
  const figures: Array<[string, string]> = [];
  for (const d of dialects) {
    const r: Partial<Record<Kind, Figures>> = {};
    for (const kind of ['v4', 'v7'] as const) {
      progress(`${d}: ${kind} ids`);
      r[kind] = await measure(d, kind);
    }
    for (const kind of ['v4', 'v7'] as const) {
      const f = r[kind]!;
      const label = kind === 'v4' ? 'UUIDv4 (reference)' : 'UUIDv7 (ringd)';
      lines.push(
        `  ${d.padEnd(9)} ${label.padEnd(24)} ${f.cpuUs.toFixed(1).padStart(8)} ${f.wallUs.toFixed(1).padStart(8)} ${f.bytes.toFixed(0).padStart(14)}`,
      );
      figures.push([`records_${d}_${kind}_cpu_us_per_row`, f.cpuUs.toFixed(2)]);
      figures.push([`records_${d}_${kind}_wall_us_per_row`, f.wallUs.toFixed(2)]);
      figures.push([`records_${d}_${kind}_bytes_per_row`, f.bytes.toFixed(0)]);
    }
    const ratio = r.v4!.cpuUs / r.v7!.cpuUs;
    lines.push(`  ${d}: UUIDv4 costs ${ratio.toFixed(2)}× the CPU of UUIDv7 per row`);
    figures.push([`records_${d}_cpu_ratio_v4_over_v7`, ratio.toFixed(3)]);
  }
  console.log(lines.join('\n'));
  console.log('');
  for (const [k, v] of figures) console.log(`${k}=${v}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
