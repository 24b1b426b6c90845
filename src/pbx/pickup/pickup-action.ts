/**
 * What the four pickup callflow actions share: build the door's request, let the engine serve the call
 * (bridged, or answered with the failure of pickup.md's table), and end the flow — pickup actions are
 * terminal (their children never run). Without a pickup engine (an executor run on its own) they are
 * the 480 placeholders they were.
 */
import { notYetAction } from '../callflow/actions/not-yet.ts';
import type { Action, ActionContext } from '../callflow/types.ts';
import type { RequestContext } from './pickup-engine.ts';
import type { PickupRequest } from './types.ts';

/** An action running the request `build` makes for each call. */
export function pickupAction(build: (r: RequestContext, ctx: ActionContext) => PickupRequest): Action {
  return async (ctx) => {
    const pickup = ctx.env.pickup;
    if (pickup === undefined) return notYetAction(ctx);
    await pickup.serve(ctx.call, (r) => build(r, ctx));
    return { kind: 'stop' };
  };
}
