/**
 * Call records (groupcall.md "Calls"): the in-memory `Call` of each leg, its status changes with their
 * timestamps, the events published for them, and their persistence through an ordered per-call write
 * queue. SIP handling never waits for the database: writes are chained per Call id (insert before every
 * update, updates in order) and run in the background; `flush()` awaits them all.
 */
import type { Address } from '../../directory/schemas/common.ts';
import { NIL_UUID, NOT_YET, TimestampSource } from '../../store/timestamp.ts';
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

/** Owns every live leg's record: changes, events, ordered writes. */
export class CallJournal {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly stamps: TimestampSource;
  private running = 0;

  constructor(
    private readonly store: Store,
    now: () => number,
    private readonly log: CallLog,
    private readonly publish: ((e: CallEvent) => void) | undefined,
  ) {
    this.stamps = new TimestampSource(now);
  }

  /** Store writes queued or running. */
  get pendingWrites(): number {
    return this.running;
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
      groupcall_id: NIL_UUID,
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
    const row = snapshot(call);
    this.enqueue(call.id, () => this.store.repos.calls.insert(row));
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
    const row = snapshot(call);
    this.enqueue(call.id, async () => {
      await this.store.repos.calls.update(row.customer_id, row.id, row);
    });
    this.emit(EVENT_OF[status], call);
    return true;
  }

  /** Awaits every queued write. */
  async flush(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }

  private emit(type: string, call: Call): void {
    if (this.publish === undefined) return;
    try {
      this.publish({ type, data: snapshot(call) });
    } catch (e) {
      this.log('warn', 'call event listener threw', { type, err: e });
    }
  }

  private enqueue(id: string, write: () => Promise<void>): void {
    this.running++;
    const prev = this.chains.get(id) ?? Promise.resolve();
    const next = prev
      .then(write)
      .catch((e: unknown) => this.log('error', 'call record write failed', { callId: id, err: e }))
      .finally(() => {
        this.running--;
        if (this.chains.get(id) === next) this.chains.delete(id);
      });
    this.chains.set(id, next);
  }
}
