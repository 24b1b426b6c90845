/**
 * One call as a callflow runs it: its A leg — the caller's INVITE (`InboundLeg`), or an answered outbound
 * leg running a REST groupcall's `flow_id` — and, once connected, its B leg. It is the `FlowCall` the
 * executor drives and the owner (`GroupcallParent`) of the groupcalls its ringing actions create: their
 * `master_call_id` is the A leg.
 *
 * - `ring`: a groupcall of the members; the first 180/183 of any leg → 180 to the caller (once); the first
 *   answer to win the claim is connected: the caller answered with the codec the callee chose (no
 *   transcoding) and the two endpoints bridged; failure → the action's failure branch.
 * - The caller's CANCEL stops everything (legs cancelled, reason `cancel`); BYE from either side of a
 *   conversation ends the other; re-INVITEs are answered locally (`reinvite.ts`); `maxCallDuration` ends
 *   forgotten calls.
 * - When the flow ends (`stop`) with the caller unbridged: the final its last failure maps to (486 / 603 /
 *   503 / 404, else 480), or BYE when ringd had answered it; `usurp` leaves the call alone.
 * - The call is released once its flow ended and every leg it rang is done.
 * - Pickup (`PickupCall`, src/pbx/pickup/): a ringing call is claimed for a picker's call (`claimFor`), then
 *   the picker joins it (`joinWith`): each call's A leg answered if needed and the two A endpoints bridged;
 *   the two sessions stay separate (each releases itself) and a BYE on either side ends the other.
 */
import { answerCodecs } from '../../media/sdp/index.ts';
import type { TimerHandle } from '../../sip/clock.ts';
import type { Callflow } from '../../directory/schemas/callflow.ts';
import type { FlowCall, FlowEnd, FlowTone, RingOutcome, RingRequest } from '../callflow/types.ts';
import { callerFinal, callerHangupReason, type Failure } from '../groupcall/failure.ts';
import type { Groupcall } from '../groupcall/groupcall.ts';
import type { GroupcallChild, GroupcallParent, LegDialer } from '../groupcall/types.ts';
import { NIL_UUID } from '../../store/timestamp.ts';
import type { PickupCall } from '../pickup/types.ts';
import { calleeOffer, codecsToConnect, joinCodecs, TonePlayback, type ASide } from './a-leg-media.ts';
import { InboundLeg } from './inbound-leg.ts';
import type { InboundSetup, SessionEnv, SessionIdentity } from './session-types.ts';
import { legDialer } from './leg-dialer.ts';
import type { End, LegCore, LegPeer } from './legs.ts';
import type { OutboundLeg, Presentation } from './outbound-leg.ts';
import { handleReinvite, type ReinviteContext } from './reinvite.ts';

const ORIGINATOR_CANCEL: Failure = { cause: 'ORIGINATOR_CANCEL', sipCode: 487 };
const CLEARING: Failure = { cause: 'NORMAL_CLEARING', sipCode: 487 };

type Phase = 'setup' | 'answered' | 'bridged' | 'ended';

/** One call run by a callflow; see the module comment. */
export class CallSession implements FlowCall, GroupcallParent, LegPeer, PickupCall {
  readonly id: string;
  readonly customerId: string;
  readonly callerDeviceId: string | undefined;
  /** The A leg (for an inbound call: once the flow first needed it). */
  a: InboundLeg | OutboundLeg | undefined;
  /** The leg A is connected to. */
  b: OutboundLeg | undefined;
  lastFailure: Failure | undefined;
  private phase: Phase;
  private gone = false;
  /** Someone won the call (a member's answer, or `claimFor`). */
  private claimed = false;
  /** The call that took this one over (`claimFor`). */
  private takenBy: string | undefined;
  private ringing: { gc: Groupcall; resolve: (o: RingOutcome) => void } | undefined;
  private legsAlive = 0;
  private flowDone = false;
  private released = false;
  private maxTimer: TimerHandle | undefined;
  private readonly tones: TonePlayback;
  private readying: Promise<boolean> | undefined;
  private readonly dialer: LegDialer;
  /** The other call of a pickup: its A leg is bridged to ours; when either ends, so does the other. */
  private joined: CallSession | undefined;

  private constructor(
    private readonly env: SessionEnv,
    private readonly identity: SessionIdentity,
    private readonly inbound: InboundSetup | undefined,
    answered: OutboundLeg | undefined,
  ) {
    this.id = inbound?.id ?? answered!.id;
    this.customerId = identity.customerId;
    this.callerDeviceId = inbound?.callerDeviceId;
    this.a = answered;
    this.phase = answered ? 'answered' : 'setup';
    this.tones = new TonePlayback(env.media, env.timers);
    this.dialer = legDialer(env, this.presentation(), {
      started: (leg) => {
        this.legsAlive++;
        this.a?.record.chained_call_ids.push(leg.id);
      },
      done: () => {
        this.legsAlive--;
        this.maybeFinish();
      },
    });
  }

  /** The caller's call: runs its callflow. */
  static inbound(env: SessionEnv, setup: InboundSetup): CallSession {
    const s = new CallSession(env, setup, setup, undefined);
    setup.invite.onCancel = () => s.onCallerCancel();
    return s;
  }

  /** An answered outbound leg (REST): runs `callflow` when given, else stays up until hung up. */
  static answered(env: SessionEnv, leg: OutboundLeg, identity: SessionIdentity): CallSession {
    const s = new CallSession(env, identity, undefined, leg);
    leg.peer = s;
    // The answered leg is in a conversation now (`call_progressing`, `tm_progressing`), as a bridged B leg is.
    env.journal.setStatus(leg.record, 'progressing');
    if (leg.session) leg.session.onRequest = (req, txn) => handleReinvite(s.reinviteCtx, leg, req, txn);
    s.startMaxTimer();
    return s;
  }

  /** Runs `callflow` (or nothing) and settles the call when it ends. */
  run(callflow: Callflow | undefined, capture: string): void {
    if (callflow === undefined) {
      this.flowDone = true;
      this.maybeFinish();
      return;
    }
    void this.env.executor.run(this, callflow, capture).then((end) => this.flowEnded(end));
  }

  get status(): FlowCall['status'] {
    if (this.gone) return 'gone';
    if (this.phase === 'bridged') return 'bridged';
    return this.phase === 'answered' ? 'answered' : 'unanswered';
  }

  /** Every leg of this call that is live (A, B). */
  get legs(): Array<InboundLeg | OutboundLeg> {
    return [this.a, this.b].filter((l): l is InboundLeg | OutboundLeg => l !== undefined);
  }

  // ---- FlowCall ------------------------------------------------------------------------------------

  async ring(req: RingRequest): Promise<RingOutcome> {
    if (!(await this.ready()) || this.gone) return { result: 'gone' };
    if (this.takenBy !== undefined) return { result: 'usurped' };
    if (this.claimed || this.phase === 'bridged') return { result: 'gone' };
    this.stopPlayer();
    return new Promise<RingOutcome>((resolve) => {
      const gc = this.env.groupcalls.create(
        {
          customerId: this.customerId,
          source: this.identity.source,
          masterCallId: this.id,
          ringMethod: req.ringMethod,
          members: req.members,
          failOnReject: req.failOnReject,
          ring: req.ring,
        },
        this,
        this.dialer,
      );
      this.ringing = { gc, resolve };
      gc.start();
    });
  }

  async answer(): Promise<boolean> {
    if (!(await this.ready()) || this.gone) return false;
    if (this.phase !== 'setup') return true;
    const a = this.a as InboundLeg;
    if (!a.accept(answerCodecs(a.offer.codecs))) return false;
    this.watch(a);
    this.phase = 'answered';
    this.startMaxTimer();
    return true;
  }

  async play(tone: FlowTone, ms: number): Promise<void> {
    if (!(await this.answer()) || this.phase !== 'answered') return;
    await this.tones.play(this.a!, tone, ms);
  }

  hangup(code?: number, reason?: string): void {
    if (this.gone) return;
    if (this.phase === 'setup') {
      const final = code !== undefined ? { status: code, reason } : callerFinal(this.lastFailure);
      const why =
        code === undefined
          ? callerHangupReason(this.lastFailure)
          : code === 486 || code === 600 || code === 603
            ? 'busy'
            : 'normal';
      this.rejectCaller(final.status, final.reason, { by: 'local', reason: why });
    } else this.endAll({ by: 'local', reason: 'normal' });
    this.maybeFinish();
  }

  /**
   * The pickup seam (pickup.md step 4): claims the ringing call for the call `byCallId` — a compare-and-set
   * against its members' answers (whichever comes first wins; a member answering later is ACKed and sent
   * BYE). When won, every groupcall it rings records `answer_call_id` = `byCallId`, emits
   * `groupcall_progressing` and cancels its legs as "completed elsewhere"; the flow ends with `usurp` (no
   * failure branch runs, the caller is not hung up). Answering and bridging the caller is the claimer's.
   * Found from a ringing leg: `engine.legs.get(leg.masterCallId).peer`.
   */
  claimFor(byCallId: string): boolean {
    if (!this.winnable) return false;
    this.claimed = true;
    this.takenBy = byCallId;
    this.ringing?.gc.answeredElsewhere(byCallId);
    return true;
  }

  // ---- PickupCall (pickup.md steps 4–5) -------------------------------------------------------------

  /** Ringing someone, not claimed or bridged, its caller still there. */
  get pickable(): boolean {
    return this.ringing !== undefined && this.winnable;
  }

  /** When ringd received the caller's INVITE (undefined for a call ringd placed). */
  get receivedAt(): number | undefined {
    return this.inbound?.receivedAt;
  }

  get alive(): boolean {
    return !this.gone;
  }

  /** The picker's leg, ready to be answered (record created; the endpoint comes with the answer). */
  async prepareLeg(): Promise<boolean> {
    return (await this.ready()) && !this.gone;
  }

  canJoin(caller: PickupCall): boolean {
    return caller instanceof CallSession && joinCodecs(this.aSide, caller.aSide) !== undefined;
  }

  /**
   * After `caller.claimFor(this.id)` won (same tick): the caller answered if ringd had not, then this
   * picker call, each with the one codec both share, and the two A endpoints bridged. False when that
   * cannot be done (then the claimed caller is hung up; answering the picker is the engine's).
   */
  joinWith(caller: PickupCall): boolean {
    if (!(caller instanceof CallSession) || caller.takenBy !== this.id) return false;
    const plan = joinCodecs(this.aSide, caller.aSide);
    const mine = this.a;
    const theirs = caller.a;
    const fail = (): false => {
      caller.hangup();
      return false;
    };
    if (plan === undefined || mine === undefined || theirs === undefined || this.gone) return fail();
    if (plan.y !== undefined) {
      if (theirs.role !== 'caller' || !theirs.accept(plan.y)) return fail();
      caller.watch(theirs);
    }
    if (plan.x !== undefined) {
      if (mine.role !== 'caller' || !mine.accept(plan.x)) return fail();
      this.watch(mine);
    }
    mine.record.chained_call_ids.push(caller.id);
    theirs.record.chained_call_ids.push(this.id);
    for (const s of [this, caller]) {
      s.stopPlayer();
      s.phase = 'bridged';
      s.startMaxTimer();
    }
    this.claimed = true;
    this.joined = caller;
    caller.joined = this;
    if (mine.media.endpoint && theirs.media.endpoint)
      this.env.media.bridge(mine.media.endpoint, theirs.media.endpoint);
    return true;
  }

  /**
   * REST pickup: how the legs that ring a picker for this call present themselves — this call's From and
   * offer — without counting as this call's ringing legs (no master call: they are not pickable).
   */
  pickerPresentation(): { identity: SessionIdentity; presentation: Presentation } {
    return { identity: this.identity, presentation: { ...this.presentation(), masterCallId: NIL_UUID } };
  }

  // ---- API and shutdown ----------------------------------------------------------------------------

  /** `POST /calls/{id}/hangup`: CANCEL everything and 480 while ringing, BYE both sides once answered. */
  apiHangup(): void {
    if (this.gone) return;
    const end: End = { by: 'local', reason: 'normal' };
    if (this.phase === 'setup') {
      this.stopRinging(CLEARING);
      this.rejectCaller(480, 'Temporarily Unavailable', end);
    } else this.endAll(end);
    this.maybeFinish();
  }

  /** Shutdown: 503 to a ringing caller, BYE to answered legs; every leg done at once. */
  abort(): void {
    this.gone = true;
    this.joined = undefined;
    this.stopPlayer();
    this.ringing?.gc.hangup(undefined, CLEARING);
    for (const leg of this.legs) leg.abort();
    if (this.a === undefined && this.inbound) this.inbound.invite.reject(503, 'Service Unavailable');
    this.flowDone = true;
    this.maybeFinish();
  }

  // ---- GroupcallParent (the groupcalls this call rings) ---------------------------------------------

  progress(child: GroupcallChild): void {
    if (this.ringing?.gc !== child || this.gone) return;
    if (this.phase === 'setup' && this.a?.role === 'caller') this.a.ringing();
  }

  claimable(child: GroupcallChild): boolean {
    return this.ringing?.gc === child && this.winnable;
  }

  commit(_child: GroupcallChild, legId: string): void {
    this.claimed = true;
    const leg = this.env.registry.get(legId);
    if (leg === undefined || leg.role !== 'callee') {
      this.env.log('error', 'answered leg not found', { callId: this.id, legId });
      return;
    }
    this.connect(leg as OutboundLeg);
    this.ringing?.resolve({ result: 'answered' });
  }

  ended(child: GroupcallChild, failure: Failure | undefined): void {
    const r = this.ringing;
    if (r === undefined || r.gc !== child) return;
    this.ringing = undefined;
    if (this.gone) r.resolve({ result: 'gone' });
    else if (this.takenBy !== undefined) r.resolve({ result: 'usurped' });
    else if (failure !== undefined && !this.claimed) {
      this.lastFailure = failure;
      r.resolve({ result: 'failed', failure });
    } else r.resolve({ result: 'answered' });
    this.maybeFinish();
  }

  // ---- LegPeer (A and B) ---------------------------------------------------------------------------

  legEnded(leg: LegCore, end: End): void {
    const other = leg === this.a ? this.b : leg === this.b ? this.a : undefined;
    if (leg !== this.a && leg !== this.b) return;
    this.gone = true;
    this.phase = 'ended';
    this.stopPlayer();
    this.maxTimer = this.env.timers.clear(this.maxTimer);
    other?.bye({ by: 'local', reason: end.reason });
    this.leaveJoined(end);
    if (leg === this.a && !this.claimed) this.stopRinging(ORIGINATOR_CANCEL);
    this.maybeFinish();
  }

  legDone(): void {
    this.maybeFinish();
  }

  // ---- internals ------------------------------------------------------------------------------------

  /** The caller leg, created (its record) the first time the flow needs it; its endpoint comes at answer. */
  private ready(): Promise<boolean> {
    return (this.readying ??= Promise.resolve(this.prepare()));
  }

  private prepare(): boolean {
    const s = this.inbound;
    if (this.a !== undefined) return true;
    if (s === undefined || this.gone) return false;
    const leg = InboundLeg.open(this.env, s, () => this.gone);
    if (leg === undefined) {
      this.gone = true;
      return false;
    }
    this.a = leg;
    leg.peer = this;
    return true;
  }

  /**
   * Whether the call can still be won — by a member's answer or by a pickup: nobody won it yet, it is not
   * bridged or gone, and its A leg is there to connect (answered already, or a caller ringd can still answer).
   */
  private get winnable(): boolean {
    const a = this.a;
    if (this.gone || this.claimed || this.phase === 'bridged' || a === undefined || a.done) return false;
    return this.phase !== 'setup' || (a.role === 'caller' && a.answerable);
  }

  private get aSide(): ASide {
    return { a: this.a, unanswered: this.phase === 'setup' };
  }

  /** How the legs this call rings present themselves, and which answers can be connected to A. */
  private presentation(): Presentation {
    return {
      customerId: this.customerId,
      masterCallId: this.id,
      source: this.identity.source,
      from: this.identity.from,
      to: this.identity.to,
      offer: () => calleeOffer(this.aSide),
      accepts: (codecs) => codecsToConnect(this.aSide, codecs).length > 0,
    };
  }

  /** The winner of a ring: A answered if needed, the endpoints bridged. */
  private connect(b: OutboundLeg): void {
    const a = this.a!;
    if (this.phase === 'setup' && a.role === 'caller') {
      if (!a.accept(codecsToConnect(this.aSide, b.media.codecs))) {
        // Cannot happen after `claimable` (same tick); be safe: the winner is hung up.
        b.bye({ by: 'local', reason: 'cancel' });
        return;
      }
      this.watch(a);
    }
    this.stopPlayer();
    this.b = b;
    b.peer = this;
    this.phase = 'bridged';
    if (a.media.endpoint && b.media.endpoint) this.env.media.bridge(a.media.endpoint, b.media.endpoint);
    if (b.session) b.session.onRequest = (req, txn) => handleReinvite(this.reinviteCtx, b, req, txn);
    this.env.journal.setStatus(b.record, 'progressing');
    this.startMaxTimer();
  }

  /** A's re-INVITEs answered locally. */
  private watch(a: InboundLeg): void {
    if (a.session) a.session.onRequest = (req, txn) => handleReinvite(this.reinviteCtx, a, req, txn);
  }

  private onCallerCancel(): void {
    if (this.gone) return;
    this.gone = true;
    this.stopPlayer();
    if (this.a?.role === 'caller') this.a.cancelled();
    this.stopRinging(ORIGINATOR_CANCEL);
    this.maybeFinish();
  }

  private stopRinging(failure: Failure): void {
    if (this.ringing !== undefined && !this.claimed) this.ringing.gc.hangup(undefined, failure);
  }

  private rejectCaller(status: number, reason: string | undefined, end: End): void {
    this.gone = true;
    this.phase = 'ended';
    this.stopPlayer();
    const a = this.a;
    if (a?.role === 'caller') a.reject(status, reason, end);
    else this.inbound?.invite.reject(status, reason);
  }

  /** BYE to every answered leg; anything still ringing stops. */
  private endAll(end: End): void {
    this.gone = true;
    this.phase = 'ended';
    this.stopPlayer();
    this.maxTimer = this.env.timers.clear(this.maxTimer);
    this.stopRinging(CLEARING);
    this.a?.bye(end);
    this.b?.bye(end);
    this.leaveJoined(end);
  }

  /** Pickup: tells the joined call that this one ended (once). */
  private leaveJoined(end: End): void {
    const j = this.joined;
    this.joined = undefined;
    if (j === undefined || j.joined !== this) return;
    j.joined = undefined;
    if (j.gone) return;
    j.endAll({ by: 'local', reason: end.reason });
    j.maybeFinish();
  }

  private flowEnded(end: FlowEnd): void {
    this.flowDone = true;
    if (end !== 'usurp' && !this.gone && this.phase !== 'bridged' && this.takenBy === undefined) {
      if (this.phase === 'setup') {
        const f = callerFinal(this.lastFailure);
        this.rejectCaller(f.status, f.reason, { by: 'local', reason: callerHangupReason(this.lastFailure) });
      } else this.endAll({ by: 'local', reason: 'normal' });
    }
    this.maybeFinish();
  }

  private startMaxTimer(): void {
    if (this.maxTimer !== undefined) return;
    this.maxTimer = this.env.timers.set(this.env.maxCallDuration, () => {
      this.maxTimer = undefined;
      if (!this.gone) this.endAll({ by: 'local', reason: 'timeout' });
      this.maybeFinish();
    });
  }

  private stopPlayer(): void {
    this.tones.stop();
  }

  /** Released once the flow ended, A and B are done, and no leg it rang is left. */
  private maybeFinish(): void {
    if (this.released || !this.flowDone) return;
    if (this.a !== undefined ? !this.a.done : !this.gone) return;
    if (this.b !== undefined && !this.b.done) return;
    if (this.ringing !== undefined || this.legsAlive > 0) return;
    this.released = true;
    this.maxTimer = this.env.timers.clear(this.maxTimer);
    this.stopPlayer();
    if (this.inbound) this.inbound.invite.onCancel = undefined;
    this.env.finished(this);
  }

  private get reinviteCtx(): ReinviteContext {
    return {
      media: this.env.media,
      ua: this.env.ua,
      peerOf: (l) =>
        this.phase !== 'bridged' ? undefined : l === this.a ? (this.b ?? this.joined?.a) : this.a,
      log: this.env.log,
    };
  }
}
