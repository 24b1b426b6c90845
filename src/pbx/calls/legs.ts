/**
 * What every leg of the call engine is: one SIP dialog (the INVITE we received — `InboundLeg` — or one we
 * sent — `OutboundLeg`), its media endpoint and its `Call` record. `LegCore` holds what both share: BYE,
 * and the leg reaching its end (`done`: record `hangup`, media released, out of the registry).
 */
import type { Session } from '../../sip/ua/index.ts';
import type { CallJournal } from './call-journal.ts';
import type { EngineTimers } from './engine-timers.ts';
import type { LegMedia } from './leg-media.ts';
import type { LegRegistry } from './leg-registry.ts';
import type { Call, CallLog, HangupReason } from './types.ts';
import type { MediaPlane } from '../../media/types.ts';
import type { UserAgent } from '../../sip/ua/index.ts';

/** Who ended a leg and why (the record's `hangup_by` / `hangup_reason`). */
export interface End {
  by: 'local' | 'remote';
  reason: HangupReason;
}

/** Something a leg tells when its dialog ends on its own (BYE from the phone, no ACK): its conversation. */
export interface LegPeer {
  legEnded(leg: LegCore, end: End): void;
  /** The leg is done (whoever ended it). */
  legDone?(leg: LegCore): void;
}

/** What legs need from the engine. */
export interface LegEnv {
  ua: UserAgent;
  media: MediaPlane;
  journal: CallJournal;
  timers: EngineTimers;
  registry: LegRegistry;
  log: CallLog;
  /** A fresh `o=` session id. */
  sdpSessionId(): string;
  /** Endpoints being allocated right now (counted in the engine's stats). */
  allocating: { count: number };
}

/** The part of a leg both kinds share. */
export abstract class LegCore {
  abstract readonly role: 'caller' | 'callee';
  /** The established dialog, once answered. */
  session: Session | undefined;
  /** We sent BYE (the leg is done when its response arrives). */
  byeSent = false;
  /** The record reached `hangup`: nothing more happens on this leg. */
  done = false;
  /** The conversation this leg is in, told when the leg's dialog ends by itself. */
  peer: LegPeer | undefined;

  protected constructor(
    protected readonly env: LegEnv,
    readonly record: Call,
    readonly media: LegMedia,
  ) {}

  /** The leg's Call id. */
  get id(): string {
    return this.record.id;
  }

  /** BYE to an answered leg (record `terminating`, then `hangup` on the response); else just done. */
  bye(end: End): void {
    if (this.done || this.byeSent) return;
    this.media.release();
    const session = this.session;
    if (session === undefined || session.isEnded) {
      this.markDone(end);
      return;
    }
    this.byeSent = true;
    this.env.journal.setStatus(this.record, 'terminating', end);
    void session.bye().then(() => this.markDone(end));
  }

  /** The leg's record reaches `hangup`; media released; the leg leaves the registry. Idempotent. */
  markDone(end: End): void {
    this.media.release();
    if (this.done) return;
    this.done = true;
    this.env.journal.setStatus(this.record, 'hangup', end);
    this.env.registry.remove(this);
    this.afterDone();
    this.peer?.legDone?.(this);
  }

  /** Hook: the leg just became done. */
  protected afterDone(): void {}

  /** The dialog ended by itself (not by our BYE). */
  protected sessionEnded(cause: string): void {
    if (this.byeSent || this.done) return;
    const end: End =
      cause === 'remote-bye' ? { by: 'remote', reason: 'normal' } : { by: 'local', reason: 'failed' };
    this.markDone(end);
    this.peer?.legEnded(this, end);
  }
}

/** hangup_reason of a leg whose INVITE failed with `status`. */
export function reasonOf(status: number): HangupReason {
  if (status === 486 || status === 600 || status === 603) return 'busy';
  if (status === 408 || status === 480) return 'noanswer';
  if (status === 487) return 'cancel';
  return 'failed';
}
