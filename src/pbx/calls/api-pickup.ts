/**
 * `POST /v1.0/calls/{id}/pickup` (pickup.md §6): ringd rings the picker's device(s) — a groupcall
 * presented as the caller's call (its From, its codecs) — and when one answers, that answered leg becomes
 * a call of its own (`CallSession.answered`) and asks the pickup engine for caller call `{id}`. If the
 * call is no longer pickable by then, the picker is told (the failure tone in `tone` mode, else BYE).
 * While the picker's phones ring, the caller call is watched: once it cannot be picked up any more
 * (answered, picked up by someone else, caller gone) the picker's phones stop ringing.
 */
import type { DirectoryCache } from '../../directory/contract.ts';
import { DirectoryError, notFound } from '../../directory/errors.ts';
import type { Groupcall } from '../groupcall/groupcall.ts';
import { snapshotGroupcall } from '../groupcall/groupcall-journal.ts';
import { deviceMember, memberOptions } from '../groupcall/members.ts';
import type { GroupcallRecord, Member } from '../groupcall/types.ts';
import type { PickupEngine } from '../pickup/pickup-engine.ts';
import { callRequest } from '../pickup/requests.ts';
import type { RegistrarLookup } from '../registrar/types.ts';
import { CallSession } from './call-session.ts';
import { legDialer } from './leg-dialer.ts';
import type { LegRegistry } from './leg-registry.ts';
import type { OutboundLeg } from './outbound-leg.ts';
import type { SessionEnv } from './session-types.ts';

/** How long the picker's phones ring (s). */
export const API_PICKUP_RING_TIMEOUT_S = 30;

/** Who picks up: one device, or every device of a user. */
export type ApiPicker =
  { device_id: string; user_id?: undefined } | { user_id: string; device_id?: undefined };

/** What the REST door needs from the engine. */
export interface ApiPickupEnv {
  session: SessionEnv;
  directory: DirectoryCache;
  registrar: RegistrarLookup;
  registry: LegRegistry;
  pickup: PickupEngine;
  adopt(s: CallSession): void;
}

/** 409 with a reason (documented in docs/api.md). */
function conflict(reason: string, message: string): DirectoryError {
  return new DirectoryError(409, reason, message);
}

/** The REST door; see the module comment. */
export class ApiPickups {
  /** Caller call id → the picker groupcalls ringing for it. */
  private readonly watching = new Map<string, Set<Groupcall>>();

  constructor(private readonly env: ApiPickupEnv) {
    env.pickup.index.onStopped = (callId) => {
      if (this.watching.has(callId)) queueMicrotask(() => this.check(callId));
    };
  }

  /** The caller call of any of its legs' ids, when live in the tenant. */
  callerOf(customerId: string, id: string): CallSession | undefined {
    const leg = this.env.registry.get(id);
    if (leg === undefined || leg.record.customer_id !== customerId) return undefined;
    const master = leg.role === 'callee' ? (leg as OutboundLeg).masterCallId : leg.id;
    const owner = this.env.registry.get(master)?.peer ?? leg.peer;
    return owner instanceof CallSession ? owner : undefined;
  }

  /** Starts ringing the picker; answers the groupcall doing so. */
  async start(customerId: string, callId: string, picker: ApiPicker): Promise<GroupcallRecord> {
    const dir = this.env.directory;
    const live = this.env.registry.get(callId);
    if (live === undefined || live.record.customer_id !== customerId) throw notFound('call', callId);
    const caller = this.callerOf(customerId, callId);
    if (caller === undefined || !caller.pickable)
      throw conflict(
        'CALL_NOT_PICKABLE',
        `call ${callId} is not ringing anyone (answered, ended or claimed)`,
      );
    const devices =
      picker.device_id !== undefined
        ? [dir.device(customerId, picker.device_id)].filter((d) => d !== undefined)
        : dir.user(customerId, picker.user_id) !== undefined
          ? [...dir.devicesOfUser(customerId, picker.user_id)]
          : undefined;
    const field = picker.device_id !== undefined ? 'device_id' : 'user_id';
    if (devices === undefined || (picker.device_id !== undefined && devices.length === 0)) {
      const message = `${field === 'device_id' ? 'device' : 'user'} ${picker.device_id ?? picker.user_id} not found in the tenant`;
      throw new DirectoryError(400, 'REFERENCE_NOT_FOUND', message, [{ path: `/${field}`, message }]);
    }
    const ctx = { directory: dir, registrar: this.env.registrar, customerId };
    const members: Member[] = devices
      .filter((d) => d.id !== caller.callerDeviceId)
      .map((d) => deviceMember(ctx, d, memberOptions(API_PICKUP_RING_TIMEOUT_S)));
    if (!members.some((m) => m.kind !== 'unreachable'))
      throw conflict('PICKER_NOT_REACHABLE', `the picker has no registered device to ring`);
    const { identity, presentation } = caller.pickerPresentation();
    const groupcalls = this.env.session.groupcalls;
    let claimed = false;
    // The owner's callbacks run once the groupcall rings, after `gc` is assigned.
    const gc: Groupcall = groupcalls.create(
      {
        customerId,
        source: identity.source,
        ringMethod: 'ring_all',
        members,
        ring: { why: 'groupcall' },
      },
      {
        progress: () => {},
        claimable: () => !claimed,
        commit: (_child, legId) => {
          claimed = true;
          this.unwatch(caller.id, gc);
          this.answered(legId, caller.id, identity);
        },
        ended: () => this.unwatch(caller.id, gc),
      },
      legDialer(this.env.session, presentation),
    );
    let set = this.watching.get(caller.id);
    if (set === undefined) this.watching.set(caller.id, (set = new Set()));
    set.add(gc);
    await groupcalls.journal.writeNow();
    gc.start();
    // The caller may have stopped being pickable while the record was written.
    this.check(caller.id);
    return snapshotGroupcall(gc.record);
  }

  /** A picker's phone answered: it becomes a call, and picks up the caller call if it still can. */
  private answered(
    legId: string,
    callerId: string,
    identity: ReturnType<CallSession['pickerPresentation']>['identity'],
  ): void {
    const leg = this.env.registry.get(legId);
    if (leg === undefined || leg.role !== 'callee') return;
    const out = leg as OutboundLeg;
    const s = CallSession.answered(this.env.session, out, identity);
    this.env.adopt(s);
    s.run(undefined, '');
    const t = out.target;
    const deviceId = t.kind === 'contact' ? t.device.id : '';
    const who = this.env.pickup.identityOf({ customerId: s.customerId, callerDeviceId: deviceId });
    void this.env.pickup.pickUp(s, who, callRequest(callerId)).then(async (outcome) => {
      if (outcome.result === 'failed') await this.env.pickup.answerFailure(s, outcome.failure);
    });
  }

  /** Stops the picker's phones when the caller call can no longer be picked up. */
  private check(callerId: string): void {
    const set = this.watching.get(callerId);
    if (set === undefined) return;
    const caller = this.env.registry.get(callerId)?.peer;
    if (caller instanceof CallSession && caller.pickable) return;
    this.watching.delete(callerId);
    for (const gc of set) gc.hangup();
  }

  private unwatch(callerId: string, gc: Groupcall | undefined): void {
    const set = this.watching.get(callerId);
    if (set === undefined || gc === undefined) return;
    set.delete(gc);
    if (set.size === 0) this.watching.delete(callerId);
  }
}
