/** The user agent core (RFC 3261 §8, §12–§15) on top of the transaction layer. */
export * from './capabilities.ts';
export * from './uas-checks.ts';
export * from './endpoints.ts';
export * from './session.ts';
export * from './incoming-invite.ts';
export * from './outgoing-invite.ts';
export * from './user-agent.ts';
