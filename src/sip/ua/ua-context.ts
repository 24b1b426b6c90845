/**
 * What a {@link UserAgent} lends the objects it owns (sessions, INVITE contexts): its transaction layer,
 * clock, ids and indexes. An internal seam, so those objects need not know the UA class.
 */
import type { Clock } from '../clock.ts';
import type { IdSource } from '../ids.ts';
import type { Endpoint, SipRequest, Uri } from '../message/index.ts';
import type { TimerBase, TransactionLayer } from '../transaction/index.ts';
import type { Session } from './session.ts';

/** @internal */
export interface UaContext {
  readonly transactions: TransactionLayer;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly timers: TimerBase;
  /** Our Contact header value for a transport. */
  contactFor(transport: string): string;
  /** Where to send a request whose next hop is `uri`; `fallback` when the URI is not an IP literal. */
  destinationOf(uri: Uri, fallback: Endpoint): Endpoint;
  /** Sends an ACK for a 2xx outside any transaction. */
  sendAck(ack: SipRequest, fallback: Endpoint): void;
  /** Indexes an established session. */
  registerSession(session: Session): void;
  /** Removes a session from every index. */
  forgetSession(session: Session): void;
  isReliable(transport: string): boolean;
}
