/**
 * `user` `{ id, timeout?, strategy? }`: rings the user's devices (creation order) — all at once
 * (`simultaneous`, default) or one after the other (`single`) — except the calling device.
 */
import { deviceMember, memberOptions } from '../../groupcall/members.ts';
import { stringField } from '../node.ts';
import type { Action } from '../types.ts';
import { afterRing, memberContext, ring, timeoutOf } from './ring.ts';

export const userAction: Action = async (ctx) => {
  const { call, node, env } = ctx;
  const options = memberOptions(timeoutOf(ctx));
  const mc = memberContext(ctx);
  const members = env.directory
    .devicesOfUser(call.customerId, stringField(node.data, 'id'))
    .filter((d) => d.id !== call.callerDeviceId)
    .map((d) => deviceMember(mc, d, options));
  const outcome = await ring(ctx, {
    ringMethod: node.data.strategy === 'single' ? 'linear' : 'ring_all',
    members,
    ring: { why: 'direct', callflowId: ctx.callflow.id },
  });
  return afterRing(outcome);
};
