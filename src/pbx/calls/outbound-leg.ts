/**
 * One INVITE ringd sends (a groupcall member, or a REST call): a state machine driven by the UA's reports
 * and its ring timer. `new` (endpoint being allocated) → `inviting` → `answered` | `ended`, with
 * `canceling` after our CANCEL. It reports to the groupcall that dialed it (`LegListener`): progress, the
 * answer claim (synchronous: a refused 2xx — another leg won, or our CANCEL crossed it — is ACKed by the
 * UA and sent BYE here), and once that it is out (`ended`), with its failure. A leg that won is connected
 * by its owner (`peer`), and reports `ended` without failure when its conversation is over.
 */
import { parseAudio } from '../../media/sdp/index.ts';
import type { Codec, MediaDirection } from '../../media/types.ts';
import type { TimerHandle } from '../../sip/clock.ts';
import type { SipResponse } from '../../sip/message/index.ts';
import type { InviteFailure, OutgoingInvite, Session } from '../../sip/ua/index.ts';
import { NO_ANSWER, failureOfStatus, type Failure } from '../groupcall/failure.ts';
import type { DialRequest, DialTarget, LegHandle, LegListener, RingContext } from '../groupcall/types.ts';
import { address } from './call-journal.ts';
import { LegMedia } from './leg-media.ts';
import { LegCore, reasonOf, type End, type LegEnv } from './legs.ts';
import type { Call } from './types.ts';

/** How the legs of one owner present themselves, and what answers they can use. */
export interface Presentation {
  customerId: string;
  /** The caller call (`master_call_id` of the legs), or the nil UUID. */
  masterCallId: string;
  /** `flow_id` of the legs' records (REST calls). */
  flowId?: string;
  /** `source` of the legs' records. */
  source: Call['source'];
  /** From of the INVITEs. */
  from: string;
  /** To of the INVITEs (default: the target URI). */
  to?: string;
  /** What to offer (evaluated when the INVITE is sent). */
  offer(): { codecs: Codec[]; direction: MediaDirection };
  /** Whether an answer with `codecs` can be connected. */
  accepts(codecs: readonly Codec[]): boolean;
}

/** Where an outbound leg stands. */
export type OutboundState = 'new' | 'inviting' | 'canceling' | 'answered' | 'ended';

const LOSE_RACE: Failure = { cause: 'LOSE_RACE', sipCode: 487 };
const CLEARING: Failure = { cause: 'NORMAL_CLEARING', sipCode: 487 };

/** The record's end for a leg we stopped because of `f`. */
function endOf(f: Failure): End {
  switch (f.cause) {
    case 'NO_ANSWER':
      return { by: 'local', reason: 'noanswer' };
    case 'LOSE_RACE':
    case 'ORIGINATOR_CANCEL':
      return { by: 'local', reason: 'cancel' };
    case 'NORMAL_CLEARING':
      return { by: 'local', reason: 'normal' };
    case 'PICKED_UP':
      return { by: 'local', reason: 'pickedup' };
    default:
      return { by: 'local', reason: 'failed' };
  }
}

function destinationOf(req: DialRequest): Call['destination'] {
  const t = req.target;
  if (t.kind === 'contact')
    return address('device', {
      target: t.device.id,
      target_name: t.device.sipUsername,
      detail: t.binding.contact,
    });
  return { ...req.address, detail: t.uri };
}

/** One outbound leg; see the module comment. */
export class OutboundLeg extends LegCore implements LegHandle {
  readonly role = 'callee' as const;
  state: OutboundState = 'new';
  out: OutgoingInvite | undefined;
  /** How its INVITE failed, when it did. */
  failure: InviteFailure | undefined;
  /** Its answer won the claim: it is (or was) connected. */
  won = false;
  /** Arrival order among all legs (pickup: oldest first). */
  readonly arrival: number;
  readonly target: DialTarget;
  readonly ring: RingContext;
  readonly groupcallId: string;
  readonly masterCallId: string;
  private reported = false;
  /** A provisional response carried a body (early-media SDP): the peer may have sent media. */
  private peerSdp = false;
  /** What `fail` ends the leg with (reported to the groupcall once the record is `hangup`). */
  private failedWith: Failure | undefined;
  private ringTimer: TimerHandle | undefined;

  constructor(
    env: LegEnv,
    private readonly req: DialRequest,
    private readonly pres: Presentation,
    private readonly listener: LegListener,
    private readonly onDone?: (leg: OutboundLeg) => void,
  ) {
    super(
      env,
      env.journal.create({
        id: req.id,
        customerId: pres.customerId,
        direction: 'outgoing',
        source: pres.source,
        destination: destinationOf(req),
        masterCallId: pres.masterCallId,
        groupcallId: req.groupcallId,
        flowId: pres.flowId,
      }),
      new LegMedia(undefined, env.sdpSessionId()),
    );
    this.target = req.target;
    this.ring = req.ring;
    this.groupcallId = req.groupcallId;
    this.masterCallId = pres.masterCallId;
    this.arrival = env.registry.add(this);
  }

  /** Allocates the endpoint, sends the INVITE, starts the ring timer. */
  async start(): Promise<void> {
    const env = this.env;
    let endpoint;
    env.allocating.count++;
    try {
      endpoint = await env.media.allocate();
    } catch (e) {
      env.log('warn', 'no media endpoint for a leg', { callId: this.id, err: e });
      this.fail({ cause: 'SWITCH_CONGESTION', sipCode: 503 }, { by: 'local', reason: 'failed' });
      return;
    } finally {
      env.allocating.count--;
    }
    if (this.state !== 'new') {
      endpoint.close({ unanswered: true }); // cancelled while the endpoint was being allocated
      return;
    }
    this.media.attach(endpoint);
    const offer = this.pres.offer();
    if (offer.codecs.length === 0) {
      this.fail({ cause: 'INCOMPATIBLE_DESTINATION', sipCode: 488 }, { by: 'local', reason: 'failed' });
      return;
    }
    const t = this.target;
    const uri = t.kind === 'contact' ? t.binding.contact : t.uri;
    let out: OutgoingInvite;
    try {
      out = env.ua.invite({
        uri,
        destination: t.kind === 'contact' ? t.binding.source : undefined,
        from: this.pres.from,
        to: this.pres.to ?? `<${uri}>`,
        body: this.media.describe(offer.codecs, offer.direction),
        contentType: 'application/sdp',
      });
    } catch (e) {
      env.log('warn', 'leg INVITE not sent', { callId: this.id, uri, err: e });
      this.fail({ cause: 'NORMAL_TEMPORARY_FAILURE', sipCode: 503 }, { by: 'local', reason: 'failed' });
      return;
    }
    this.out = out;
    this.state = 'inviting';
    env.journal.dialing(this.record);
    env.registry.ringing(this);
    out.onProgress = (res) => this.onProgress(res);
    out.onAnswer = (session, res) => this.onAnswer(session, res);
    out.onFailure = (f) => this.onFailure(f);
    this.ringTimer = env.timers.set(this.req.ringTimeoutMs, () => {
      this.ringTimer = undefined;
      this.cancel(NO_ANSWER);
    });
  }

  // ---- LegHandle -------------------------------------------------------------------------------------

  /**
   * CANCEL while ringing (`Reason` headers as given); the leg is out at once, its record `canceling` until
   * the final response — or, when the callee ignores the CANCEL, the transaction's give-up 64·T1 later
   * (RFC 3261 §9.1). Before the INVITE was sent: nothing is sent, the leg ends.
   */
  cancel(failure: Failure, headers?: Array<[string, string]>): void {
    const end = endOf(failure);
    if (this.state === 'new') {
      this.state = 'ended';
      this.report(failure);
      this.markDone(end);
      return;
    }
    if (this.state !== 'inviting') return;
    this.state = 'canceling';
    this.ringTimer = this.env.timers.clear(this.ringTimer);
    // The endpoint stays until the final response says whether the callee answered (a 2xx crossing the
    // CANCEL): a 487 lets its ports serve the next call at once (`fail`), anything else quarantines them.
    this.env.registry.stoppedRinging(this);
    this.env.journal.setStatus(this.record, 'canceling', end);
    this.out?.cancel(headers);
    this.report(failure);
  }

  /** BYE when answered (its conversation is told), else `cancel`. */
  hangup(): void {
    if (this.state === 'answered') {
      const end: End = { by: 'local', reason: 'normal' };
      this.bye(end);
      this.peer?.legEnded(this, end);
    } else this.cancel(CLEARING);
  }

  /** Shutdown: CANCEL / BYE sent, the leg done at once. */
  abort(): void {
    this.ringTimer = this.env.timers.clear(this.ringTimer);
    if (this.state === 'inviting') this.out?.cancel();
    else if (this.state === 'answered' && this.session && !this.session.isEnded && !this.byeSent) {
      this.byeSent = true;
      void this.session.bye();
    }
    if (this.state !== 'answered') this.state = 'ended';
    this.report(CLEARING);
    this.markDone({ by: 'local', reason: 'failed' });
  }

  // ---- UA reports ------------------------------------------------------------------------------------

  private onProgress(res: SipResponse): void {
    if (res.bodyLength > 0) this.peerSdp = true;
    if (res.status <= 100 || this.state !== 'inviting') return;
    this.env.journal.setStatus(this.record, 'ringing');
    this.listener.progress(this);
  }

  private onAnswer(session: Session, res: SipResponse): void {
    this.session = session;
    if (this.done || this.state === 'ended') {
      void session.bye(); // answered after we gave up on it: the UA ACKed, we hang up
      return;
    }
    session.onEnd = (cause) => this.sessionEnded(cause);
    this.ringTimer = this.env.timers.clear(this.ringTimer);
    this.env.registry.stoppedRinging(this);
    if (this.state !== 'inviting') {
      // Our CANCEL crossed its 2xx: the UA ACKed it, we send BYE.
      this.state = 'answered';
      this.bye({ by: 'local', reason: 'cancel' });
      return;
    }
    this.state = 'answered';
    const parsed = parseAudio(res.body);
    if (!parsed.ok || parsed.audio.port === 0 || !this.pres.accepts(parsed.audio.codecs)) {
      this.env.log('info', 'leg answer unusable', {
        callId: this.id,
        why: parsed.ok ? 'no common codec' : parsed.reason,
      });
      this.failure = { status: 488, cause: 'rejected' };
      this.bye({ by: 'local', reason: 'failed' });
      this.report({ cause: 'INCOMPATIBLE_DESTINATION', sipCode: 488 });
      return;
    }
    this.media.codecs = parsed.audio.codecs;
    this.media.setRemote(parsed.audio);
    if (!this.listener.answered(this)) {
      // Lost the race (another leg won, the caller is gone, a pickup claimed the call): ACKed, BYE.
      this.bye({ by: 'local', reason: 'cancel' });
      this.report(LOSE_RACE);
      return;
    }
    this.won = true;
  }

  private onFailure(f: InviteFailure): void {
    this.failure ??= f;
    if (this.done) return;
    this.ringTimer = this.env.timers.clear(this.ringTimer);
    const end: End =
      f.cause === 'rejected'
        ? { by: 'remote', reason: reasonOf(f.status) }
        : { by: 'local', reason: reasonOf(f.status) };
    this.fail(failureOfStatus(f.status), end);
  }

  private fail(failure: Failure, end: End): void {
    // Never answered, and refused with a final response (or never invited), no early-media SDP: the callee
    // had no reason to send media to our endpoint, which may then serve the next call without quarantine.
    if (
      this.state !== 'answered' &&
      !this.peerSdp &&
      (this.out === undefined || this.failure?.cause === 'rejected')
    )
      this.media.release({ unanswered: true });
    if (this.state !== 'answered') this.state = 'ended';
    this.ringTimer = this.env.timers.clear(this.ringTimer);
    // The record reaches `hangup` before the groupcall hears of it (`afterDone` reports `failure`): a linear
    // groupcall's next leg then starts after this one's `call_hangup`, not before it.
    this.failedWith = failure;
    this.markDone(end);
  }

  /** Tells the groupcall, once. */
  private report(failure: Failure | undefined): void {
    if (this.reported) return;
    this.reported = true;
    this.listener.ended(this, failure);
  }

  protected override afterDone(): void {
    this.ringTimer = this.env.timers.clear(this.ringTimer);
    this.report(this.won ? undefined : (this.failedWith ?? failureOfStatus(this.failure?.status ?? 487)));
    this.onDone?.(this);
  }
}
