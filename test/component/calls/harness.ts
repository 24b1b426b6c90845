/**
 * A ringd call engine on a fake network in virtual time, with phones as UAs: a real in-memory store and
 * directory (tenant `acme.example`, users Alice and Bob, devices, callflows), fake registrar bindings, a
 * fake device authenticator and the in-memory media plane of `test/support/fake-media.ts`.
 *
 * Callflows: 100 → device alice; 200 → device bob-desk; 201 → user Bob (bob-desk + bob-mobile);
 * 202 → device bob-desk with a 5 s ring timeout; 300 → general_pickup. The tenant also has the default
 * feature-code callflows (`*87`, `*87<ext>`, `88<name>`).
 */
import assert from 'node:assert/strict';
import type { DeviceEntry } from '../../../src/directory/contract.ts';
import { createDirectory, type Directory } from '../../../src/directory/index.ts';
import {
  CallEngine,
  isGroupcallEvent,
  isPickupEvent,
  type Call,
  type CallEngineOptions,
  type CallEvent,
} from '../../../src/pbx/calls/index.ts';
import type { GroupcallEvent, GroupcallRecord } from '../../../src/pbx/groupcall/index.ts';
import type { PickupEvent } from '../../../src/pbx/pickup/types.ts';
import { sequentialIds } from '../../../src/sip/ids.ts';
import type { SipRequest, SipResponse } from '../../../src/sip/message/index.ts';
import { FakeClock, FakeNetwork } from '../../../src/sip/testing/index.ts';
import type { WirePacket } from '../../../src/sip/testing/index.ts';
import { UserAgent } from '../../../src/sip/ua/index.ts';
import { openStore, type Store } from '../../../src/store/index.ts';
import { FakeMedia } from '../../support/fake-media.ts';
import { DOMAIN, FakeAuth, FakeRegistrar, Phone, RINGD, type CallerView } from './phones.ts';

export {
  DOMAIN,
  FakeAuth,
  FakeRegistrar,
  Phone,
  RINGD,
  phoneSdp,
  type Behaviour,
  type CallerView,
} from './phones.ts';

/** Wall-clock origin of the records' timestamps: virtual time 0. */
export const EPOCH = Date.UTC(2025, 0, 2, 3, 4, 5);

export interface HarnessOptions {
  ringTimeout?: number;
  /** Queue calls for pickup (default: none). */
  queues?: CallEngineOptions['queues'];
  maxCallDuration?: number;
  capacity?: number;
  /** Overload control stub given to the engine. */
  overload?: CallEngineOptions['overload'];
  /** Uniform [0, 1) for weighted_random (default: a fixed sequence). */
  random?: () => number;
  trunks?: CallEngineOptions['trunks'];
  /** The callflow modules (default: every built-in one). */
  actions?: CallEngineOptions['actions'];
}

/** One line of the engine's log. */
export interface LogLine {
  level: string;
  msg: string;
  fields?: object;
}

/** The whole set-up; see the module comment. */
export class Harness {
  readonly clock = new FakeClock(0);
  readonly net = new FakeNetwork({ clock: this.clock });
  readonly media: FakeMedia;
  readonly registrar = new FakeRegistrar();
  readonly auth: FakeAuth;
  /** Call events, in order. */
  readonly events: CallEvent[] = [];
  /** Groupcall events, in order. */
  readonly gcEvents: GroupcallEvent[] = [];
  /** `call_pickup` events, in order. */
  readonly pickups: PickupEvent[] = [];
  /** Every event, in order, as `type id`. */
  readonly timeline: string[] = [];
  /** The engine's log. */
  readonly logs: LogLine[] = [];
  readonly ringd: UserAgent;
  engine!: CallEngine;
  store!: Store;
  dir!: Directory;
  tenantId = '';
  devices: Record<string, DeviceEntry> = {};
  readonly phones: Phone[] = [];

  private constructor(opts: HarnessOptions) {
    this.media = new FakeMedia({ capacity: opts.capacity });
    this.auth = new FakeAuth(() => this.dir);
    const t = this.net.attach({ address: RINGD });
    this.ringd = new UserAgent({
      transport: t,
      clock: this.clock,
      ids: sequentialIds('ringd-'),
      delegate: { onInvite: (inv) => this.engine.onInvite(inv) },
    });
  }

  static async create(opts: HarnessOptions = {}): Promise<Harness> {
    const h = new Harness(opts);
    h.store = await openStore({ url: 'sqlite::memory:' });
    h.dir = await createDirectory({ store: h.store });
    const tenant = await h.dir.customers.create({ name: 'Acme', domain: DOMAIN });
    h.tenantId = tenant.id;
    const alice = await h.dir.users.create(tenant.id, { name: 'Alice Smith' });
    const bob = await h.dir.users.create(tenant.id, { name: 'Bob' });
    for (const [name, owner] of [
      ['alice', alice.id],
      ['bob-desk', bob.id],
      ['bob-mobile', bob.id],
    ] as const) {
      const d = await h.dir.devices.create(tenant.id, {
        name,
        sip_username: name,
        sip_password: 'secret-password',
        owner_id: owner,
      });
      h.devices[name] = h.dir.cache.device(tenant.id, d.id)!;
    }
    const cf = (numbers: string[], module: string, data: Record<string, unknown>) =>
      h.dir.callflows.create(tenant.id, { numbers, flow: { module, data } });
    await cf(['100'], 'device', { id: h.devices.alice.id });
    await cf(['200'], 'device', { id: h.devices['bob-desk'].id });
    await cf(['201'], 'user', { id: bob.id });
    await cf(['202'], 'device', { id: h.devices['bob-desk'].id, timeout: 5 });
    await cf(['300'], 'general_pickup', {});
    h.engine = new CallEngine({
      ua: h.ringd,
      media: h.media,
      directory: h.dir.cache,
      registrar: h.registrar,
      auth: h.auth,
      store: h.store,
      clock: h.clock,
      now: () => EPOCH + h.clock.now(),
      ids: uuidSource(),
      publish: (e) => {
        h.timeline.push(`${e.type} ${e.data.id}`);
        if (isGroupcallEvent(e)) h.gcEvents.push(e);
        else if (isPickupEvent(e)) h.pickups.push(e);
        else h.events.push(e);
      },
      ringTimeout: opts.ringTimeout,
      maxCallDuration: opts.maxCallDuration,
      random: opts.random,
      trunks: opts.trunks,
      actions: opts.actions,
      queues: opts.queues,
      overload: opts.overload,
      log: (level, msg, fields) => h.logs.push({ level, msg, fields }),
    });
    return h;
  }

  /** A user of the tenant. */
  async user(name: string): Promise<string> {
    return (await this.dir.users.create(this.tenantId, { name })).id;
  }

  /** A device of the tenant (kept in `devices` under its name). */
  async device(name: string, ownerId?: string): Promise<DeviceEntry> {
    const d = await this.dir.devices.create(this.tenantId, {
      name,
      sip_username: name,
      sip_password: 'secret-password',
      ...(ownerId ? { owner_id: ownerId } : {}),
    });
    this.devices[name] = this.dir.cache.device(this.tenantId, d.id)!;
    return this.devices[name];
  }

  /** A group of the tenant: `members` as `[id, type]`. */
  async group(name: string, members: Array<[string, 'device' | 'user' | 'group']>): Promise<string> {
    const endpoints = Object.fromEntries(members.map(([id, type]) => [id, { type }]));
    return (await this.dir.groups.create(this.tenantId, { name, endpoints })).id;
  }

  /** A callflow of the tenant. */
  async callflow(numbers: string[], flow: Record<string, unknown>, patterns: string[] = []): Promise<string> {
    const cf = await this.dir.callflows.create(this.tenantId, {
      numbers,
      patterns,
      flow: flow as { module: string },
    });
    return cf.id;
  }

  /** The Call id of the leg that rang `device` (by its sip username), nth of them. */
  legTo(device: string, nth = 0): string {
    const ids = [
      ...new Set(this.events.filter((e) => e.data.destination.target_name === device).map((e) => e.data.id)),
    ];
    assert.ok(ids[nth], `a leg rang ${device}`);
    return ids[nth];
  }

  /** The id of the caller leg of the nth call. */
  callerLeg(nth = 0): string {
    const ids = [
      ...new Set(this.events.filter((e) => e.data.direction === 'incoming').map((e) => e.data.id)),
    ];
    assert.ok(ids[nth], 'a caller leg exists');
    return ids[nth];
  }

  /** Groupcall ids in creation order. */
  groupcallIds(): string[] {
    return this.gcEvents.filter((e) => e.type === 'groupcall_created').map((e) => e.data.id);
  }

  /** A groupcall as the engine knows it now (memory, else the store after a flush). */
  async gc(id: string): Promise<GroupcallRecord> {
    const live = this.engine.groupcall(this.tenantId, id);
    if (live) return live;
    const row = await this.store.repos.groupcalls.get(this.tenantId, id, { includeDeleted: true });
    assert.ok(row, `groupcall ${id} exists`);
    return row as GroupcallRecord;
  }

  /** A phone at `address` registered (when `device` is given) for that device. */
  phone(name: string, address: string, device?: string): Phone {
    const p = new Phone(this, name, address);
    this.phones.push(p);
    if (device) this.registrar.register(this.tenantId, this.devices[device], p);
    return p;
  }

  /**
   * A phone of another tenant (`domain`), registered for its device `name` (created there, with the same
   * name as its SIP username).
   */
  async foreignPhone(customerId: string, domain: string, name: string, address: string): Promise<Phone> {
    const d = await this.dir.devices.create(customerId, {
      name,
      sip_username: name,
      sip_password: 'secret-password',
    });
    const p = new Phone(this, name, address, domain);
    this.phones.push(p);
    this.registrar.register(customerId, this.dir.cache.device(customerId, d.id)!, p);
    return p;
  }

  /** Lets virtual time pass, running microtasks between timers (the engine awaits media allocation). */
  async run(ms = 50): Promise<void> {
    const end = this.clock.now() + ms;
    for (;;) {
      await flush();
      const next = this.clock.nextTimerAt();
      if (next === undefined || next > end) break;
      this.clock.advance(Math.max(0, next - this.clock.now()));
    }
    this.clock.advance(end - this.clock.now());
    await flush();
  }

  /** Runs until no timer is left (bounded). */
  async idle(maxMs = 3_600_000): Promise<void> {
    const limit = this.clock.now() + maxMs;
    for (;;) {
      await flush();
      const next = this.clock.nextTimerAt();
      if (next === undefined) return;
      assert.ok(next <= limit, 'timers still pending after the idle limit');
      this.clock.advance(Math.max(0, next - this.clock.now()));
    }
  }

  /** Places a call from `phone` and records what the caller sees. */
  dial(phone: Phone, dialed: string, opts?: Parameters<Phone['call']>[1]): CallerView {
    const out = phone.call(dialed, opts);
    const v: CallerView = { out, progress: [], ended: [] };
    out.onProgress = (res) => v.progress.push(res.status);
    out.onAnswer = (s, res) => {
      v.session = s;
      v.answerBody = res.body.toString();
      s.onEnd = (c) => v.ended.push(c);
    };
    out.onFailure = (f) => (v.failure = f.status);
    return v;
  }

  /** Requests/responses on the wire between two addresses, as `METHOD` or `status METHOD`. */
  wire(from?: string, to?: string): string[] {
    return this.packets(from, to).map((p) => firstLine(p));
  }

  packets(from?: string, to?: string): WirePacket[] {
    return this.net.sent.filter(
      (p) =>
        !p.dropped &&
        p.message !== undefined &&
        (from === undefined || p.from.address === from) &&
        (to === undefined || p.to.address === to),
    );
  }

  /** The first request of `method` sent to `to`. */
  request(method: string, to: string, nth = 0): SipRequest {
    const r = this.packets(RINGD, to).filter(
      (p) => p.message?.kind === 'request' && (p.message as SipRequest).method === method,
    )[nth];
    assert.ok(r, `a ${method} was sent to ${to}`);
    return r.message as SipRequest;
  }

  /** Every Call row of the tenant, oldest first. */
  async rows(): Promise<Call[]> {
    await this.engine.close();
    const rows = (await this.store.repos.calls.all(this.tenantId)) as Call[];
    return rows.sort((a, b) => a.tm_create.localeCompare(b.tm_create));
  }

  /** Event types published for one Call id, in order. */
  eventsOf(id: string): string[] {
    return this.events.filter((e) => e.data.id === id).map((e) => e.type);
  }

  /** Event types published for one groupcall id, in order. */
  gcEventsOf(id: string): string[] {
    return this.gcEvents.filter((e) => e.data.id === id).map((e) => e.type);
  }

  /** Every Groupcall row of the tenant (after closing the engine: everything written), oldest first. */
  async groupcallRows(): Promise<GroupcallRecord[]> {
    await this.engine.close();
    const rows = (await this.store.repos.groupcalls.all(this.tenantId)) as GroupcallRecord[];
    return rows.sort((a, b) => a.tm_create.localeCompare(b.tm_create));
  }

  /** Lets every timer run out, then asserts nothing is left anywhere. */
  async assertClean(): Promise<void> {
    await this.idle();
    assert.deepEqual(
      { ...this.engine.stats(), pendingWrites: 0 },
      { calls: 0, legs: 0, groupcalls: 0, timers: 0, endpoints: 0, pendingWrites: 0 },
      'engine: no call, leg, groupcall, timer or endpoint left',
    );
    assert.equal(this.media.live.size, 0, 'every media endpoint closed');
    const zero = { sessions: 0, pendingInvites: 0, awaitingAck: 0, transactions: 0 };
    assert.deepEqual(this.ringd.stats(), zero, 'ringd UA: nothing left');
    for (const p of this.phones) assert.deepEqual(p.ua.stats(), zero, `${p.name} UA: nothing left`);
    assert.equal(this.clock.pendingTimers(), 0, 'no timer pending');
  }

  async close(): Promise<void> {
    await this.engine.close();
    assert.equal(this.engine.stats().pendingWrites, 0, 'close() flushed the writes');
    this.ringd.close();
    for (const p of this.phones) p.ua.close();
    await this.store.close();
  }
}

function uuidSource(): () => string {
  let n = 0;
  return () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
}

async function flush(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
}

export function firstLine(p: WirePacket): string {
  const m = p.message;
  if (m === undefined) return '?';
  return m.kind === 'request' ? (m as SipRequest).method : `${(m as SipResponse).status} ${m.cseq.method}`;
}
