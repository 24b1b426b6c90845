/**
 * Groupcall records (groupcall.md, seed 004): the in-memory record of each groupcall, its timestamps, the
 * events published for it, and its persistence — written behind the call path in batches (the latest
 * state of each changed groupcall, upserted by a `RecordBatcher` of src/store/record-batcher.ts),
 * exactly as the call records are (`calls/call-journal.ts`). SIP handling never waits for the database;
 * only the API's own requests await a write (`writeNow`).
 *
 * As in the seed, `tm_update` stays `9999-01-01 00:00:00.000000` until the record first changes after its
 * creation.
 */
import { NIL_UUID, NOT_YET, TimestampSource } from '../../store/timestamp.ts';
import { RecordBatcher } from '../../store/record-batcher.ts';
import type { Store } from '../../store/types.ts';
import type { Address, GroupcallEvent, GroupcallEventType, GroupcallLog, GroupcallRecord } from './types.ts';

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
  /** Groupcalls changed since the last write (the latest state is written). */
  private readonly writes: RecordBatcher<'groupcalls'>;
  private readonly stamps: TimestampSource;

  constructor(
    store: Store,
    now: () => number,
    private readonly log: GroupcallLog,
    private readonly publish: ((e: GroupcallEvent) => void) | undefined,
    /** Whether anyone listens to a tenant's events (the copy for an event is skipped when not). */
    private readonly wants: ((customerId: string) => boolean) | undefined = undefined,
    /** How long record changes gather before they are written (ms; `calls.record_write_ms`). */
    writeIntervalMs?: number,
  ) {
    this.stamps = new TimestampSource(now);
    this.writes = new RecordBatcher(
      store,
      'groupcalls',
      snapshotGroupcall,
      (groupcalls, err) => this.log('error', 'groupcall records write failed', { groupcalls, err }),
      writeIntervalMs,
    );
  }

  /** Records waiting to be written or being written. */
  get pendingWrites(): number {
    return this.writes.pendingWrites;
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
    return this.writes.unwritten(id);
  }

  /** Writes what is pending now (after earlier batches) and awaits it: for API requests only. */
  writeNow(): Promise<void> {
    return this.writes.writeNow();
  }

  /** Writes everything pending and awaits every write. */
  flush(): Promise<void> {
    return this.writes.flush();
  }

  private persist(record: GroupcallRecord): void {
    this.writes.queue(record);
  }
}
