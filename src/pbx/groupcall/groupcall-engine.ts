/**
 * The groupcall engine: creates groupcalls (top-level and nested), plans their first dial step into the
 * record before anything is dialed (so the record — `call_ids`, `groupcall_ids`, counters — exists first
 * and no event can name an unknown groupcall), holds the live ones by id, and answers the API's questions
 * about them from memory.
 */
import type { Store } from '../../store/types.ts';
import { Groupcall, type GroupcallEnv, type Slot } from './groupcall.ts';
import { GroupcallJournal, snapshotGroupcall, type NewGroupcall } from './groupcall-journal.ts';
import type {
  Address,
  GroupcallEvent,
  GroupcallLog,
  GroupcallParent,
  GroupcallRecord,
  GroupcallSpec,
  GroupcallTimers,
  LegDialer,
  NestedSpec,
  RingContext,
} from './types.ts';

/** Options of {@link GroupcallEngine}. */
export interface GroupcallEngineOptions {
  store: Store;
  /** Wall clock (epoch ms) for the records' `tm_*`. */
  now: () => number;
  /** UUIDs for groupcall and leg ids. */
  ids: () => string;
  /** Delay timers on the injected clock. */
  timers: GroupcallTimers;
  log: GroupcallLog;
  publish?: (e: GroupcallEvent) => void;
  /** Whether anyone listens to a tenant's events (see `CallEngineOptions.wantsEvents`). */
  wantsEvents?: (customerId: string) => boolean;
  /** How long record changes gather before they are written, ms (default 500). */
  recordWriteMs?: number;
}

interface Lineage {
  customerId: string;
  source: Address;
  masterCallId?: string;
  masterGroupcallId?: string;
  flowId?: string;
}

/** The plan of a groupcall's first dial step: slots with ids, and the record fields they fill. */
function plan(spec: NestedSpec, ids: () => string) {
  const slots: Slot[] = spec.members.map((member, index) => ({ index, member, state: 'idle' as const }));
  const first = slots.find((s) => s.member.kind !== 'unreachable');
  const step = spec.ringMethod === 'ring_all' ? slots : first ? [first] : [];
  const callIds: string[] = [];
  const groupcallIds: string[] = [];
  let callCount = 0;
  let groupcallCount = 0;
  for (const s of step) {
    const m = s.member;
    if (m.kind === 'unreachable') continue;
    s.id = ids();
    const now = m.options.delayMs <= 0;
    if (m.kind === 'leg') {
      callCount++;
      if (now) callIds.push(s.id);
    } else {
      groupcallCount++;
      if (now) groupcallIds.push(s.id);
    }
  }
  const dialIndex = spec.ringMethod === 'linear' && first ? first.index : 0;
  return { slots, callIds, groupcallIds, callCount, groupcallCount, dialIndex };
}

/** Creates and holds groupcalls; see the module comment. */
export class GroupcallEngine {
  readonly journal: GroupcallJournal;
  private readonly live = new Map<string, Groupcall>();
  private readonly env: GroupcallEnv;

  constructor(private readonly opts: GroupcallEngineOptions) {
    this.journal = new GroupcallJournal(
      opts.store,
      opts.now,
      opts.log,
      opts.publish,
      opts.wantsEvents,
      opts.recordWriteMs,
    );
    this.env = {
      journal: this.journal,
      timers: opts.timers,
      ids: opts.ids,
      log: opts.log,
      spawn: (id, spec, parentRecord, parent, dialer, ring) =>
        this.build(
          id,
          spec,
          {
            customerId: parentRecord.customer_id,
            source: parentRecord.source,
            masterCallId: parentRecord.master_call_id,
            masterGroupcallId: parentRecord.id,
          },
          parent,
          dialer,
          ring,
          spec.failOnReject,
        ),
      released: (gc) => {
        if (this.live.get(gc.record.id) === gc) this.live.delete(gc.record.id);
      },
    };
  }

  /** A fresh id from the engine's id source. */
  newId(): string {
    return this.opts.ids();
  }

  /** Live groupcalls (nested ones included). */
  get size(): number {
    return this.live.size;
  }

  /**
   * Creates a top-level groupcall: its record exists (`groupcall_created` emitted) when this returns;
   * nothing is dialed until `start()`.
   */
  create(spec: GroupcallSpec, parent: GroupcallParent, dialer: LegDialer): Groupcall {
    return this.build(
      this.opts.ids(),
      spec,
      {
        customerId: spec.customerId,
        source: spec.source,
        masterCallId: spec.masterCallId,
        flowId: spec.flowId,
      },
      parent,
      dialer,
      spec.ring,
      spec.failOnReject,
    );
  }

  /** A live groupcall of the tenant. */
  find(customerId: string, id: string): Groupcall | undefined {
    const gc = this.live.get(id);
    return gc !== undefined && gc.record.customer_id === customerId ? gc : undefined;
  }

  /** The latest state of a groupcall known in memory (live, or changed and not yet written). */
  latest(customerId: string, id: string): GroupcallRecord | undefined {
    const gc = this.find(customerId, id);
    if (gc !== undefined) return snapshotGroupcall(gc.record);
    const r = this.journal.unwritten(id);
    return r !== undefined && r.customer_id === customerId ? r : undefined;
  }

  /** Hangs up every live groupcall (shutdown). */
  hangupAll(): void {
    for (const gc of [...this.live.values()]) gc.hangup();
  }

  private build(
    id: string,
    spec: NestedSpec,
    lineage: Lineage,
    parent: GroupcallParent,
    dialer: LegDialer,
    ring: RingContext,
    failOnReject: boolean | undefined,
  ): Groupcall {
    const p = plan(spec, this.opts.ids);
    const n: NewGroupcall = {
      id,
      customerId: lineage.customerId,
      source: lineage.source,
      destinations: spec.members.map((m) => m.address),
      ringMethod: spec.ringMethod,
      ownerType: spec.ownerType,
      ownerId: spec.ownerId,
      flowId: lineage.flowId,
      masterCallId: lineage.masterCallId,
      masterGroupcallId: lineage.masterGroupcallId,
      callIds: p.callIds,
      groupcallIds: p.groupcallIds,
      callCount: p.callCount,
      groupcallCount: p.groupcallCount,
      dialIndex: p.dialIndex,
    };
    const record = this.journal.create(n);
    const gc = new Groupcall(this.env, record, { ...spec, failOnReject }, p.slots, parent, dialer, ring);
    this.live.set(id, gc);
    return gc;
  }
}
