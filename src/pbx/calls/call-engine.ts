/**
 * The call engine: ringd's B2BUA. The UA hands it every new INVITE; it authenticates the calling device
 * (407 challenge), finds the tenant (Request-URI host) and the callflow of the dialed number (404 when
 * none), checks the offer (488), and runs the callflow on the call (`CallSession` + `FlowExecutor`): its
 * `device` / `user` / `ring_group` actions ring groupcalls (`GroupcallEngine`) whose legs are this
 * engine's outbound legs, and the first to answer is bridged to the caller.
 *
 * It also runs what the API starts (`OutboundCalls`: groupcalls, outbound calls). Live state is held in
 * memory — legs by Call id (`LegRegistry`, the seam pickup indexes), calls, groupcalls — and records go to
 * the store behind the call path (`CallJournal`, `GroupcallJournal`).
 *
 * Call pickup (pickup.md) plugs in here: the `PickupIndex` observes the legs, the `PickupEngine` is handed
 * to the callflow actions (`FlowEnv.pickup`) and joins calls through `CallSession`'s `PickupCall` side;
 * the REST door is `ApiPickups`.
 */
import type { DirectoryCache } from '../../directory/contract.ts';
import { notFound } from '../../directory/errors.ts';
import type { CallCreate } from '../../directory/schemas/call.ts';
import type { GroupcallCreate } from '../../directory/schemas/groupcall.ts';
import { offerCodecs, parseAudio } from '../../media/sdp/index.ts';
import { formatUri, ipFamily } from '../../sip/message/index.ts';
import type { Uri } from '../../sip/message/index.ts';
import type { Clock } from '../../sip/clock.ts';
import type { InboundMessage } from '../../sip/transport/types.ts';
import type { IncomingInvite } from '../../sip/ua/index.ts';
import type { DeviceAuthenticator } from '../auth/types.ts';
import { defaultActions } from '../callflow/actions/index.ts';
import { FlowExecutor } from '../callflow/executor.ts';
import { GroupcallEngine } from '../groupcall/groupcall-engine.ts';
import { PickupEngine } from '../pickup/pickup-engine.ts';
import { PickupIndex } from '../pickup/pickup-index.ts';
import { ApiPickups, type ApiPicker } from './api-pickup.ts';
import type { GroupcallRecord } from '../groupcall/types.ts';
import type { SourceAddress } from '../registrar/types.ts';
import { address, CallJournal } from './call-journal.ts';
import { CallSession } from './call-session.ts';
import type { SessionEnv } from './session-types.ts';
import { EngineTimers } from './engine-timers.ts';
import { LegRegistry } from './leg-registry.ts';
import { OutboundCalls, type CallsCreated } from './outbound-calls.ts';
import type { InboundLeg } from './inbound-leg.ts';
import type { OutboundLeg } from './outbound-leg.ts';
import type { Call, CallEngineOptions, CallEngineStats, CallLog } from './types.ts';
import { uuid7 } from '../../store/index.ts';

const FOUR_HOURS = 4 * 3600_000;

/** The B2BUA. See the module comment. */
export class CallEngine {
  /** Every live leg; observe it to index ringing legs (pickup). */
  readonly legs = new LegRegistry();
  /** The groupcall engine (records, live groupcalls). */
  readonly groupcalls: GroupcallEngine;
  /** Call pickup: its index of ringing legs (`pickup.index.candidates`) and its counters. */
  readonly pickup: PickupEngine;
  private readonly apiPickups: ApiPickups;
  private readonly directory: DirectoryCache;
  private readonly auth: DeviceAuthenticator;
  private readonly ids: () => string;
  private readonly log: CallLog;
  private readonly defaultDomain: string | undefined;
  private readonly journal: CallJournal;
  private readonly timers: EngineTimers;
  private readonly clock: Clock;
  private readonly overload: CallEngineOptions['overload'];
  private readonly env: SessionEnv;
  private readonly outbound: OutboundCalls;
  private readonly allocating = { count: 0 };
  private readonly sessions = new Set<CallSession>();
  private sdpSeq = 0;
  private readonly sdpBase: number;
  private closed = false;

  constructor(opts: CallEngineOptions) {
    this.directory = opts.directory;
    this.auth = opts.auth;
    this.ids = opts.ids ?? (() => uuid7());
    this.log = opts.log ?? (() => {});
    this.defaultDomain = opts.defaultDomain;
    const now = opts.now ?? Date.now;
    this.sdpBase = Math.floor(now() / 1000);
    this.journal = new CallJournal(
      opts.store,
      now,
      this.log,
      opts.publish,
      opts.wantsEvents,
      opts.recordWriteMs,
    );
    this.clock = opts.clock;
    this.overload = opts.overload;
    this.timers = new EngineTimers(opts.clock);
    this.groupcalls = new GroupcallEngine({
      store: opts.store,
      now,
      ids: this.ids,
      timers: this.timers,
      log: this.log,
      publish: opts.publish,
      wantsEvents: opts.wantsEvents,
      recordWriteMs: opts.recordWriteMs,
    });
    const random = opts.random ?? Math.random;
    const index = new PickupIndex(opts.directory);
    this.legs.observe(index);
    this.pickup = new PickupEngine({
      index,
      directory: opts.directory,
      callOf: (id) => {
        const peer = this.legs.get(id)?.peer;
        return peer instanceof CallSession ? peer : undefined;
      },
      pickerOf: (call) => (call instanceof CallSession ? call : undefined),
      queues: opts.queues,
      random,
      stamp: () => this.groupcalls.journal.stamp(),
      publish: opts.publish,
      wantsEvents: opts.wantsEvents,
      log: this.log,
      now: () => opts.clock.now(),
      onPicked: opts.onPicked,
    });
    const executor = new FlowExecutor(opts.actions ?? defaultActions(), {
      directory: opts.directory,
      registrar: opts.registrar,
      ringTimeoutS: opts.ringTimeout ?? 20,
      random,
      log: this.log,
      pickup: this.pickup,
    });
    this.env = {
      ua: opts.ua,
      media: opts.media,
      journal: this.journal,
      timers: this.timers,
      registry: this.legs,
      log: this.log,
      sdpSessionId: () => String(this.sdpBase + ++this.sdpSeq),
      allocating: this.allocating,
      groupcalls: this.groupcalls,
      executor,
      maxCallDuration: opts.maxCallDuration ?? FOUR_HOURS,
      finished: (s) => this.sessions.delete(s),
    };
    const trunks = opts.trunks ?? (async () => []);
    this.outbound = new OutboundCalls({
      session: this.env,
      directory: opts.directory,
      registrar: opts.registrar,
      store: opts.store,
      trunks,
      adopt: (s) => this.sessions.add(s),
    });
    this.apiPickups = new ApiPickups({
      session: this.env,
      directory: opts.directory,
      registrar: opts.registrar,
      registry: this.legs,
      pickup: this.pickup,
      adopt: (s) => this.sessions.add(s),
    });
  }

  /** The UA delegate's `onInvite`: a new INVITE from a device. Never throws. */
  onInvite(invite: IncomingInvite, _inbound?: InboundMessage): void {
    try {
      this.route(invite);
    } catch (e) {
      this.log('error', 'INVITE handling failed', { err: e });
      invite.reject(500, 'Server Internal Error');
    }
  }

  // ---- the API ---------------------------------------------------------------------------------------

  /**
   * Hangs up a live call by the id of any of its legs: the whole call (CANCEL + 480 while ringing, BYE to
   * both sides once answered), or one ringing leg of a groupcall (CANCEL). 404 (`CALL_NOT_FOUND`) when not
   * live in this tenant.
   */
  async hangup(customerId: string, callId: string): Promise<Call> {
    const leg = this.legs.get(callId);
    if (leg === undefined || leg.record.customer_id !== customerId) throw notFound('call', callId);
    if (leg.peer instanceof CallSession) leg.peer.apiHangup();
    else if (leg.role === 'callee') (leg as OutboundLeg).hangup();
    return { ...leg.record, chained_call_ids: [...leg.record.chained_call_ids] };
  }

  /** A live leg's Call, from memory (undefined when not live or of another tenant). */
  get(customerId: string, id: string): Call | undefined {
    const leg = this.legs.get(id);
    if (leg === undefined || leg.record.customer_id !== customerId) return undefined;
    return { ...leg.record, chained_call_ids: [...leg.record.chained_call_ids] };
  }

  /**
   * A leg's Call as memory knows it: live, or changed and not yet written (records are written behind, up to
   * `calls.record_write_ms` later); undefined → read the store.
   */
  latestCall(customerId: string, id: string): Call | undefined {
    const live = this.get(customerId, id);
    if (live !== undefined) return live;
    const r = this.journal.unwritten(id);
    return r !== undefined && r.customer_id === customerId ? r : undefined;
  }

  /** Resolves once every call record change so far is in the store (the API's lists read the store). */
  callsWritten(): Promise<void> {
    return this.journal.writeNow();
  }

  /**
   * `POST /v1.0/calls/{id}/pickup` (pickup.md §6): rings the picker's device(s); the first to answer picks
   * up call `{id}` (any leg id of it) if it is still pickable. 404 `CALL_NOT_FOUND` when not live here, 409
   * `CALL_NOT_PICKABLE` when nothing rings for it, 400 `REFERENCE_NOT_FOUND` for an unknown picker, 409
   * `PICKER_NOT_REACHABLE` when no device of the picker is registered. Answers the picker's groupcall.
   */
  pickupCall(customerId: string, callId: string, picker: ApiPicker): Promise<GroupcallRecord> {
    this.refuseWhenClosed();
    return this.apiPickups.start(customerId, callId, picker);
  }

  /** `POST /v1.0/groupcalls` (400 for an unknown type or target, or a `tel` without trunk). */
  createGroupcall(customerId: string, input: GroupcallCreate): Promise<GroupcallRecord> {
    this.refuseWhenClosed();
    return this.outbound.createGroupcall(customerId, input);
  }

  /** `POST /v1.0/calls`. */
  createCalls(customerId: string, input: CallCreate): Promise<CallsCreated> {
    this.refuseWhenClosed();
    return this.outbound.createCalls(customerId, input);
  }

  /** A groupcall as memory knows it (live, or changed and not yet written); undefined → read the store. */
  groupcall(customerId: string, id: string): GroupcallRecord | undefined {
    return this.outbound.latestGroupcall(customerId, id);
  }

  /** Resolves once every groupcall change so far is in the store (the API's lists read the store). */
  groupcallsWritten(): Promise<void> {
    return this.groupcalls.journal.writeNow();
  }

  /** `POST /v1.0/groupcalls/{id}/hangup` (idempotent). */
  hangupGroupcall(customerId: string, id: string): Promise<GroupcallRecord> {
    return this.outbound.hangupGroupcall(customerId, id);
  }

  /** `DELETE /v1.0/groupcalls/{id}`. */
  deleteGroupcall(customerId: string, id: string): Promise<GroupcallRecord> {
    return this.outbound.deleteGroupcall(customerId, id);
  }

  /** Live counts (nothing should remain once calls end). */
  stats(): CallEngineStats {
    let endpoints = this.allocating.count;
    for (const leg of this.legs.all()) if (leg.media.open) endpoints++;
    return {
      calls: this.sessions.size,
      legs: this.legs.size,
      groupcalls: this.groupcalls.size,
      timers: this.timers.size,
      endpoints,
      pendingWrites: this.journal.pendingWrites + this.groupcalls.journal.pendingWrites,
    };
  }

  /** Calls, groupcalls and legs by record status (`GET /metrics`; one pass over the legs). */
  callCounts(): { sessions: number; groupcalls: number; legsByState: Record<string, number> } {
    const legsByState: Record<string, number> = {};
    for (const leg of this.legs.all()) {
      const st = leg.record.status;
      legsByState[st] = (legsByState[st] ?? 0) + 1;
    }
    return { sessions: this.sessions.size, groupcalls: this.groupcalls.size, legsByState };
  }

  /** Ends every live call (503 to ringing callers, BYE to answered ones) and flushes the records. */
  async close(): Promise<void> {
    this.closed = true;
    for (const s of [...this.sessions]) s.abort();
    this.groupcalls.hangupAll();
    for (const leg of this.legs.all()) (leg as InboundLeg | OutboundLeg).abort();
    this.sessions.clear();
    this.timers.clearAll();
    await this.journal.flush();
    await this.groupcalls.journal.flush();
  }

  // ---- routing an INVITE -----------------------------------------------------------------------------

  private refuseWhenClosed(): void {
    if (this.closed) throw new Error('the call engine is closed');
  }

  private route(invite: IncomingInvite): void {
    const receivedAt = this.clock.now();
    if (this.closed) {
      invite.reject(503, 'Service Unavailable');
      return;
    }
    const overload = this.overload;
    if (overload !== undefined && overload.refuse()) {
      invite.reject(503, 'Service Unavailable', { headers: [['Retry-After', overload.retryAfter]] });
      return;
    }
    const req = invite.request;
    const src = invite.inbound.source;
    const source: SourceAddress = {
      address: src.address,
      port: src.port,
      transport: src.transport.toUpperCase() === 'TCP' ? 'TCP' : 'UDP',
    };
    const auth = this.auth.check(req, source, true);
    if (!auth.ok) {
      invite.reject(auth.status, auth.reason, { headers: auth.headers });
      return;
    }
    const ruri = req.uri;
    const host = ruri.host.startsWith('[') ? ruri.host.slice(1, -1) : ruri.host;
    const domain = ipFamily(host) !== 0 ? (this.defaultDomain ?? auth.tenant.domain) : host.toLowerCase();
    const tenant = this.directory.tenantByDomain(domain);
    if (tenant === undefined || tenant.id !== auth.tenant.id) {
      invite.reject(403, 'Forbidden');
      return;
    }
    const dialed = ruri.user;
    const match = dialed ? this.directory.matchCallflow(tenant.id, dialed) : undefined;
    if (dialed === undefined || match === undefined) {
      this.log('info', 'call refused', { status: 404, why: 'no callflow', dialed });
      invite.reject(404, 'Not Found');
      return;
    }
    // Late offer (INVITE without SDP) is not supported yet: 488.
    const parsed = parseAudio(req.body);
    if (!parsed.ok || parsed.audio.port === 0 || offerCodecs(parsed.audio.codecs).length === 0) {
      invite.reject(488, 'Not Acceptable Here');
      return;
    }
    const owner = auth.device.ownerId ? this.directory.user(tenant.id, auth.device.ownerId) : undefined;
    // eslint-disable-next-line no-control-regex
    const display = (owner?.name ?? req.from.displayName ?? '').replace(/[\x00-\x1f\x7f]/g, ' ').trim();
    const fromUri: Uri = {
      scheme: 'sip',
      user: auth.device.sipUsername,
      host: tenant.domain,
      params: {},
      headers: {},
    };
    const toUri: Uri = { scheme: 'sip', user: dialed, host: tenant.domain, params: {}, headers: {} };
    const session = CallSession.inbound(this.env, {
      id: this.ids(),
      customerId: tenant.id,
      receivedAt,
      invite,
      offer: parsed.audio,
      callerDeviceId: auth.device.id,
      dialed,
      callflow: match.callflow,
      capture: match.capture,
      from: display
        ? `"${display.replace(/["\\]/g, '\\$&')}" <${formatUri(fromUri)}>`
        : `<${formatUri(fromUri)}>`,
      to: `<${formatUri(toUri)}>`,
      source: address('device', {
        target: auth.device.id,
        target_name: auth.device.sipUsername,
        name: display,
      }),
    });
    this.sessions.add(session);
    session.run(match.callflow, match.capture);
  }
}
