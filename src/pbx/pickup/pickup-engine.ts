/**
 * The pickup engine (pickup.md "The pickup request"): one engine behind every front door. A front door
 * turns its input into a `PickupRequest`; the engine
 *
 * 1. checks the permission (→ 403 `Pickup Not Permitted`; a scope naming nothing → 404 `No Pickup Target`),
 * 2. finds the pickable calls in scope through the `PickupIndex` (and the `QueueCallSource` for queues) —
 *    never the picker's own call, never another tenant's — tier by tier (`*87`'s search order),
 * 3. orders them (oldest / newest / random),
 * 4. readies the picker's leg, looks again (the await may have changed things), and claims the first
 *    candidate atomically (`claimFor`); a lost race tries the next candidate once, then 480,
 * 5. joins the two calls (the claim cancelled the ringing legs as "completed elsewhere"; the caller and the
 *    picker are answered as needed and their media bridged) — the caller's flow ends usurped (step 6),
 * 7. emits `call_pickup`.
 *
 * A failed pickup is answered per the tenant's `pickup_failure_mode`: the final response of the table, or
 * `tone` — answer, play the failure tone, hang up.
 */
import type { DirectoryCache } from '../../directory/contract.ts';
import { NIL_UUID } from '../../store/timestamp.ts';
import type { FlowCall } from '../callflow/types.ts';
import type { PickupIndex } from './pickup-index.ts';
import type { PickerIdentity } from './permissions.ts';
import { TenantTargets } from './targets.ts';
import {
  NO_QUEUES,
  PICKUP_FAILURES,
  type PickupCall,
  type PickupEvent,
  type PickupEventData,
  type PickupFailure,
  type PickupKind,
  type PickupOutcome,
  type PickupRequest,
  type PickupTier,
  type QueueCallSource,
} from './types.ts';

/** How long the failure tone plays in `tone` mode (ms). */
export const FAILURE_TONE_MS = 3000;

/** How many claims one pickup tries (pickup.md: a lost race tries the next candidate once). */
const MAX_CLAIMS = 2;

/** Options of {@link PickupEngine}. */
export interface PickupEngineOptions {
  index: PickupIndex;
  directory: DirectoryCache;
  /** A live call by its (A leg's) Call id, as the pickup engine joins it. */
  callOf(callId: string): PickupCall | undefined;
  /** The `PickupCall` behind a flow's call (undefined when it is not one the engine can join). */
  pickerOf(call: FlowCall): PickupCall | undefined;
  /** Queue calls (default: none, until queues exist). */
  queues?: QueueCallSource;
  /** Uniform [0, 1) for the `random` order. */
  random: () => number;
  /** A record timestamp (`YYYY-MM-DD HH:MM:SS.ffffff`) for the event. */
  stamp: () => string;
  publish?: (e: PickupEvent) => void;
  wantsEvents?: (customerId: string) => boolean;
  log?: (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: object) => void;
  /** The engine's clock (ms), for {@link onPicked}'s latency. */
  now?: () => number;
  /**
   * Each successful pickup of a picker that dialed in: ms from its INVITE received to its 200 OK sent
   * (pickup.md "What must be measured"; the `ringd_pickup_latency_seconds` metric).
   */
  onPicked?: (latencyMs: number, kind: PickupKind) => void;
}

/** One pickable call found in scope. */
export interface Found {
  callId: string;
  /** The in-scope ringing leg (nil UUID for a waiting queue call). */
  legId: string;
  groupcallId: string;
}

/** What a front door builds a request from. */
export interface RequestContext {
  directory: DirectoryCache;
  targets: TenantTargets;
  queues: QueueCallSource;
  picker: PickerIdentity;
}

/** Counters (metrics, benchmarks). */
export interface PickupStats {
  requests: number;
  picked: number;
  failed: Record<PickupFailure, number>;
  /** Claims lost to a concurrent answer or pickup. */
  lostRaces: number;
}

/** See the module comment. */
export class PickupEngine {
  readonly index: PickupIndex;
  readonly targets: TenantTargets;
  private readonly queues: QueueCallSource;
  private readonly counts: PickupStats = {
    requests: 0,
    picked: 0,
    failed: { not_permitted: 0, no_target: 0, no_call: 0 },
    lostRaces: 0,
  };

  constructor(private readonly opts: PickupEngineOptions) {
    this.index = opts.index;
    this.targets = new TenantTargets(opts.directory);
    this.queues = opts.queues ?? NO_QUEUES;
  }

  /** The picker identity of a flow's call: its device and the device's owner. */
  identityOf(call: { customerId: string; callerDeviceId: string | undefined }): PickerIdentity {
    const deviceId = call.callerDeviceId ?? '';
    const owner =
      deviceId !== '' ? this.opts.directory.device(call.customerId, deviceId)?.ownerId : undefined;
    return {
      customerId: call.customerId,
      deviceId,
      userId: owner !== undefined && owner !== NIL_UUID ? owner : '',
    };
  }

  /**
   * A front door's whole job on a flow's call: builds the request for this picker, runs it, and answers
   * the picker when it fails (final response, or the failure tone). Resolves once the picker is bridged
   * or has been answered.
   */
  async serve(call: FlowCall, build: (ctx: RequestContext) => PickupRequest): Promise<PickupOutcome> {
    const picker = this.opts.pickerOf(call);
    if (picker === undefined) {
      await this.answerFailure(call, 'no_call');
      return { result: 'failed', failure: 'no_call' };
    }
    const identity = this.identityOf(call);
    const req = build({
      directory: this.opts.directory,
      targets: this.targets,
      queues: this.queues,
      picker: identity,
    });
    const outcome = await this.pickUp(picker, identity, req);
    if (outcome.result === 'failed') await this.answerFailure(call, outcome.failure);
    return outcome;
  }

  /** Steps 1–7 for `picker` (its call must be able to answer: see `PickupCall.prepareLeg`). */
  async pickUp(picker: PickupCall, who: PickerIdentity, req: PickupRequest): Promise<PickupOutcome> {
    this.counts.requests++;
    const permission = req.permission();
    if (permission === 'denied') return this.failed('not_permitted', req, picker);
    if (permission === 'no_target' || req.tiers.every((t) => t.scopes.length === 0))
      return this.failed('no_target', req, picker);
    // A first look (without drawing random numbers) spares the picker's leg when nothing is there.
    if (this.lookup(picker, who, { ...req, order: 'oldest' }).length === 0)
      return this.failed('no_call', req, picker);
    if (!(await picker.prepareLeg()) || !picker.alive) return { result: 'gone' };
    let claims = 0;
    for (const found of this.lookup(picker, who, req)) {
      if (claims === MAX_CLAIMS) break;
      const caller = this.opts.callOf(found.callId);
      if (caller === undefined || !caller.pickable || !picker.canJoin(caller)) continue;
      claims++;
      if (!caller.claimFor(picker.id)) {
        this.counts.lostRaces++;
        continue;
      }
      if (!picker.joinWith(caller)) return this.failed('no_call', req, picker);
      return { result: 'picked', event: this.picked(found, picker, who, req) };
    }
    return this.failed('no_call', req, picker);
  }

  /**
   * The pickable calls of a request, tier by tier, each tier in the request's order: pure and synchronous
   * (benchmarks call it directly). Excludes the picker's own call and calls its device placed.
   */
  lookup(picker: PickupCall, who: PickerIdentity, req: PickupRequest): Found[] {
    const out: Found[] = [];
    const seen = new Set<string>();
    const accept = (callId: string): boolean => {
      if (callId === picker.id || seen.has(callId)) return false;
      const c = this.opts.callOf(callId);
      if (c === undefined || !c.pickable || c.customerId !== who.customerId) return false;
      return who.deviceId === '' || c.callerDeviceId !== who.deviceId;
    };
    for (const tier of req.tiers) {
      for (const f of this.tierCandidates(who.customerId, tier, req, accept)) {
        seen.add(f.callId);
        out.push(f);
      }
    }
    return out;
  }

  /** Counters so far. */
  stats(): PickupStats {
    return { ...this.counts, failed: { ...this.counts.failed } };
  }

  /** Answers a picker whose pickup failed, per the tenant's `pickup_failure_mode`. */
  async answerFailure(call: FlowCall, failure: PickupFailure): Promise<void> {
    const mode = this.opts.directory.tenant(call.customerId)?.settings.pickup_failure_mode ?? 'reject';
    if (mode === 'tone') {
      await call.play('failure', FAILURE_TONE_MS);
      call.hangup();
      return;
    }
    const f = PICKUP_FAILURES[failure];
    call.hangup(f.status, f.reason);
  }

  // ---- internals ------------------------------------------------------------------------------------

  private tierCandidates(
    customerId: string,
    tier: PickupTier,
    req: PickupRequest,
    accept: (callId: string) => boolean,
  ): Found[] {
    const found: Found[] = this.index
      .candidates({
        customerId,
        scopes: tier.scopes,
        order: req.order,
        random: this.opts.random,
        filter: tier.filter,
        accept,
      })
      .map((c) => ({ callId: c.callId, legId: c.leg.id, groupcallId: c.leg.groupcallId }));
    for (const s of tier.scopes) {
      if (s.kind !== 'queue') continue;
      // pickup.md §4: an agent group's oldest ringing call; if none rings, the first to enter the queue.
      let any = false;
      for (const q of this.queues.ringing(customerId, s.id)) {
        if (!accept(q.callId)) continue;
        any = true;
        found.push({ callId: q.callId, legId: q.legId ?? NIL_UUID, groupcallId: q.groupcallId ?? NIL_UUID });
      }
      if (any) continue;
      for (const q of this.queues.waiting(customerId, s.id)) {
        if (!accept(q.callId)) continue;
        found.push({ callId: q.callId, legId: NIL_UUID, groupcallId: NIL_UUID });
      }
    }
    return found;
  }

  private failed(failure: PickupFailure, req: PickupRequest, picker: PickupCall): PickupOutcome {
    this.counts.failed[failure]++;
    this.opts.log?.('info', 'pickup failed', { callId: picker.id, kind: req.kind, failure });
    return { result: 'failed', failure };
  }

  private picked(found: Found, picker: PickupCall, who: PickerIdentity, req: PickupRequest): PickupEventData {
    this.counts.picked++;
    const data: PickupEventData = {
      id: found.callId,
      customer_id: who.customerId,
      caller_call_id: found.callId,
      picker_call_id: picker.id,
      picked_call_id: found.legId,
      groupcall_id: found.groupcallId,
      kind: req.kind,
      picker_device_id: who.deviceId || NIL_UUID,
      picker_user_id: who.userId || NIL_UUID,
      tm_create: this.opts.stamp(),
    };
    this.opts.log?.('info', 'call picked up', { ...data });
    const { onPicked, now } = this.opts;
    if (onPicked !== undefined && now !== undefined && picker.receivedAt !== undefined) {
      try {
        onPicked(now() - picker.receivedAt, req.kind);
      } catch (e) {
        this.opts.log?.('warn', 'pickup latency observer threw', { err: e });
      }
    }
    const { publish, wantsEvents } = this.opts;
    if (publish !== undefined && (wantsEvents === undefined || wantsEvents(who.customerId))) {
      try {
        publish({ type: 'call_pickup', data: { ...data } });
      } catch (e) {
        this.opts.log?.('warn', 'call_pickup listener threw', { err: e });
      }
    }
    return data;
  }
}
