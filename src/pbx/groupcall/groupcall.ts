/**
 * One groupcall (groupcall.md): a state machine over its members, driven by its legs' reports, its
 * children's reports, its delay timers and the API. It never touches SIP: legs are placed through the
 * `LegDialer` it was given, and everything it learns goes to its `GroupcallParent`.
 *
 * - `ring_all`: every member is dialed at once (after its own delay); `linear`: one at a time, in order,
 *   `dial_index` naming the one ringing; the next is dialed when the current one ends unanswered.
 * - `call_count` / `groupcall_count`: members (legs / nested groupcalls) alive in the current dial step.
 * - The answer claim (`hangup_others`): a leg's 2xx asks every level up to the owner (`claimable`), then
 *   commits bottom-up: `answer_call_id` here, `answer_groupcall_id` in each ancestor, every other member
 *   of every level cancelled with `Reason: SIP;cause=200;text="Call completed elsewhere"`,
 *   `groupcall_progressing`. A 2xx losing the race is refused, and its leg sent BYE.
 * - End: no member alive and nobody answered (the combined failure goes to the parent), or the answered
 *   leg's conversation ended → `hangup`, `groupcall_hangup`.
 * - `hangup()`: `hangingup`, every leg and child hung up, then `hangup`; on a groupcall already hanging up
 *   or hung up it changes nothing.
 */
import type { TimerHandle } from '../../sip/clock.ts';
import { NIL_UUID } from '../../store/timestamp.ts';
import { combineFailures, isRejection, PICKED_UP, type Failure } from './failure.ts';
import type { GroupcallJournal } from './groupcall-journal.ts';
import type {
  DialRequest,
  GroupcallChild,
  GroupcallLog,
  GroupcallParent,
  GroupcallRecord,
  GroupcallTimers,
  LegDialer,
  LegHandle,
  LegListener,
  Member,
  NestedSpec,
  RingContext,
} from './types.ts';

/** RFC 3326 reason on the CANCELs of the members that lost to an answer. */
export const ANSWERED_ELSEWHERE: Array<[string, string]> = [
  ['Reason', 'SIP;cause=200;text="Call completed elsewhere"'],
];

const LOSE_RACE: Failure = { cause: 'LOSE_RACE', sipCode: 487 };
const CLEARING: Failure = { cause: 'NORMAL_CLEARING', sipCode: 487 };

/** What a groupcall needs from its engine. */
export interface GroupcallEnv {
  journal: GroupcallJournal;
  timers: GroupcallTimers;
  ids: () => string;
  log: GroupcallLog;
  /** Creates (records, registers) a nested groupcall with a pre-assigned id; not started. */
  spawn(
    id: string,
    spec: NestedSpec & { failOnReject?: boolean },
    parentRecord: GroupcallRecord,
    parent: GroupcallParent,
    dialer: LegDialer,
    ring: RingContext,
  ): Groupcall;
  /** The groupcall reached `hangup`. */
  released(gc: Groupcall): void;
}

/** dialing → answered (a member won) → ended; `ending` while a hangup is in progress. */
type Phase = 'dialing' | 'answered' | 'ending' | 'ended';
/** idle (not dialed yet) → delayed → alive → won | dead. */
type SlotState = 'idle' | 'delayed' | 'alive' | 'won' | 'dead';

/** One member and what became of it. */
export interface Slot {
  readonly index: number;
  readonly member: Member;
  state: SlotState;
  /** Id planned for its leg (Call id) or nested groupcall. */
  id?: string;
  leg?: LegHandle;
  child?: Groupcall;
  timer?: TimerHandle;
}

/** A groupcall; see the module comment. Created by `GroupcallEngine`. */
export class Groupcall implements GroupcallChild {
  private phase: Phase = 'dialing';
  private readonly failures: Failure[] = [];
  private settling = false;
  private started = false;
  /** The failure reported upward when a hangup ends the groupcall unanswered. */
  private hangupFailure: Failure | undefined;
  private resolveDone!: () => void;
  /** Resolves once the groupcall reached `hangup`. */
  readonly done: Promise<void>;

  constructor(
    private readonly env: GroupcallEnv,
    readonly record: GroupcallRecord,
    readonly spec: NestedSpec & { failOnReject?: boolean },
    readonly slots: Slot[],
    private readonly parent: GroupcallParent,
    private readonly dialer: LegDialer,
    private readonly ring: RingContext,
  ) {
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  /** True once it reached `hangup`. */
  get ended(): boolean {
    return this.phase === 'ended';
  }

  /** Dials the planned members (the record, with their ids, exists already). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.settling = true;
    try {
      for (const slot of this.slots) {
        if (slot.member.kind === 'unreachable' && this.inCurrentStep(slot)) {
          slot.state = 'dead';
          this.failures.push(slot.member.failure);
        } else if (slot.id !== undefined && slot.state === 'idle') this.launch(slot, true);
        if (this.phase !== 'dialing') break;
      }
    } finally {
      this.settling = false;
    }
    this.settle();
  }

  /** API / cascade hangup: idempotent (reference bug 5: a finished groupcall stays `hangup`). */
  hangup(headers?: Array<[string, string]>, failure: Failure = CLEARING): void {
    if (this.phase === 'ended' || this.phase === 'ending') return;
    this.phase = 'ending';
    this.hangupFailure = failure;
    this.record.status = 'hangingup';
    this.env.journal.changed(this.record);
    for (const slot of this.slots) {
      if (slot.state === 'won') {
        slot.leg?.hangup();
        slot.child?.hangup(headers, failure);
      } else this.stop(slot, failure, headers);
    }
    this.settle();
  }

  /**
   * Someone outside the groupcall answered the call it rang for (pickup): `answer_call_id` = that call,
   * `groupcall_progressing`, every member cancelled as "completed elsewhere", then `hangup`. False when
   * the groupcall is no longer ringing.
   */
  answeredElsewhere(callId: string): boolean {
    if (this.phase !== 'dialing') return false;
    this.record.answer_call_id = callId;
    this.phase = 'ending';
    this.env.journal.changed(this.record);
    this.env.journal.emit('groupcall_progressing', this.record);
    for (const slot of this.slots) this.stop(slot, PICKED_UP, ANSWERED_ELSEWHERE);
    this.settle();
    return true;
  }

  // ---- members ---------------------------------------------------------------------------------------

  /** Linear groupcalls plan only the current member; ring_all plans them all. */
  private inCurrentStep(slot: Slot): boolean {
    if (this.spec.ringMethod === 'ring_all') return true;
    return slot.index <= this.record.dial_index;
  }

  /** Counts the member in and dials it (now, or after its delay). `planned`: already in the record. */
  private launch(slot: Slot, planned: boolean): void {
    const m = slot.member;
    if (m.kind === 'unreachable') {
      slot.state = 'dead';
      this.failures.push(m.failure);
      return;
    }
    slot.id ??= this.env.ids();
    if (!planned) {
      if (m.kind === 'leg') this.record.call_count++;
      else this.record.groupcall_count++;
      this.env.journal.changed(this.record);
    }
    if (m.options.delayMs > 0) {
      slot.state = 'delayed';
      slot.timer = this.env.timers.set(m.options.delayMs, () => {
        slot.timer = undefined;
        if (slot.state !== 'delayed' || this.phase !== 'dialing') return;
        this.dial(slot, false);
        this.settle();
      });
      return;
    }
    this.dial(slot, planned);
  }

  private dial(slot: Slot, planned: boolean): void {
    const m = slot.member;
    const id = slot.id!;
    slot.state = 'alive';
    if (m.kind === 'leg') {
      if (!this.record.call_ids.includes(id)) {
        this.record.call_ids.push(id);
        if (!planned) this.env.journal.changed(this.record);
      }
      const req: DialRequest = {
        id,
        groupcallId: this.record.id,
        target: m.target,
        address: m.address,
        ringTimeoutMs: m.options.ringTimeoutMs,
        ring: this.ring,
      };
      try {
        slot.leg = this.dialer.dial(req, this.legListener(slot));
      } catch (e) {
        // Reference bug 4: a leg that cannot be created is a dead *leg* member (call_count), and the
        // groupcall goes on (or ends) as for any other failure.
        this.env.log('warn', 'groupcall leg not created', {
          groupcallId: this.record.id,
          callId: id,
          err: e,
        });
        this.memberEnded(slot, { cause: 'NORMAL_TEMPORARY_FAILURE', sipCode: 503 });
      }
    } else if (m.kind === 'nested') {
      if (!this.record.groupcall_ids.includes(id)) {
        this.record.groupcall_ids.push(id);
        if (!planned) this.env.journal.changed(this.record);
      }
      const ring: RingContext = m.group.groupId ? { ...this.ring, groupId: m.group.groupId } : this.ring;
      // fail_on_single_reject reaches the legs of nested groupcalls too (any leg's rejection counts).
      const spec = { ...m.group, failOnReject: this.spec.failOnReject };
      const child = this.env.spawn(id, spec, this.record, this.childParent(slot), this.dialer, ring);
      slot.child = child;
      child.start();
    }
  }

  /** Stops a member that has not won. */
  private stop(slot: Slot, failure: Failure, headers?: Array<[string, string]>): void {
    const was = slot.state;
    if (was === 'idle') {
      slot.state = 'dead';
      return;
    }
    if (was !== 'alive' && was !== 'delayed') return;
    slot.state = 'dead';
    this.uncount(slot);
    slot.timer = this.env.timers.clear(slot.timer);
    if (was === 'alive') {
      slot.leg?.cancel(failure, headers);
      slot.child?.hangup(headers, failure);
    }
  }

  private uncount(slot: Slot): void {
    if (slot.member.kind === 'leg') this.record.call_count = Math.max(0, this.record.call_count - 1);
    else if (slot.member.kind === 'nested')
      this.record.groupcall_count = Math.max(0, this.record.groupcall_count - 1);
    this.env.journal.changed(this.record);
  }

  private legListener(slot: Slot): LegListener {
    return {
      progress: () => {
        if (slot.state === 'alive' && this.phase === 'dialing') this.parent.progress(this);
      },
      answered: (leg) => this.tryWin(slot, leg.id),
      ended: (_leg, failure) => this.memberEnded(slot, failure),
    };
  }

  /** This groupcall as the parent of the nested groupcall in `slot`. */
  private childParent(slot: Slot): GroupcallParent {
    return {
      progress: () => {
        if (slot.state === 'alive' && this.phase === 'dialing') this.parent.progress(this);
      },
      claimable: () => slot.state === 'alive' && this.claimable(),
      commit: (child, legId) => this.commit(slot, legId, child.record.id),
      ended: (_child, failure) => this.memberEnded(slot, failure),
    };
  }

  // ---- the answer claim ------------------------------------------------------------------------------

  /** Nobody answered here or above, and the owner still wants an answer. */
  private claimable(): boolean {
    return this.phase === 'dialing' && this.parent.claimable(this);
  }

  /** A leg of `slot` answered (reference bug 6: compare-and-set, never an overwrite). */
  private tryWin(slot: Slot, legId: string): boolean {
    if (slot.state !== 'alive' || !this.claimable()) return false;
    this.commit(slot, legId, undefined);
    return true;
  }

  /**
   * Records the winner at this level and passes it up (reference bugs 1 and 3: to *this* groupcall's
   * parent, whatever the ring method). `childId`: the nested groupcall the winner is in.
   */
  private commit(slot: Slot, legId: string, childId: string | undefined): void {
    slot.state = 'won';
    this.phase = 'answered';
    if (childId === undefined) this.record.answer_call_id = legId;
    else this.record.answer_groupcall_id = childId;
    // Reference bug 2: the other members — nested groupcalls included — are cancelled directly.
    for (const other of this.slots) if (other !== slot) this.stop(other, LOSE_RACE, ANSWERED_ELSEWHERE);
    this.env.journal.changed(this.record);
    this.env.journal.emit('groupcall_progressing', this.record);
    this.parent.commit(this, legId);
  }

  // ---- the end ---------------------------------------------------------------------------------------

  private memberEnded(slot: Slot, failure: Failure | undefined): void {
    if (slot.state === 'won') {
      slot.state = 'dead';
      this.uncount(slot);
      this.settle();
      return;
    }
    if (slot.state !== 'alive' && slot.state !== 'delayed') return;
    slot.state = 'dead';
    slot.timer = this.env.timers.clear(slot.timer);
    this.uncount(slot);
    if (failure) this.failures.push(failure);
    if (failure && this.spec.failOnReject && this.phase === 'dialing' && isRejection(failure)) {
      // fail_on_single_reject: one busy/decline ends the whole groupcall with that failure.
      this.failures.length = 0;
      this.failures.push(failure);
      this.phase = 'ending';
      for (const other of this.slots) this.stop(other, CLEARING);
    }
    this.settle();
  }

  /** Dials the next linear member or ends the groupcall, when nothing is alive any more. */
  private settle(): void {
    if (this.settling || this.phase === 'ended' || !this.started) return;
    this.settling = true;
    try {
      for (;;) {
        if (this.slots.some((s) => s.state === 'alive' || s.state === 'delayed' || s.state === 'won')) return;
        if (this.phase === 'dialing' && this.spec.ringMethod === 'linear') {
          const next = this.slots.find((s) => s.state === 'idle');
          if (next !== undefined) {
            if (next.member.kind !== 'unreachable') {
              this.record.dial_index = next.index;
              this.env.journal.changed(this.record);
            }
            this.launch(next, false);
            continue;
          }
        }
        this.finish();
        return;
      }
    } finally {
      this.settling = false;
    }
  }

  private finish(): void {
    const answered =
      this.phase === 'answered' ||
      this.record.answer_call_id !== NIL_UUID ||
      this.record.answer_groupcall_id !== NIL_UUID;
    const failure = answered ? undefined : (this.hangupFailure ?? combineFailures(this.failures));
    this.phase = 'ended';
    for (const s of this.slots) s.timer = this.env.timers.clear(s.timer);
    this.record.status = 'hangup';
    this.record.call_count = 0;
    this.record.groupcall_count = 0;
    this.env.journal.changed(this.record);
    this.env.journal.emit('groupcall_hangup', this.record);
    this.env.released(this);
    this.resolveDone();
    this.parent.ended(this, failure);
  }
}
