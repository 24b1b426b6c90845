import type { Clock, TimerHandle } from '../clock.ts';
import type { SipRequest, SipResponse } from '../message/index.ts';
import { keyOfIncomingResponse } from './dialog-id.ts';

/** Options of {@link UacAckCache}. */
export interface UacAckCacheOptions {
  /** Time source. */
  clock: Clock;
  /**
   * How long an ACK is kept, in ms. Default 64·T1 = 32 000: the longest a UAS retransmits its 2xx
   * (§13.3.1.4), matching Timer M of the INVITE client transaction (RFC 6026 §8.4).
   */
  ttl?: number;
}

interface Entry {
  ack: SipRequest;
  timer: TimerHandle;
}

/**
 * The ACKs a UAC sent for 2xx responses, keyed by dialog key and INVITE CSeq number, so that every
 * retransmission of a 2xx is answered by passing the same ACK to the transport again (RFC 3261
 * §13.2.2.4). Store the ACK as sent (with its Via), so the retransmitted copy is identical.
 * Entries expire after `ttl`; {@link clear} cancels every timer.
 */
export class UacAckCache {
  private readonly clock: Clock;
  private readonly ttl: number;
  private readonly byDialog = new Map<string, Map<number, Entry>>();
  private count = 0;

  constructor(opts: UacAckCacheOptions) {
    this.clock = opts.clock;
    this.ttl = opts.ttl ?? 32_000;
  }

  /** Number of ACKs held. */
  get size(): number {
    return this.count;
  }

  /** Remembers the ACK sent for the 2xx to the INVITE with CSeq `cseq` in dialog `dialogKey` (replacing any). */
  remember(dialogKey: string, cseq: number, ack: SipRequest): void {
    let perDialog = this.byDialog.get(dialogKey);
    if (perDialog === undefined) {
      perDialog = new Map();
      this.byDialog.set(dialogKey, perDialog);
    }
    const old = perDialog.get(cseq);
    if (old !== undefined) this.clock.clearTimer(old.timer);
    else this.count++;
    const timer = this.clock.setTimer(this.ttl, () => this.forget(dialogKey, cseq));
    perDialog.set(cseq, { ack, timer });
  }

  /** The ACK remembered for a dialog key and INVITE CSeq number. */
  get(dialogKey: string, cseq: number): SipRequest | undefined {
    return this.byDialog.get(dialogKey)?.get(cseq)?.ack;
  }

  /**
   * The ACK to send again for a retransmitted 2xx to an INVITE (matched by Call-ID, tags and CSeq
   * number); `undefined` for any other response, or a 2xx not yet acknowledged.
   */
  ackFor(res: SipResponse): SipRequest | undefined {
    if (res.status < 200 || res.status > 299) return undefined;
    const cseq = res.cseq;
    if (cseq.method !== 'INVITE') return undefined;
    const key = keyOfIncomingResponse(res);
    return key === undefined ? undefined : this.get(key, cseq.seq);
  }

  /** Forgets one ACK; returns whether it was held. */
  forget(dialogKey: string, cseq: number): boolean {
    const perDialog = this.byDialog.get(dialogKey);
    const entry = perDialog?.get(cseq);
    if (perDialog === undefined || entry === undefined) return false;
    this.clock.clearTimer(entry.timer);
    perDialog.delete(cseq);
    if (perDialog.size === 0) this.byDialog.delete(dialogKey);
    this.count--;
    return true;
  }

  /** Forgets every ACK of a dialog (e.g. when the UA drops the dialog). */
  forgetDialog(dialogKey: string): void {
    const perDialog = this.byDialog.get(dialogKey);
    if (perDialog === undefined) return;
    for (const e of perDialog.values()) this.clock.clearTimer(e.timer);
    this.count -= perDialog.size;
    this.byDialog.delete(dialogKey);
  }

  /** Forgets everything and cancels every timer. */
  clear(): void {
    for (const key of [...this.byDialog.keys()]) this.forgetDialog(key);
  }
}
