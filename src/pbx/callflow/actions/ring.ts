/** What the ringing actions (`device`, `user`, `ring_group`) share: ring, then map the outcome. */
import { combineFailures } from '../../groupcall/failure.ts';
import type { MemberContext } from '../../groupcall/members.ts';
import type { Member } from '../../groupcall/types.ts';
import type { ActionContext, ActionResult, RingOutcome, RingRequest } from '../types.ts';

/** Members are looked up in the call's tenant. */
export function memberContext(ctx: ActionContext): MemberContext {
  return { directory: ctx.env.directory, registrar: ctx.env.registrar, customerId: ctx.call.customerId };
}

/** Rings `req` (nothing to ring → `NO_ROUTE_DESTINATION` without a groupcall). */
export async function ring(ctx: ActionContext, req: RingRequest): Promise<RingOutcome> {
  if (req.members.length === 0) return { result: 'failed', failure: combineFailures([]) };
  return ctx.call.ring(req);
}

/** Answered → stop (the call is bridged); failed → the failure branch; gone → stop; usurped → usurp. */
export function afterRing(outcome: RingOutcome): ActionResult {
  if (outcome.result === 'failed') return { kind: 'failed', failure: outcome.failure };
  if (outcome.result === 'usurped') return { kind: 'usurp' };
  return { kind: 'stop' };
}

/** True when at least one member could ring (not all unreachable). */
export function anyReachable(members: readonly Member[]): boolean {
  return members.some((m) => m.kind !== 'unreachable');
}

/** Ring timeout (s) of a node: `data.timeout` when a positive number, else the default. */
export function timeoutOf(ctx: ActionContext, data: Record<string, unknown> = ctx.node.data): number {
  const t = data.timeout;
  return typeof t === 'number' && Number.isFinite(t) && t > 0 ? t : ctx.env.ringTimeoutS;
}
