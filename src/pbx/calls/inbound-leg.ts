/**
 * The caller's leg: the INVITE ringd received. ringd relays 180 once (`ringing`), answers it with its own
 * endpoint (`accept`), or refuses it (`reject`). Its record (`incoming`, destination = the dialed number)
 * is created with the leg — only once the call needs it (a call refused before anything rang, e.g. a
 * pickup placeholder's 480, leaves no record, as in issue 4).
 *
 * The caller's media endpoint is allocated only when the caller is about to be answered (`openMedia`):
 * nothing is sent to the caller before its 200, so a call that only rings holds no socket on its caller
 * side — 10 000 ringing calls then need 10 000 sockets, not 20 000 (the open-file limit is what caps
 * concurrent calls on one host; see docs/performance.md).
 */
import type { AudioDescription, Codec } from '../../media/types.ts';
import type { IncomingInvite } from '../../sip/ua/index.ts';
import { address } from './call-journal.ts';
import { LegMedia, mirrorDirection } from './leg-media.ts';
import { LegCore, type End, type LegEnv } from './legs.ts';
import type { Call } from './types.ts';

/** What the caller leg's record is made of. */
export interface InboundLegSetup {
  id: string;
  customerId: string;
  source: Call['source'];
  dialed: string;
  flowId: string;
}

/** The caller's leg. */
export class InboundLeg extends LegCore {
  readonly role = 'caller' as const;
  private ringingSent = false;

  constructor(
    env: LegEnv,
    readonly invite: IncomingInvite,
    /** The caller's offer. */
    readonly offer: AudioDescription,
    p: InboundLegSetup,
  ) {
    super(
      env,
      env.journal.create({
        id: p.id,
        customerId: p.customerId,
        direction: 'incoming',
        source: p.source,
        destination: address('extension', { target: p.dialed, target_name: p.dialed }),
        flowId: p.flowId,
        chainedCallIds: [],
      }),
      new LegMedia(undefined, env.sdpSessionId()),
    );
    env.registry.add(this);
  }

  /**
   * Creates the leg (and its record); undefined — nothing kept — when the caller has gone meanwhile
   * (`gone()`) or can no longer be answered (then it got 503).
   */
  static open(
    env: LegEnv,
    s: Omit<InboundLegSetup, 'flowId'> & {
      invite: IncomingInvite;
      offer: AudioDescription;
      callflow: { id: string };
    },
    gone: () => boolean,
  ): InboundLeg | undefined {
    if (gone() || s.invite.state !== 'proceeding') {
      if (!gone()) s.invite.reject(503, 'Service Unavailable');
      return undefined;
    }
    return new InboundLeg(env, s.invite, s.offer, {
      id: s.id,
      customerId: s.customerId,
      source: s.source,
      dialed: s.dialed,
      flowId: s.callflow.id,
    });
  }

  /**
   * Gives the caller its endpoint, the moment it is answered (`MediaPlane.allocateNow`, synchronous, so
   * the answer stays atomic with the claim that chose it). False when it cannot be answered: it went away,
   * or no endpoint could be had — then it got 503, the leg is done and its conversation is told.
   */
  private openMedia(): boolean {
    if (this.media.open) return true;
    if (!this.answerable) return false;
    try {
      this.media.attach(this.env.media.allocateNow());
      return true;
    } catch (e) {
      this.env.log('error', 'media allocation failed', { callId: this.id, err: e });
      const end: End = { by: 'local', reason: 'failed' };
      this.reject(503, 'Service Unavailable', end);
      this.peer?.legEnded(this, end);
      return false;
    }
  }

  /** Still unanswered and not cancelled. */
  get answerable(): boolean {
    return this.invite.state === 'proceeding' && !this.done;
  }

  /** 180 Ringing to the caller, once; record `ringing`. */
  ringing(): void {
    if (this.ringingSent || !this.answerable) return;
    this.ringingSent = true;
    this.invite.progress(180);
    this.env.journal.setStatus(this.record, 'ringing');
  }

  /**
   * 200 OK with our endpoint (allocated now) and `codecs`; false when the INVITE can no longer be answered
   * or no endpoint could be had (then the caller got 503).
   */
  accept(codecs: Codec[]): boolean {
    if (!this.answerable || !this.openMedia()) return false;
    this.media.codecs = codecs;
    this.media.setRemote(this.offer);
    const sdp = this.media.describe(codecs, mirrorDirection(this.offer.direction));
    const session = this.invite.accept({ body: sdp, contentType: 'application/sdp' });
    if (session === undefined) return false;
    this.session = session;
    session.onEnd = (cause) => this.sessionEnded(cause);
    this.env.journal.setStatus(this.record, 'progressing');
    return true;
  }

  /** A final failure response; the leg is done. */
  reject(status: number, reason: string | undefined, end: End): void {
    this.invite.reject(status, reason);
    this.markDone(end);
  }

  /** The caller sent CANCEL (the UA answered 487): record `canceling` → `hangup`. */
  cancelled(): void {
    const end: End = { by: 'remote', reason: 'cancel' };
    this.env.journal.setStatus(this.record, 'canceling', end);
    this.markDone(end);
  }

  /** Shutdown: 503 when unanswered, BYE when answered; done at once. */
  abort(): void {
    const end: End = { by: 'local', reason: 'failed' };
    if (this.answerable) this.invite.reject(503, 'Service Unavailable');
    else if (this.session !== undefined && !this.session.isEnded && !this.byeSent) {
      this.byeSent = true;
      void this.session.bye();
    }
    this.markDone(end);
  }
}
