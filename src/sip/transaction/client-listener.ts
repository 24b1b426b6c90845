/**
 * The callbacks a transaction user registers for one client transaction (RFC 3261 §17.1: "responses
 * are passed up to the TU").
 */
import type { SipResponse } from '../message/index.ts';
import type { TransportError } from '../transport/types.ts';

/**
 * Events of one client transaction. All callbacks run synchronously inside the transaction; an exception
 * thrown by one is logged and swallowed.
 *
 * Forked INVITEs (RFC 6026 §8.4): EVERY 2xx that matches the transaction reaches {@link onFinal} —
 * the first one, 2xx from other forks (different To tags) and retransmissions of any of them — as long
 * as the transaction is in `Accepted` (Timer M). The TU tells them apart by To tag and ACKs each one
 * end-to-end. Non-2xx finals reach `onFinal` once.
 */
export interface ClientTransactionListener {
  /** A provisional (1xx) response. */
  onProvisional?(res: SipResponse): void;
  /** A final response (see the interface note for 2xx to INVITE). */
  onFinal(res: SipResponse): void;
  /** Timer B (INVITE) or Timer F (non-INVITE) fired without a final response: treat as 408 (§8.1.3.1). */
  onTimeout?(): void;
  /**
   * INVITE only, §9.1: no final response arrived within 64·T1 after the CANCEL was sent; the transaction
   * considers itself cancelled and terminates (a TU may treat it as a 487). When absent, {@link onTimeout}
   * is called instead.
   */
  onCancelTimeout?(): void;
  /** The transport could not deliver the request or the ACK (§17.1.4); the transaction is terminated. */
  onTransportError?(err: TransportError): void;
  /** The transaction reached `Terminated` (after every other callback). */
  onTerminated?(): void;
}
