/**
 * The event stream's catalogue (docs/api.md "Events"): why the server closes a connection (close code and
 * the reason text's leading code), and the reasons of the `error` messages it answers bad client messages
 * with. Close reasons are sent as `"<REASON>: <explanation>"` so programs can split on the colon.
 */

/** Why the server closes an event connection: the WebSocket close code and what it means. */
export const CLOSE_REASONS = {
  SHUTTING_DOWN: { code: 1001, meaning: 'ringd is stopping; reconnect later (or to another node)' },
  TOO_MANY_CONNECTIONS: {
    code: 1013,
    meaning: 'the tenant already has the most event connections allowed; close one and retry later',
  },
  KEY_REVOKED: {
    code: 4001,
    meaning: 'the access key of the connection was revoked or its tenant deleted (re-checked at every ping)',
  },
  SLOW_CONSUMER: {
    code: 4008,
    meaning:
      'the client did not read its events fast enough: too many events or bytes waited to be sent; ' +
      'read faster, or subscribe to fewer events',
  },
} as const;

export type CloseReason = keyof typeof CLOSE_REASONS;

/** Reasons of the `error` messages sent in answer to a bad client message (the connection stays open). */
export const MESSAGE_ERROR_REASONS = {
  INVALID_MESSAGE: 'the message is not a JSON text object of a known type (`subscribe`, `ping`)',
  VALIDATION_FAILED: 'the `subscribe` filter is invalid; `details` name the offending fields',
} as const;

export type MessageErrorReason = keyof typeof MESSAGE_ERROR_REASONS;

/** Every reason code of the event stream (for the documentation check). */
export function eventStreamReasons(): string[] {
  return [...Object.keys(CLOSE_REASONS), ...Object.keys(MESSAGE_ERROR_REASONS)];
}

/** The close frame's reason text, kept within the 123 bytes RFC 6455 §5.5 allows. */
export function closeText(reason: CloseReason, explanation: string): string {
  const text = `${reason}: ${explanation}`;
  return Buffer.byteLength(text) <= 123 ? text : reason;
}
