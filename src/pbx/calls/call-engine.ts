/**
 * The call engine (issue 4): ringd's B2BUA. The UA hands it every new INVITE; it authenticates the calling
 * device (407 challenge), finds the tenant (Request-URI host) and the callflow of the dialed number, rings
 * every registered contact of the target device(s) with its own INVITE and media endpoint, and bridges
 * the first one to answer to the caller. Live calls are held in memory, indexed by Call id; records go to
 * the store in the background (`CallJournal`).
 */
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type { DirectoryCache } from '../../directory/contract.ts';
import { notFound } from '../../directory/errors.ts';
import { offerCodecs, parseAudio } from '../../media/sdp/index.ts';
import type { AudioDescription, MediaEndpoint, MediaPlane } from '../../media/types.ts';
import { formatUri } from '../../sip/message/index.ts';
import type { Uri } from '../../sip/message/index.ts';
import type { InboundMessage } from '../../sip/transport/types.ts';
import type { IncomingInvite, UserAgent } from '../../sip/ua/index.ts';
import type { DeviceAuthenticator } from '../auth/types.ts';
import type { RegistrarLookup, SourceAddress } from '../registrar/types.ts';
import { B2bCall, type CallEnv } from './b2b-call.ts';
import { address, CallJournal } from './call-journal.ts';
import { EngineTimers } from './engine-timers.ts';
import { routeCall, type Target } from './routing.ts';
import type { Call, CallEngineOptions, CallEngineStats, CallLog } from './types.ts';

const FOUR_HOURS = 4 * 3600_000;

/** The B2BUA. See the module comment. */
export class CallEngine {
  private readonly ua: UserAgent;
  private readonly media: MediaPlane;
  private readonly directory: DirectoryCache;
  private readonly registrar: RegistrarLookup;
  private readonly auth: DeviceAuthenticator;
  private readonly ids: () => string;
  private readonly log: CallLog;
  private readonly defaultDomain: string | undefined;
  private readonly ringTimeoutS: number;
  private readonly journal: CallJournal;
  private readonly timers: EngineTimers;
  private readonly env: CallEnv;
  /** Live calls by the id of any of their legs. */
  private readonly byLeg = new Map<string, B2bCall>();
  private readonly calls = new Set<B2bCall>();
  /** Endpoints allocated for calls still being set up. */
  private settingUp = 0;
  private sdpSeq = 0;
  private readonly sdpBase: number;
  private closed = false;

  constructor(opts: CallEngineOptions) {
    this.ua = opts.ua;
    this.media = opts.media;
    this.directory = opts.directory;
    this.registrar = opts.registrar;
    this.auth = opts.auth;
    this.ids = opts.ids ?? randomUUID;
    this.log = opts.log ?? (() => {});
    this.defaultDomain = opts.defaultDomain;
    this.ringTimeoutS = opts.ringTimeout ?? 20;
    const now = opts.now ?? Date.now;
    this.sdpBase = Math.floor(now() / 1000);
    this.journal = new CallJournal(opts.store, now, this.log, opts.publish);
    this.timers = new EngineTimers(opts.clock);
    this.env = {
      ua: this.ua,
      media: this.media,
      journal: this.journal,
      timers: this.timers,
      log: this.log,
      maxCallDuration: opts.maxCallDuration ?? FOUR_HOURS,
      sdpSessionId: () => String(this.sdpBase + ++this.sdpSeq),
      finished: (call) => this.forget(call),
    };
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

  /** Hangs up a live call by the id of any of its legs; 404 (`CALL_NOT_FOUND`) when not live. */
  async hangup(customerId: string, callId: string): Promise<Call> {
    const call = this.byLeg.get(callId);
    if (call === undefined || call.caller.record.customer_id !== customerId) throw notFound('call', callId);
    return { ...call.hangup(callId) };
  }

  /** A live leg's Call, from memory (undefined when not live or of another tenant). */
  get(customerId: string, id: string): Call | undefined {
    const call = this.byLeg.get(id);
    const leg = call?.legs.find((l) => l.record.id === id);
    if (leg === undefined || leg.record.customer_id !== customerId) return undefined;
    return { ...leg.record, chained_call_ids: [...leg.record.chained_call_ids] };
  }

  /** Live counts (nothing should remain once calls end). */
  stats(): CallEngineStats {
    let endpoints = this.settingUp;
    for (const c of this.calls) for (const l of c.legs) if (l.media.open) endpoints++;
    return {
      calls: this.calls.size,
      legs: this.byLeg.size,
      timers: this.timers.size,
      endpoints,
      pendingWrites: this.journal.pendingWrites,
    };
  }

  /** Ends every live call (503 to ringing callers, BYE to answered ones) and flushes the records. */
  async close(): Promise<void> {
    this.closed = true;
    for (const call of [...this.calls]) call.abort();
    this.timers.clearAll();
    await this.journal.flush();
  }

  // ---- routing -------------------------------------------------------------------------------------

  private route(invite: IncomingInvite): void {
    if (this.closed) {
      invite.reject(503, 'Service Unavailable');
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
    const domain = isIP(host) !== 0 ? (this.defaultDomain ?? auth.tenant.domain) : host.toLowerCase();
    const tenant = this.directory.tenantByDomain(domain);
    if (tenant === undefined || tenant.id !== auth.tenant.id) {
      invite.reject(403, 'Forbidden');
      return;
    }
    const dialed = ruri.user;
    if (dialed === undefined || dialed === '') {
      invite.reject(404, 'Not Found');
      return;
    }
    const route = routeCall(
      this.directory,
      this.registrar,
      tenant.id,
      dialed,
      auth.device.id,
      this.ringTimeoutS,
    );
    if (!route.ok) {
      this.log('info', 'call refused', { status: route.status, why: route.why, dialed });
      invite.reject(route.status, route.reason);
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
    const prepared = {
      invite,
      offer: parsed.audio,
      customerId: tenant.id,
      flowId: route.callflow.id,
      targets: route.targets,
      ringTimeoutMs: route.timeoutS * 1000,
      dialed,
      from: display
        ? `"${display.replace(/["\\]/g, '\\$&')}" <${formatUri(fromUri)}>`
        : `<${formatUri(fromUri)}>`,
      to: `<${formatUri(toUri)}>`,
      source: address('device', {
        target: auth.device.id,
        target_name: auth.device.sipUsername,
        name: display,
      }),
    };
    void this.allocateAndStart(prepared);
  }

  /** Allocates one endpoint per leg, then starts the call (unless the caller cancelled meanwhile). */
  private async allocateAndStart(p: {
    invite: IncomingInvite;
    offer: AudioDescription;
    customerId: string;
    flowId: string;
    targets: Target[];
    ringTimeoutMs: number;
    dialed: string;
    from: string;
    to: string;
    source: Call['source'];
  }): Promise<void> {
    let cancelled = false;
    p.invite.onCancel = () => (cancelled = true);
    const endpoints: MediaEndpoint[] = [];
    try {
      for (let i = 0; i <= p.targets.length; i++) {
        endpoints.push(await this.media.allocate());
        this.settingUp++;
      }
    } catch (e) {
      this.log('error', 'media allocation failed', { err: e });
      this.releaseSetup(endpoints);
      p.invite.reject(503, 'Service Unavailable');
      return;
    }
    this.settingUp -= endpoints.length;
    if (cancelled || this.closed || p.invite.state !== 'proceeding') {
      for (const ep of endpoints) ep.close();
      if (!cancelled) p.invite.reject(503, 'Service Unavailable');
      return;
    }
    const call = new B2bCall(this.env, {
      callerId: this.ids(),
      customerId: p.customerId,
      invite: p.invite,
      offer: p.offer,
      callerEndpoint: endpoints[0],
      callees: p.targets.map((target, i) => ({ id: this.ids(), target, endpoint: endpoints[i + 1] })),
      flowId: p.flowId,
      source: p.source,
      dialed: p.dialed,
      from: p.from,
      to: p.to,
      ringTimeoutMs: p.ringTimeoutMs,
    });
    this.calls.add(call);
    for (const leg of call.legs) this.byLeg.set(leg.record.id, call);
    call.start();
  }

  private releaseSetup(endpoints: MediaEndpoint[]): void {
    this.settingUp -= endpoints.length;
    for (const ep of endpoints) ep.close();
  }

  private forget(call: B2bCall): void {
    this.calls.delete(call);
    for (const leg of call.legs) if (this.byLeg.get(leg.record.id) === call) this.byLeg.delete(leg.record.id);
  }
}
