/**
 * `hangup` `{ code?, reason? }`: ends the call — an unanswered caller gets `code` (else the final its last
 * ring failure maps to, 480 when none), an answered one BYE. Terminal.
 */
import type { Action } from '../types.ts';

export const hangupAction: Action = async (ctx) => {
  const { code, reason } = ctx.node.data;
  ctx.call.hangup(
    typeof code === 'number' && code >= 400 && code <= 699 ? code : undefined,
    typeof reason === 'string' && reason !== '' ? reason : undefined,
  );
  return { kind: 'stop' };
};
