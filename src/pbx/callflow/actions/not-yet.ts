/**
 * The modules of later issues — `group_pickup`, `group_pickup_feature`, `named_pickup`, `general_pickup`
 * (pickup.md) and `queue` (queues.md): registered with this placeholder, which answers the caller
 * `480 Temporarily Unavailable` and ends the flow, as issue 4 did. Their real actions replace these
 * entries in the registry (`ActionRegistry.register`); nothing else changes.
 */
import type { Action } from '../types.ts';

/** Modules answered by {@link notYetAction}. */
export const NOT_YET_MODULES = [
  'group_pickup',
  'group_pickup_feature',
  'named_pickup',
  'general_pickup',
  'queue',
] as const;

export const notYetAction: Action = async (ctx) => {
  ctx.env.log('info', 'callflow module not available yet: 480', {
    callId: ctx.call.id,
    module: ctx.node.module,
  });
  ctx.call.hangup(480, 'Temporarily Unavailable');
  return { kind: 'stop' };
};
