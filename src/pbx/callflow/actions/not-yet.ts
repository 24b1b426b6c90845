/**
 * The module of a later issue — `queue` (queues.md): registered with this placeholder, which answers the
 * caller `480 Temporarily Unavailable` and ends the flow, as issue 4 did. Its real action will replace this
 * entry in the registry (`ActionRegistry.register`); nothing else changes. The pickup actions fall back to
 * it when the executor runs without a pickup engine.
 */
import type { Action } from '../types.ts';

/** Modules answered by {@link notYetAction}. */
export const NOT_YET_MODULES = ['queue'] as const;

export const notYetAction: Action = async (ctx) => {
  ctx.env.log('info', 'callflow module not available yet: 480', {
    callId: ctx.call.id,
    module: ctx.node.module,
  });
  ctx.call.hangup(480, 'Temporarily Unavailable');
  return { kind: 'stop' };
};
