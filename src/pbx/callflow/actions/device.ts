/**
 * `device` `{ id, timeout?, can_call_self? }`: rings every registered contact of the device (one leg, or a
 * nested groupcall when it has several) as a groupcall whose master call is the caller's; answer → bridged,
 * stop; failure → the failure branch. The calling device itself is not rung unless `can_call_self`.
 */
import { deviceMember, memberOptions } from '../../groupcall/members.ts';
import type { Member } from '../../groupcall/types.ts';
import { stringField } from '../node.ts';
import type { Action } from '../types.ts';
import { afterRing, memberContext, ring, timeoutOf } from './ring.ts';

export const deviceAction: Action = async (ctx) => {
  const { call, node, env } = ctx;
  const device = env.directory.device(call.customerId, stringField(node.data, 'id'));
  const members: Member[] = [];
  if (device !== undefined && (device.id !== call.callerDeviceId || node.data.can_call_self === true))
    members.push(deviceMember(memberContext(ctx), device, memberOptions(timeoutOf(ctx))));
  const outcome = await ring(ctx, {
    ringMethod: 'ring_all',
    members,
    ring: { why: 'direct', callflowId: ctx.callflow.id },
  });
  return afterRing(outcome);
};
