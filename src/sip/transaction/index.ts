/**
 * RFC 3261 §17 transaction layer (with RFC 6026): timers, the four state machines and the layer that
 * matches messages to them.
 */
export * from './timers.ts';
export * from './transaction.ts';
export * from './client-listener.ts';
export * from './requests.ts';
export * from './transaction-keys.ts';
export * from './invite-client-transaction.ts';
export * from './non-invite-client-transaction.ts';
export * from './invite-server-transaction.ts';
export * from './non-invite-server-transaction.ts';
export * from './transaction-user.ts';
export * from './transaction-layer.ts';
