/**
 * Call records (groupcall.md "Calls"): the in-memory `Call` of each leg, its status changes with their
 * timestamps, the events published for them, and their persistence. SIP handling never waits for the
 * database: changes are written behind, in batches (`RecordBatcher`, src/store/record-batcher.ts) — every
 * 200 ms the latest state of each changed leg is written in one transaction (an upsert), so a call's five or six
 * status changes cost one or two row writes, and a batch costs one commit. `flush()` writes what is pending
 * now. (The call benchmark's profile had one statement per change taking a third of ringd's CPU, then the
 * query builder of the batched writes taking a quarter.)
 */
import type { Address } from '../../directory/schemas/common.ts';
import { NIL_UUID, NOT_YET, TimestampSource } from '../../store/timestamp.ts';
import { RecordBatcher } from '../../store/record-batcher.ts';
import type { Store } from '../../store/types.ts';
import type { Call, CallEvent, CallLog, HangupReason } from './types.ts';

/** Statuses of a leg (groupcall.md): dialing → ringing → progressing → terminating | canceling → hangup. */
export type CallStatus = 'dialing' | 'ringing' | 'progressing' | 'terminating' | 'canceling' | 'hangup';

/** An address with every field present. */
export function address(type: string, fields: Partial<Omit<Address, 'type'>> = {}): Address {
  return {
    type,
    target: fields.target ?? '',
    target_name: fields.target_name ?? '',
    name: fields.name ?? '',
    detail: fields.detail ?? '',
  };
}

/** What a new leg's record is made of; everything else starts at its "none" value. */
export interface NewCall {
  id: string;
  customerId: string;
  direction: 'incoming' | 'outgoing';
  source: Address;
  destination: Address;
  flowId?: string;
  masterCallId?: string;
  chainedCallIds?: string[];
  /** The groupcall that dialed this leg. */
  groupcallId?: string;
}

/** A deep copy, so a published or stored Call never changes afterwards. */
function snapshot(c: Call): Call {
  return {
    ...c,
    chained_call_ids: [...c.chained_call_ids],
    source: { ...c.source },
    destination: { ...c.destination },
  };
}

const EVENT_OF: Record<CallStatus, string> = {
  dialing: 'call_dialing',
  ringing: 'call_ringing',
  progressing: 'call_progressing',
  terminating: 'call_terminating',
  canceling: 'call_canceling',
  hangup: 'call_hangup',
};

/** Owns every live leg's record: changes, events, batched writes. */
export class CallJournal {
  /** Legs changed since the last write (the latest state is what gets written). */
  private readonly writes: RecordBatcher<'calls'>;
  private readonly stamps: TimestampSource;

  constructor(
    store: Store,
    now: () => number,
    private readonly log: CallLog,
    private readonly publish: ((e: CallEvent) => void) | undefined,
    /** Whether anyone listens to a tenant's events (the copy for an event is skipped when not). */
    private readonly wants: ((customerId: string) => boolean) | undefined = undefined,
    /** How long record changes gather before they are written (ms; `calls.record_write_ms`). */
    writeIntervalMs?: number,
  ) {
    this.stamps = new TimestampSource(now);
    this.writes = new RecordBatcher(
      store,
      'calls',
      snapshot,
      (calls, err) => this.log('error', 'call records write failed', { calls, err }),
      writeIntervalMs,
    );
  }

  /** Leg records waiting to be written or being written. */
  get pendingWrites(): number {
    return this.writes.pendingWrites;
  }

  /** The latest state of leg `id` not yet handed to the store (a snapshot), if any. */
  unwritten(id: string): Call | undefined {
    return this.writes.unwritten(id);
  }

  /** Writes every change made so far (after the writes already under way) and awaits it. */
  writeNow(): Promise<void> {
    return this.writes.writeNow();
  }

  /** Creates the record of a new leg (status `dialing`), stores it and emits `call_created`. */
  create(n: NewCall): Call {
    const t = this.stamps.next();
    const call: Call = {
      id: n.id,
      customer_id: n.customerId,
      owner_type: '',
      owner_id: NIL_UUID,
      flow_id: n.flowId ?? NIL_UUID,
      type: 'sip',
      master_call_id: n.masterCallId ?? NIL_UUID,
      chained_call_ids: n.chainedCallIds ?? [],
      groupcall_id: n.groupcallId ?? NIL_UUID,
      source: n.source,
      destination: n.destination,
      status: 'dialing',
      direction: n.direction,
      hangup_by: '',
      hangup_reason: '',
      tm_ringing: NOT_YET,
      tm_progressing: NOT_YET,
      tm_hangup: NOT_YET,
      tm_create: t,
      tm_update: t,
      tm_delete: NOT_YET,
    };
    this.persist(call);
    this.emit('call_created', call);
    return call;
  }

  /** Emits `call_dialing` for an outgoing leg whose INVITE was sent (status unchanged). */
  dialing(call: Call): void {
    this.emit('call_dialing', call);
  }

  /**
   * Moves a leg to `status` (no-op when already there or already hung up), stamping `tm_ringing` /
   * `tm_progressing` / `tm_hangup` and `tm_update`; for `hangup` (and `terminating`/`canceling`, which
   * announce it) records who and why. Returns whether it changed.
   */
  setStatus(call: Call, status: CallStatus, end?: { by: 'local' | 'remote'; reason: HangupReason }): boolean {
    if (call.status === status || call.status === 'hangup') return false;
    const t = this.stamps.next();
    call.status = status;
    call.tm_update = t;
    if (status === 'ringing') call.tm_ringing = t;
    else if (status === 'progressing') call.tm_progressing = t;
    else if (status === 'hangup') call.tm_hangup = t;
    if (end !== undefined && call.hangup_reason === '') {
      call.hangup_by = end.by;
      call.hangup_reason = end.reason;
    }
    this.persist(call);
    this.emit(EVENT_OF[status], call);
    return true;
  }

  /** Writes what is pending now and awaits every write. */
  flush(): Promise<void> {
    return this.writes.flush();
  }

  private persist(call: Call): void {
    this.writes.queue(call);
  }

  private emit(type: string, call: Call): void {
    if (this.publish === undefined || (this.wants !== undefined && !this.wants(call.customer_id))) return;
    try {
      this.publish({ type, data: snapshot(call) });
    } catch (e) {
      this.log('warn', 'call event listener threw', { type, err: e });
    }
  }
}
