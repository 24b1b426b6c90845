/**
 * SIP dialogs (RFC 3261 §12, §13.2.2.4, §13.3.1.4, §14): dialog state, in-dialog request construction
 * and checks, forked early dialogs, a store indexed by dialog key, and the end-to-end 2xx/ACK
 * retransmission helpers of the UA core.
 */
export * from './dialog-error.ts';
export * from './dialog-id.ts';
export * from './route-set.ts';
export * from './dialog-types.ts';
export * from './dialog.ts';
export * from './dialog-set.ts';
export * from './dialog-store.ts';
export * from './invite-2xx-retransmitter.ts';
export * from './uac-ack-cache.ts';
