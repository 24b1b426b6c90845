/**
 * One B2BUA call: the caller leg and its callee legs (a plain fork), as a state machine driven by SIP
 * events, the ring timer and the API. Phases: `ringing` (callee INVITEs out) → `answered` (first 2xx won
 * the claim; the two endpoints are bridged) → `ended`; the call is released once every leg is `done`.
 *
 * - First 180/183 from a callee → 180 to the caller (once). First usable 2xx wins; the other legs get
 *   CANCEL with `Reason: SIP;cause=200;text="Call completed elsewhere"`; a 2xx arriving after that is
 *   ACKed (by the UA) and sent BYE.
 * - Every callee failing → the caller gets 486 if any was busy, else 603 if any declined, else 480.
 * - Ring timeout → CANCEL everything, 480 `noanswer`. Caller CANCEL → CANCEL everything.
 * - BYE from either side → BYE to the other. Max duration → BYE both (`timeout`).
 * - re-INVITEs are answered locally (`reinvite.ts`).
 */
import type { AudioDescription, MediaEndpoint, MediaPlane } from '../../media/types.ts';
import { answerCodecs, offerCodecs, parseAudio } from '../../media/sdp/index.ts';
import type {
  IncomingInvite,
  InviteFailure,
  Session,
  SessionEndCause,
  UserAgent,
} from '../../sip/ua/index.ts';
import type { CallJournal } from './call-journal.ts';
import type { EngineTimers } from './engine-timers.ts';
import { mirrorDirection } from './leg-media.ts';
import { newCalleeLeg, newCallerLeg, type CalleeLeg, type CallerLeg, type Leg } from './legs.ts';
import { handleReinvite } from './reinvite.ts';
import type { Target } from './routing.ts';
import type { Call, CallLog, HangupReason } from './types.ts';

/** RFC 3326 reason on the CANCELs of the legs that lost to an answer. */
export const ANSWERED_ELSEWHERE: Array<[string, string]> = [
  ['Reason', 'SIP;cause=200;text="Call completed elsewhere"'],
];

/** What a call needs from its engine. */
export interface CallEnv {
  ua: UserAgent;
  media: MediaPlane;
  journal: CallJournal;
  timers: EngineTimers;
  log: CallLog;
  /** ms */
  maxCallDuration: number;
  /** A fresh `o=` session id. */
  sdpSessionId(): string;
  /** The call is over: forget it. */
  finished(call: B2bCall): void;
}

/** Everything the engine resolved before the call starts. */
export interface CallSetup {
  callerId: string;
  customerId: string;
  invite: IncomingInvite;
  offer: AudioDescription;
  callerEndpoint: MediaEndpoint;
  callees: Array<{ id: string; target: Target; endpoint: MediaEndpoint }>;
  flowId: string;
  /** Caller's device address (source of every leg) and the dialed extension. */
  source: Call['source'];
  dialed: string;
  /** From and To of the callee INVITEs. */
  from: string;
  to: string;
  ringTimeoutMs: number;
}

type End = { by: 'local' | 'remote'; reason: HangupReason };

export type CallPhase = 'ringing' | 'answered' | 'ended';

export class B2bCall {
  readonly caller: CallerLeg;
  readonly callees: CalleeLeg[];
  phase: CallPhase = 'ringing';
  answered: CalleeLeg | undefined;
  private ringingSent = false;
  private ringTimer: ReturnType<EngineTimers['set']> | undefined;
  private maxTimer: ReturnType<EngineTimers['set']> | undefined;
  private released = false;

  constructor(
    private readonly env: CallEnv,
    private readonly setup: CallSetup,
  ) {
    const calleeIds = setup.callees.map((c) => c.id);
    this.caller = newCallerLeg(env.journal, { ...setup, calleeIds, sessionId: env.sdpSessionId() });
    this.callees = setup.callees.map((c) =>
      newCalleeLeg(env.journal, {
        id: c.id,
        customerId: setup.customerId,
        callerId: setup.callerId,
        source: setup.source,
        target: c.target,
        endpoint: c.endpoint,
        sessionId: env.sdpSessionId(),
      }),
    );
  }

  /** Every leg, caller first. */
  get legs(): Leg[] {
    return [this.caller, ...this.callees];
  }

  /** Sends the callee INVITEs and starts the ring timer. */
  start(): void {
    this.caller.invite.onCancel = () => this.onCallerCancel();
    this.ringTimer = this.env.timers.set(this.setup.ringTimeoutMs, () => this.onRingTimeout());
    const offered = this.setup.offer;
    for (const leg of this.callees) {
      if (this.phase !== 'ringing') break;
      const body = leg.media.describe(offerCodecs(offered.codecs), offered.direction);
      try {
        const out = this.env.ua.invite({
          uri: leg.target.binding.contact,
          destination: leg.target.binding.source,
          from: this.setup.from,
          to: this.setup.to,
          body,
          contentType: 'application/sdp',
        });
        leg.out = out;
        leg.state = 'inviting';
        this.env.journal.dialing(leg.record);
        out.onProgress = (res) => this.onCalleeProgress(leg, res.status);
        out.onAnswer = (session, res) => this.onCalleeAnswer(leg, session, res.body);
        out.onFailure = (f) => this.onCalleeFailure(leg, f);
      } catch (e) {
        this.env.log('warn', 'callee INVITE not sent', { callId: leg.record.id, err: e });
        this.onCalleeFailure(leg, { status: 503, cause: 'transport-error' });
      }
    }
    // Legs never started (the call ended while starting them) are closed here.
    for (const leg of this.callees)
      if (leg.state === 'new') this.endCallee(leg, { by: 'local', reason: 'failed' });
    this.maybeFinish();
  }

  /** API hangup of one leg (`id`): ends the whole call, or cancels that one ringing callee. */
  hangup(id: string): Call {
    const leg = this.legs.find((l) => l.record.id === id);
    if (leg === undefined) throw new Error(`leg ${id} not in call`);
    const end: End = { by: 'local', reason: 'normal' };
    if (this.phase === 'ringing') {
      if (leg.role === 'callee') {
        this.cancelCallee(leg, end);
        if (!this.callees.some((l) => l.state === 'inviting'))
          this.rejectCaller(480, 'Temporarily Unavailable', end);
      } else {
        for (const l of this.callees) this.cancelCallee(l, end);
        this.rejectCaller(480, 'Temporarily Unavailable', end);
      }
    } else if (this.phase === 'answered') {
      this.endConversation(end, end);
    }
    this.maybeFinish();
    return leg.record;
  }

  /** Ends the call now, whatever its phase (engine shutdown). */
  abort(): void {
    const end: End = { by: 'local', reason: 'failed' };
    if (this.phase === 'ringing') {
      for (const l of this.callees) this.cancelCallee(l, end);
      this.rejectCaller(503, 'Service Unavailable', end);
    } else if (this.phase === 'answered') this.endConversation(end, end);
    for (const leg of this.legs) this.markDone(leg, end);
    this.maybeFinish();
  }

  // ---- callee events ------------------------------------------------------------------------------

  private onCalleeProgress(leg: CalleeLeg, status: number): void {
    if (status <= 100 || leg.state !== 'inviting' || this.phase !== 'ringing') return;
    this.env.journal.setStatus(leg.record, 'ringing');
    if (this.ringingSent) return;
    this.ringingSent = true;
    this.caller.invite.progress(180);
    this.env.journal.setStatus(this.caller.record, 'ringing');
  }

  private onCalleeAnswer(leg: CalleeLeg, session: Session, body: Buffer): void {
    leg.session = session;
    if (leg.done || leg.state === 'ended') {
      void session.bye(); // answered after we gave up on it: the UA ACKed, we hang up
      return;
    }
    session.onEnd = (cause) => this.onSessionEnd(leg, cause);
    if (this.phase !== 'ringing' || leg.state !== 'inviting') {
      // Lost the race (another leg answered, or our CANCEL crossed its 2xx) or the caller is gone: the UA
      // ACKed it, we send BYE.
      leg.state = 'answered';
      this.byeLeg(leg, { by: 'local', reason: 'cancel' });
      this.maybeFinish();
      return;
    }
    const parsed = parseAudio(body);
    const answer =
      parsed.ok && parsed.audio.port > 0 ? answerCodecs(this.caller.offer.codecs, parsed.audio.codecs) : [];
    if (!parsed.ok || answer.length === 0) {
      this.env.log('info', 'callee answer unusable', {
        callId: leg.record.id,
        why: parsed.ok ? 'no common codec' : parsed.reason,
      });
      leg.state = 'answered';
      leg.failure = { status: 488, cause: 'rejected' };
      this.byeLeg(leg, { by: 'local', reason: 'failed' });
      this.afterCalleeFailure();
      return;
    }
    // The claim: this leg wins.
    this.phase = 'answered';
    this.answered = leg;
    leg.state = 'answered';
    this.ringTimer = this.env.timers.clear(this.ringTimer);
    for (const other of this.callees)
      if (other !== leg) this.cancelCallee(other, { by: 'local', reason: 'cancel' }, ANSWERED_ELSEWHERE);
    const caller = this.caller;
    leg.media.codecs = parsed.audio.codecs;
    leg.media.setRemote(parsed.audio);
    caller.media.codecs = answer;
    caller.media.setRemote(caller.offer);
    if (caller.media.endpoint && leg.media.endpoint)
      this.env.media.bridge(caller.media.endpoint, leg.media.endpoint);
    const sdp = caller.media.describe(answer, mirrorDirection(caller.offer.direction));
    const callerSession = caller.invite.accept({ body: sdp, contentType: 'application/sdp' });
    if (callerSession === undefined) {
      // The caller went away in the same instant: hang up the winner.
      this.phase = 'ended';
      this.markDone(caller, { by: 'remote', reason: 'cancel' });
      this.byeLeg(leg, { by: 'local', reason: 'cancel' });
      this.maybeFinish();
      return;
    }
    caller.session = callerSession;
    callerSession.onEnd = (cause) => this.onSessionEnd(caller, cause);
    callerSession.onRequest = (req, txn) => handleReinvite(this.reinviteCtx, caller, req, txn);
    session.onRequest = (req, txn) => handleReinvite(this.reinviteCtx, leg, req, txn);
    this.env.journal.setStatus(leg.record, 'progressing');
    this.env.journal.setStatus(caller.record, 'progressing');
    this.maxTimer = this.env.timers.set(this.env.maxCallDuration, () => {
      this.maxTimer = undefined;
      if (this.phase !== 'answered') return;
      const end: End = { by: 'local', reason: 'timeout' };
      this.endConversation(end, end);
      this.maybeFinish();
    });
  }

  private onCalleeFailure(leg: CalleeLeg, f: InviteFailure): void {
    leg.failure ??= f;
    if (leg.done) return;
    const end: End =
      f.cause === 'rejected'
        ? { by: 'remote', reason: reasonOf(f.status) }
        : { by: 'local', reason: reasonOf(f.status) };
    this.endCallee(leg, end);
    this.afterCalleeFailure();
  }

  /** A callee dropped out while ringing: when none is left, the caller gets the mapped final. */
  private afterCalleeFailure(): void {
    if (this.phase === 'ringing' && !this.callees.some((l) => l.state === 'inviting' || l.state === 'new')) {
      const statuses = this.callees.map((l) => l.failure?.status ?? 480);
      if (statuses.includes(486)) this.rejectCaller(486, 'Busy Here', { by: 'local', reason: 'busy' });
      else if (statuses.includes(603)) this.rejectCaller(603, 'Decline', { by: 'local', reason: 'busy' });
      else {
        const noAnswer = statuses.every((s) => s === 408 || s === 480 || s === 487);
        this.rejectCaller(480, 'Temporarily Unavailable', {
          by: 'local',
          reason: noAnswer ? 'noanswer' : 'failed',
        });
      }
    }
    this.maybeFinish();
  }

  // ---- caller events and timers --------------------------------------------------------------------

  private onCallerCancel(): void {
    if (this.phase !== 'ringing') return;
    this.phase = 'ended';
    this.ringTimer = this.env.timers.clear(this.ringTimer);
    this.env.journal.setStatus(this.caller.record, 'canceling', { by: 'remote', reason: 'cancel' });
    this.caller.media.release();
    for (const l of this.callees) this.cancelCallee(l, { by: 'local', reason: 'cancel' });
    this.maybeFinish();
  }

  private onRingTimeout(): void {
    this.ringTimer = undefined;
    if (this.phase !== 'ringing') return;
    const end: End = { by: 'local', reason: 'noanswer' };
    for (const l of this.callees) this.cancelCallee(l, end);
    this.rejectCaller(480, 'Temporarily Unavailable', end);
    this.maybeFinish();
  }

  private onSessionEnd(leg: Leg, cause: SessionEndCause): void {
    if (leg.byeSent || leg.done) return; // our own BYE
    const end: End =
      cause === 'remote-bye' ? { by: 'remote', reason: 'normal' } : { by: 'local', reason: 'failed' };
    this.markDone(leg, end);
    if (this.phase === 'answered' && (leg === this.caller || leg === this.answered)) {
      const other = leg === this.caller ? this.answered : this.caller;
      this.phase = 'ended';
      if (other) this.byeLeg(other, { by: 'local', reason: end.reason });
    }
    this.maybeFinish();
  }

  // ---- actions ------------------------------------------------------------------------------------

  /** Both sides of an answered call get BYE. */
  private endConversation(callerEnd: End, calleeEnd: End): void {
    this.phase = 'ended';
    this.byeLeg(this.caller, callerEnd);
    if (this.answered) this.byeLeg(this.answered, calleeEnd);
  }

  private rejectCaller(status: number, reason: string, end: End): void {
    this.phase = 'ended';
    this.ringTimer = this.env.timers.clear(this.ringTimer);
    this.caller.invite.reject(status, reason);
    this.markDone(this.caller, end);
  }

  /**
   * CANCEL for a ringing callee; the leg ends on its final response — or, when the callee ignores the
   * CANCEL, on the transaction's own give-up 64·T1 later (RFC 3261 §9.1), reported as a 487 failure.
   */
  private cancelCallee(leg: CalleeLeg, end: End, headers?: Array<[string, string]>): void {
    if (leg.state === 'new') {
      this.endCallee(leg, end);
      return;
    }
    if (leg.state !== 'inviting') return;
    leg.state = 'canceling';
    leg.media.release();
    this.env.journal.setStatus(leg.record, 'canceling', end);
    leg.out?.cancel(headers);
  }

  private endCallee(leg: CalleeLeg, end: End): void {
    if (leg.state !== 'answered') leg.state = 'ended';
    this.markDone(leg, end);
  }

  /** BYE to an answered leg; its record moves to `terminating`, then `hangup` on the BYE's response. */
  private byeLeg(leg: Leg, end: End): void {
    if (leg.done || leg.byeSent) return;
    leg.media.release();
    const session = leg.session;
    if (session === undefined || session.isEnded) {
      this.markDone(leg, end);
      return;
    }
    leg.byeSent = true;
    this.env.journal.setStatus(leg.record, 'terminating', end);
    void session.bye().then(() => {
      this.markDone(leg, end);
      this.maybeFinish();
    });
  }

  /** The leg's record reaches `hangup`; its media is released. */
  private markDone(leg: Leg, end: End): void {
    leg.media.release();
    if (leg.done) return;
    leg.done = true;
    this.env.journal.setStatus(leg.record, 'hangup', end);
  }

  /** Once the call has ended and every leg is done: timers cleared, the engine forgets the call. */
  private maybeFinish(): void {
    if (this.released || this.phase !== 'ended') return;
    if (this.callees.some((l) => !l.done)) return;
    if (!this.caller.done) {
      if (this.caller.byeSent) return;
      this.markDone(this.caller, { by: 'remote', reason: 'cancel' }); // a cancelled caller: `canceling` → `hangup`
    }
    this.released = true;
    this.ringTimer = this.env.timers.clear(this.ringTimer);
    this.maxTimer = this.env.timers.clear(this.maxTimer);
    for (const l of this.legs) l.media.release();
    this.caller.invite.onCancel = undefined;
    this.env.finished(this);
  }

  private get reinviteCtx() {
    return { media: this.env.media, ua: this.env.ua, peerOf: (l: Leg) => this.peerOf(l), log: this.env.log };
  }

  private peerOf(leg: Leg): Leg | undefined {
    if (this.phase !== 'answered') return undefined;
    return leg === this.caller ? this.answered : this.caller;
  }
}

/** hangup_reason of a callee leg that failed with `status`. */
function reasonOf(status: number): HangupReason {
  if (status === 486 || status === 600 || status === 603) return 'busy';
  if (status === 408 || status === 480) return 'noanswer';
  if (status === 487) return 'cancel';
  return 'failed';
}
