/**
 * What an answered {@link OutgoingInvite} leaves behind for Timer M (RFC 6026 §8.4): for 64·T1 after the
 * first 2xx, the INVITE client transaction passes every further 2xx to its TU — retransmissions of the
 * answer (ACK it again, §13.2.2.4) and answers from other forks (ACK, then BYE: only the first one became
 * the session). At hundreds of calls a second the OutgoingInvite itself — its INVITE message, dialog set,
 * dialogs and session — held that long was most of the heap of calls already over. So the transaction's
 * listener is handed this instead: the INVITE as one latin1 string and the answer's To tag. The INVITE is
 * parsed again only when such a late 2xx arrives, i.e. on packet loss or a forking proxy downstream.
 */
import { UacDialogSet } from '../dialog/index.ts';
import { parseMessage, SipRequest, type Endpoint, type SipResponse } from '../message/index.ts';
import type { ClientTransactionListener } from '../transaction/index.ts';
import { Session } from './session.ts';
import type { UaContext } from './ua-context.ts';

/** The TU of an INVITE client transaction in `Accepted`, once its OutgoingInvite was answered. */
export class LateAnswers implements ClientTransactionListener {
  /** Dialogs of other forks already ended with BYE (by remote tag). */
  private extraForks: Set<string> | undefined;

  constructor(
    private readonly ctx: UaContext,
    private readonly destination: Endpoint,
    /** The INVITE as sent (latin1). */
    private readonly inviteWire: string,
    /** To tag of the 2xx that became the session. */
    private readonly answeredTag: string,
  ) {}

  /** A 2xx in `Accepted`: ACK it; a new fork's is then ended with BYE, once. */
  onFinal(res: SipResponse): void {
    if (res.status < 200 || res.status >= 300) return;
    const tag = res.toTag;
    if (tag === undefined) return; // no dialog to ACK it in
    const invite = parseMessage(Buffer.from(this.inviteWire, 'latin1'));
    if (!(invite instanceof SipRequest)) return;
    const dialog = new UacDialogSet(invite).onResponse(res);
    if (dialog === undefined) return;
    this.ctx.sendAck(dialog.createAck(invite.cseq.seq, { invite }), this.destination);
    if (tag === this.answeredTag) return; // a retransmission of the answer
    this.extraForks ??= new Set();
    if (this.extraForks.has(tag)) return;
    this.extraForks.add(tag);
    void new Session(this.ctx, dialog, this.destination, invite.body, undefined).bye();
  }
}
