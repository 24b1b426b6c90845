/**
 * The network boundary of the SIP core (RFC 3261 §18). Transactions, dialogs and the UA depend only on
 * {@link TransportLayer}; production wires in `SipTransportLayer` (real sockets), tests wire in
 * `FakeTransportLayer` from `src/sip/testing/` (an in-memory network on a fake clock).
 */
import type { Endpoint } from '../message/types.ts';
import type { SipRequest, SipResponse } from '../message/index.ts';

/** A message handed to the upper layers, already checked and stamped per §18.2.1 / §18.1.2. */
export interface InboundMessage {
  message: SipRequest | SipResponse;
  /** Remote transport/address/port the bytes came from. */
  source: Endpoint;
  /** Our socket that received it. */
  local: Endpoint;
  /** Stream transports: the connection it arrived on (use it for the response, §18.2.2). */
  connectionId?: number;
}

/** A failure to deliver bytes, reported asynchronously (RFC 3261 §17.1.4, §18.4). */
export interface TransportError {
  /** Where we tried to send. */
  dest: Endpoint;
  /** The message that could not be sent, when known. */
  message?: SipRequest | SipResponse;
  /** The underlying cause (an `Error` with a Node `code` such as `ECONNREFUSED`, or a description). */
  cause: Error;
}

/** The transport layer seen from the transaction layer. */
export interface TransportLayer {
  /** Our advertised sent-by/Contact address for a transport (`'UDP'` | `'TCP'`). */
  localEndpoint(transport: string): Endpoint;
  /** Whether a transport is reliable (TCP: true, UDP: false): decides retransmissions and timer values. */
  isReliable(transport: string): boolean;
  /**
   * Sends a request to `dest`. TCP: reuses an open connection to `dest` (inbound or outbound) else connects.
   * Failures are reported asynchronously through `onError` (never thrown). Returns the bytes handed to the
   * network (undefined when the request could not be serialized or was not sent), so that a transaction
   * keeping them for a later resend need not serialize again.
   */
  sendRequest(req: SipRequest, dest: Endpoint): Buffer | undefined;
  /**
   * Sends a response following its top Via (§18.2.2): reliable → the connection the request came on if still
   * open (`connectionId`), else a new connection to received/sent-by; UDP → `received` (or sent-by host) and
   * `rport` if it has a value, else sent-by port, else 5060; `maddr` → that address. Returns the bytes, as
   * {@link sendRequest} does.
   */
  sendResponse(res: SipResponse, connectionId?: number): Buffer | undefined;
  /** Upper layer hook for accepted inbound messages (set once). */
  onMessage: (m: InboundMessage) => void;
  /** Upper layer hook for delivery failures (set once). */
  onError: (err: TransportError) => void;
  /** Closes every socket, connection and timer. Idempotent. */
  close(): Promise<void>;
}

/** Severity of a {@link TransportLogger} event. */
export type TransportLogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * Optional logging hook of the transports: `event` is a stable kebab-case name (`drop-response-via`,
 * `parse-error`, `tcp-close-idle`…), `data` a small record of details.
 */
export type TransportLogger = (
  level: TransportLogLevel,
  event: string,
  data?: Record<string, unknown>,
) => void;

/** The default logger: does nothing. */
export const noopLogger: TransportLogger = () => {};
