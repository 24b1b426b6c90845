/**
 * What the transaction layer hands to the transaction user (TU, RFC 3261 §17: the UA core or a proxy
 * core): the delegate interface and the transaction kinds it sees.
 */
import type { SipRequest, SipResponse } from '../message/index.ts';
import type { InboundMessage } from '../transport/types.ts';
import type { InviteClientTransaction } from './invite-client-transaction.ts';
import type { InviteServerTransaction } from './invite-server-transaction.ts';
import type { NonInviteClientTransaction } from './non-invite-client-transaction.ts';
import type { NonInviteServerTransaction } from './non-invite-server-transaction.ts';

/** A client transaction; narrow on `kind` (`'invite'` has `cancel()`). */
export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;
/** A server transaction; narrow on `kind`. Both have `request`, `respond(res)`, `state`, `lastResponse`. */
export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;

/**
 * The transaction user (UA core, proxy core): the layer's only delegate. Every call is wrapped: an
 * exception thrown by the TU is logged and never reaches the transport or the event loop.
 */
export interface TransactionUser {
  /**
   * A new request (not ACK, not CANCEL) with its server transaction; answer with `txn.respond()`.
   * Retransmissions never come here (§17.2.3: absorbed by the transaction).
   */
  onRequest(req: SipRequest, txn: ServerTransaction): void;
  /**
   * A CANCEL (§9.2) with its own non-INVITE server transaction (`cancelTxn`, to answer, usually 200)
   * and the INVITE server transaction it cancels. When the INVITE already got a final response, the TU
   * still decides (usually 200 to the CANCEL and nothing else). `inviteTxn` is `undefined` when the
   * INVITE was already answered and its transaction only lingers (`lingering.ts`: nothing to cancel), or
   * when the layer was built with `answerUnmatchedCancel: false`; by default a CANCEL matching no INVITE
   * at all is answered 481 by the layer and the TU is not called.
   */
  onCancel(
    cancel: SipRequest,
    cancelTxn: NonInviteServerTransaction,
    inviteTxn: InviteServerTransaction | undefined,
  ): void;
  /**
   * An ACK that no transaction absorbed: the end-to-end ACK of a 2xx (it matched an INVITE server
   * transaction in `Accepted`, RFC 6026 §8.7, or matched none, e.g. after Timer L).
   */
  onAck(ack: SipRequest, inbound: InboundMessage): void;
  /**
   * A response matching no client transaction (§17.1.3), e.g. a 2xx retransmission after Timer M: the
   * UA core re-sends the ACK for a 2xx (§13.2.2.4).
   */
  onStrayResponse(res: SipResponse, inbound: InboundMessage): void;
}
