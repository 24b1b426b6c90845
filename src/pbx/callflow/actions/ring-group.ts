/**
 * `ring_group` (callflows.md): a groupcall of the endpoints — `simultaneous` → `ring_all`, `single` →
 * `linear`, `weighted_random` → a weighted shuffle (Efraimidis–Spirakis) then `linear`.
 *
 * Members are resolved in order: a device is itself, a user is a nested groupcall of its devices, a group
 * a nested groupcall of its devices (nested groups expanded); a device already met is dropped from what
 * follows, and the calling device is never rung. Each endpoint rings after its `delay` for its `timeout`
 * (else the group's `timeout`, else 20 s). With no answer the whole group is rung again, `repeats` times in
 * all, before the failure branch is taken (not after a `fail_on_single_reject` rejection, nor when nobody
 * could be rung at all).
 */
import { fullAddress, deviceMember, devicesMember, memberOptions } from '../../groupcall/members.ts';
import { endpointDevices } from '../../groupcall/address-resolver.ts';
import { isRejection, type Failure } from '../../groupcall/failure.ts';
import type { Member } from '../../groupcall/types.ts';
import { numberField, stringField } from '../node.ts';
import type { Action, ActionContext, RingRequest } from '../types.ts';
import { weightedShuffle } from '../weighted-shuffle.ts';
import { afterRing, anyReachable, memberContext, ring, timeoutOf } from './ring.ts';

interface Endpoint {
  id: string;
  endpoint_type: string;
  delay?: number;
  timeout?: number;
  weight?: number;
}

function endpointsOf(data: Record<string, unknown>): Endpoint[] {
  if (!Array.isArray(data.endpoints)) return [];
  return (data.endpoints as unknown[]).filter(
    (e): e is Endpoint =>
      typeof e === 'object' &&
      e !== null &&
      typeof (e as Endpoint).id === 'string' &&
      typeof (e as Endpoint).endpoint_type === 'string',
  );
}

/** The members of the group, in ring order, duplicates and the calling device dropped. */
export function ringGroupMembers(ctx: ActionContext, endpoints: readonly Endpoint[]): Member[] {
  const { call, env } = ctx;
  const dir = env.directory;
  const mc = memberContext(ctx);
  const groupTimeout = timeoutOf(ctx);
  const seen = new Set<string>();
  if (call.callerDeviceId !== undefined) seen.add(call.callerDeviceId);
  const members: Member[] = [];
  for (const e of endpoints) {
    const options = memberOptions(
      typeof e.timeout === 'number' && e.timeout > 0 ? e.timeout : groupTimeout,
      typeof e.delay === 'number' && e.delay > 0 ? e.delay : 0,
    );
    const fresh = endpointDevices(dir, call.customerId, e.endpoint_type, e.id).filter((d) => !seen.has(d.id));
    if (fresh.length === 0) continue;
    for (const d of fresh) seen.add(d.id);
    if (e.endpoint_type === 'device') members.push(deviceMember(mc, fresh[0], options));
    else if (e.endpoint_type === 'user') {
      const name = dir.user(call.customerId, e.id)?.name ?? '';
      members.push(
        devicesMember(mc, fullAddress('user', { target: e.id, target_name: name }), fresh, options),
      );
    } else {
      const name = dir.group(call.customerId, e.id)?.name ?? '';
      const address = fullAddress('group', { target: e.id, target_name: name });
      members.push(devicesMember(mc, address, fresh, options, { groupId: e.id }));
    }
  }
  return members;
}

export const ringGroupAction: Action = async (ctx) => {
  const { node, env } = ctx;
  const data = node.data;
  const strategy = stringField(data, 'strategy', 'simultaneous');
  const repeats = Math.max(1, Math.floor(numberField(data, 'repeats', 1)));
  const failOnReject = data.fail_on_single_reject === true;
  let last: Failure | undefined;
  for (let attempt = 0; attempt < repeats; attempt++) {
    let endpoints = endpointsOf(data);
    if (strategy === 'weighted_random')
      endpoints = weightedShuffle(
        endpoints,
        (e) => (typeof e.weight === 'number' ? e.weight : 1),
        env.random,
      );
    const members = ringGroupMembers(ctx, endpoints);
    const req: RingRequest = {
      ringMethod: strategy === 'simultaneous' ? 'ring_all' : 'linear',
      members,
      failOnReject,
      ring: { why: 'ring_group', ringGroupName: stringField(data, 'name'), callflowId: ctx.callflow.id },
    };
    const outcome = await ring(ctx, req);
    if (outcome.result !== 'failed') return afterRing(outcome);
    last = outcome.failure;
    if ((failOnReject && isRejection(last)) || !anyReachable(members)) break;
  }
  return afterRing({ result: 'failed', failure: last! });
};
