/**
 * Gathers changes of live records (calls, groupcalls) and upserts their latest state in batches: a record
 * changed five times between two writes costs one row write, a batch one commit per chunk. Writes run one
 * after another; each chunk is a snapshot of the records at that moment, so later changes queue again.
 */
import type { RecordTable } from './records.ts';
import type { RowTypes } from './rows.ts';
import type { Store } from './types.ts';

/**
 * How long changes gather before they are written (ms; config `calls.record_write_ms`). A call's records
 * change over its first second (ringing, answered, ended), so a longer interval writes most records once, in
 * their final state, instead of two or three times: at 1 000 group calls/s, 500 ms instead of 200 writes
 * ~25 % fewer rows and costs ~5 % less CPU per call (docs/performance.md). The price: a crash may lose that
 * long of record changes. The API does not lag by it: `unwritten` serves reads of one record, `writeNow`
 * precedes a list.
 */
export const DEFAULT_WRITE_INTERVAL_MS = 500;
/** Rows per transaction: SQLite writes block their thread, so a big batch is cut and SIP runs between. */
const CHUNK_ROWS = 256;

export class RecordBatcher<T extends RecordTable> {
  /** Records changed since the last write: the live objects (their latest state is what gets written). */
  private readonly pending = new Map<string, RowTypes[T]>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private chain: Promise<void> = Promise.resolve();
  private writing = 0;

  constructor(
    private readonly store: Store,
    private readonly table: T,
    /** A deep copy of a live record (what is written must not change while it is). */
    private readonly snapshot: (r: RowTypes[T]) => RowTypes[T],
    /** A chunk could not be written (logged by the owner; the records are not retried). */
    private readonly failed: (ids: string[], err: unknown) => void,
    /** How long changes gather before a write (ms). */
    private readonly intervalMs: number = DEFAULT_WRITE_INTERVAL_MS,
  ) {
    if (!(intervalMs > 0)) throw new RangeError(`record write interval must be > 0 ms (got ${intervalMs})`);
  }

  /** Records waiting to be written or being written. */
  get pendingWrites(): number {
    return this.pending.size + this.writing;
  }

  /** Queues the record's current state; a write follows within the write interval. */
  queue(record: RowTypes[T]): void {
    this.pending.set(record.id, record);
    if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.writeBatch();
      }, this.intervalMs);
      this.timer.unref?.();
    }
  }

  /** The latest state of `id` not yet handed to the store (a snapshot), if any. */
  unwritten(id: string): RowTypes[T] | undefined {
    const r = this.pending.get(id);
    return r === undefined ? undefined : this.snapshot(r);
  }

  /** Writes what is pending now (after earlier batches) and awaits it. */
  writeNow(): Promise<void> {
    this.cancelTimer();
    return this.writeBatch();
  }

  /** Writes everything pending, including what is queued while writing, and awaits every write. */
  async flush(): Promise<void> {
    this.cancelTimer();
    while (this.pending.size > 0 || this.writing > 0) await this.writeBatch();
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private writeBatch(): Promise<void> {
    this.chain = this.chain.then(async () => {
      if (this.pending.size === 0) return;
      const batch: RowTypes[T][] = [];
      for (const r of this.pending.values()) batch.push(this.snapshot(r));
      this.pending.clear();
      this.writing = batch.length;
      try {
        for (let i = 0; i < batch.length; i += CHUNK_ROWS) {
          if (i > 0) await new Promise<void>((r) => setImmediate(r));
          await this.writeChunk(batch.slice(i, i + CHUNK_ROWS));
          this.writing = Math.max(0, batch.length - i - CHUNK_ROWS);
        }
      } finally {
        this.writing = 0;
      }
    });
    return this.chain;
  }

  private async writeChunk(rows: RowTypes[T][]): Promise<void> {
    try {
      await this.store.records.upsert(this.table, rows);
    } catch (e) {
      this.failed(
        rows.map((r) => r.id),
        e,
      );
    }
  }
}
