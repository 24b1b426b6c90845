/**
 * Groupcall records (groupcall.md, seed 004): the in-memory record of each groupcall, its timestamps, the
 * events published for it, and its persistence — written behind the call path in batches (every
 * `BATCH_MS`, the latest state of each changed groupcall, upserted through the store's record writer),
 * exactly as the call records are (`calls/call-journal.ts`). SIP handling never waits for the database;
 * only the API's own requests await a write (`writeNow`).
 *
 * As in the seed, `tm_update` stays `9999-01-01 00:00:00.000000` until the record first changes after its
 * creation.
 */
import { NIL_UUID, NOT_YET, TimestampSource } from '../../store/timestamp.ts';
import type { Store } from '../../store/types.ts';
import type { Address, GroupcallEvent, GroupcallEventType, GroupcallLog, GroupcallRecord } from './types.ts';

/** How long changes gather before they are written (ms). */
const BATCH_MS = 200;
/** Rows per transaction (SQLite writes block the event loop: big batches are cut, SIP runs between). */
const CHUNK_ROWS = 256;

/** A deep copy, so a published or stored record never changes afterwards. */
export function snapshotGroupcall(g: GroupcallRecord): GroupcallRecord {
  return {
    ...g,
    source: { ...g.source },
    destinations: g.destinations.map((d) => ({ ...d })),
    call_ids: [...g.call_ids],
    groupcall_ids: [...g.groupcall_ids],
  };
}

/** The fields a new record is made of; everything else starts at its "none" value. */
export interface NewGroupcall {
  id: string;
  customerId: string;
  source: Address;
  destinations: Address[];
  ringMethod: string;
  ownerType?: string;
  ownerId?: string;
  flowId?: string;
  masterCallId?: string;
  masterGroupcallId?: string;
  callIds: string[];
  groupcallIds: string[];
  callCount: number;
  groupcallCount: number;
  dialIndex: number;
}

/** Owns every live groupcall's record: changes, events, batched writes. */
export class GroupcallJournal {
  /** Groupcalls changed since the last write: their live records (the latest state is written). */
  private readonly pending = new Map<string, GroupcallRecord>();
  private readonly stamps: TimestampSource;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private chain: Promise<void> = Promise.resolve();
  private writing = 0;

  constructor(
    private readonly store: Store,
    now: () => number,
    private readonly log: GroupcallLog,
    private readonly publish: ((e: GroupcallEvent) => void) | undefined,
    /** Whether anyone listens to a tenant's events (the copy for an event is skipped when not). */
    private readonly wants: ((customerId: string) => boolean) | undefined = undefined,
  ) {
    this.stamps = new TimestampSource(now);
  }

  /** Records waiting to be written or being written. */
  get pendingWrites(): number {
    return this.pending.size + this.writing;
  }

  /** A fresh timestamp. */
  stamp(): string {
    return this.stamps.next();
  }

  /** The record of a new groupcall (status `progressing`), queued for writing, `groupcall_created` emitted. */
  create(n: NewGroupcall): GroupcallRecord {
    const record: GroupcallRecord = {
      id: n.id,
      customer_id: n.customerId,
      owner_type: n.ownerType ?? '',
      owner_id: n.ownerId ?? NIL_UUID,
      status: 'progressing',
      flow_id: n.flowId ?? NIL_UUID,
      source: n.source,
      destinations: n.destinations,
      master_call_id: n.masterCallId ?? NIL_UUID,
      master_groupcall_id: n.masterGroupcallId ?? NIL_UUID,
      ring_method: n.ringMethod,
      answer_method: 'hangup_others',
      answer_call_id: NIL_UUID,
      call_ids: n.callIds,
      answer_groupcall_id: NIL_UUID,
      groupcall_ids: n.groupcallIds,
      call_count: n.callCount,
      groupcall_count: n.groupcallCount,
      dial_index: n.dialIndex,
      tm_create: this.stamps.next(),
      tm_update: NOT_YET,
      tm_delete: NOT_YET,
    };
    this.persist(record);
    this.emit('groupcall_created', record);
    return record;
  }

  /** The record changed: `tm_update` stamped, queued for writing. */
  changed(record: GroupcallRecord): void {
    record.tm_update = this.stamps.next();
    this.persist(record);
  }

  /** Publishes an event with a snapshot of the record. */
  emit(type: GroupcallEventType, record: GroupcallRecord): void {
    if (this.publish === undefined || (this.wants !== undefined && !this.wants(record.customer_id))) return;
    try {
      this.publish({ type, data: snapshotGroupcall(record) });
    } catch (e) {
      this.log('warn', 'groupcall event listener threw', { type, err: e });
    }
  }

  /** The latest state not yet in the store (read-your-writes for the API), if any. */
  unwritten(id: string): GroupcallRecord | undefined {
    const r = this.pending.get(id);
    return r === undefined ? undefined : snapshotGroupcall(r);
  }

  /** Writes what is pending now (after earlier batches) and awaits it: for API requests only. */
  writeNow(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    return this.writeBatch();
  }

  /** Writes everything pending and awaits every write. */
  async flush(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.pending.size > 0 || this.writing > 0) await this.writeBatch();
  }

  private persist(record: GroupcallRecord): void {
    this.pending.set(record.id, record);
    if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.writeBatch();
      }, BATCH_MS);
      this.timer.unref?.();
    }
  }

  private writeBatch(): Promise<void> {
    this.chain = this.chain.then(async () => {
      if (this.pending.size === 0) return;
      const batch = [...this.pending.values()].map(snapshotGroupcall);
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

  private async writeChunk(rows: GroupcallRecord[]): Promise<void> {
    try {
      await this.store.records.upsert('groupcalls', rows);
    } catch (e) {
      this.log('error', 'groupcall records write failed', { groupcalls: rows.map((r) => r.id), err: e });
    }
  }
}
