/**
 * The registrar (RFC 3261 §10.3): REGISTERs authenticated by digest against the device's HA1, bindings per
 * device kept in memory for the B2BUA's lookups and written to `registrations` before the 200 OK (nothing
 * accepted is lost; bindings that expired while ringd was down are purged by {@link Registrar.load}).
 * Requests of one device are processed one at a time, in arrival order; devices never wait for each other.
 */
import type { DirectoryCache, DirectoryChange } from '../../directory/index.ts';
import type { PageQuery, PageResult } from '../../directory/schemas/common.ts';
import type { Clock } from '../../sip/clock.ts';
import type { IdSource } from '../../sip/ids.ts';
import { createResponse, uriEquals } from '../../sip/message/index.ts';
import type { SipRequest } from '../../sip/message/index.ts';
import type { ServerTransaction } from '../../sip/transaction/index.ts';
import type { InboundMessage } from '../../sip/transport/types.ts';
import type { RegistrationRow } from '../../store/repos/registrations.ts';
import { TimestampSource, uuid7, type Store } from '../../store/index.ts';
import type { DeviceAuthenticator } from '../auth/types.ts';
import { BindingTable, deviceKey, type BindingRecord } from './binding-table.ts';
import { readRegister, type ExpiresPolicy, type RequestedContact } from './register-request.ts';
import { listPage, recordFromRow, toRow } from './registration-rows.ts';
import type { Binding, RegistrarLookup, RegistrationView, SourceAddress } from './types.ts';

/** What the registrar needs of the directory: device state, and change notifications when available. */
export interface RegistrarDirectory {
  cache: DirectoryCache;
  /** `Directory.onChange`: a deleted or disabled device (or deleted tenant) loses its bindings. */
  onChange?(listener: (c: DirectoryChange) => void): () => void;
}

/** Options of {@link Registrar}. */
export interface RegistrarOptions {
  auth: DeviceAuthenticator;
  store: Store;
  /** Timers (binding expiry). */
  clock: Clock;
  /** To tags. */
  ids: IdSource;
  log?: (msg: string, o?: object) => void;
  /** Shortest interval accepted (s); shorter non-zero ones get 423. Default 60. */
  minExpires?: number;
  /** Longest interval (s); longer ones are clamped. Default 3600. */
  maxExpires?: number;
  /** Interval when the REGISTER gives none (s). Default 3600. */
  defaultExpires?: number;
  /** Bindings one device may hold; a REGISTER adding more gets 403. Default 10. */
  maxContactsPerDevice?: number;
  /** Wall clock in epoch ms (`expiresAt`, timestamps, `Date`). Default `Date.now`. */
  now?: () => number;
  /** Row ids. Default: time-ordered UUIDv7 (`store/uuid7.ts`). */
  newId?: () => string;
  /** Device names and state; with `onChange`, deleted/disabled devices are dropped automatically. */
  directory?: RegistrarDirectory;
}

/** A binding added, refreshed or removed (after the store committed it). */
export interface RegistrationChange {
  op: 'add' | 'update' | 'remove';
  id: string;
  binding: Readonly<Binding>;
  /** `register` (add/update), `unregister` (expires 0 or `*`), `expired`, `device` (deleted/disabled). */
  cause: 'register' | 'unregister' | 'expired' | 'device';
}

type Outcome = { status: number; reason: string; headers?: Array<[string, string]>; toTag?: boolean };

const EMPTY: readonly Binding[] = Object.freeze([]);

/** The registrar. Call {@link load} once before handling requests. */
export class Registrar implements RegistrarLookup {
  readonly #auth: DeviceAuthenticator;
  readonly #store: Store;
  readonly #ids: IdSource;
  readonly #log: (msg: string, o?: object) => void;
  readonly #policy: ExpiresPolicy;
  readonly #maxContacts: number;
  readonly #now: () => number;
  readonly #newId: () => string;
  readonly #stamps: TimestampSource;
  readonly #directory: RegistrarDirectory | undefined;
  readonly #table: BindingTable;
  readonly #chains = new Map<string, Promise<void>>();
  /** Bumped when a device's bindings are dropped: a REGISTER in flight for it is then discarded. */
  readonly #generation = new Map<string, number>();
  readonly #listeners = new Set<(c: RegistrationChange) => void>();
  #unsubscribe: (() => void) | undefined;
  #closed = false;

  constructor(options: RegistrarOptions) {
    this.#auth = options.auth;
    this.#store = options.store;
    this.#ids = options.ids;
    this.#log = options.log ?? (() => {});
    this.#policy = {
      minExpires: options.minExpires ?? 60,
      maxExpires: options.maxExpires ?? 3600,
      defaultExpires: options.defaultExpires ?? 3600,
    };
    if (this.#policy.minExpires > this.#policy.maxExpires) throw new RangeError('minExpires > maxExpires');
    this.#maxContacts = options.maxContactsPerDevice ?? 10;
    this.#now = options.now ?? Date.now;
    this.#newId = options.newId ?? (() => uuid7());
    this.#stamps = new TimestampSource(this.#now);
    this.#directory = options.directory;
    this.#table = new BindingTable(options.clock, this.#now, (rec) => this.#expire(rec));
    this.#unsubscribe = this.#directory?.onChange?.((c) => this.#onDirectoryChange(c));
  }

  /**
   * Restores the stored bindings: deletes the rows that expired while ringd was down (and those of devices
   * that no longer exist or are disabled, when the directory is known), and arms the others' timers.
   */
  async load(): Promise<{ restored: number; expired: number; dropped: number }> {
    const repo = this.#store.repos.registrations;
    const now = this.#now();
    const expired = await repo.deleteExpired(now);
    const rows = await repo.all();
    const byDevice = new Map<string, BindingRecord[]>();
    const stale: string[] = [];
    for (const row of rows) {
      const rec = this.#fromRow(row, now);
      if (rec === undefined) {
        stale.push(row.id);
        continue;
      }
      const key = deviceKey(row.customer_id, row.device_id);
      let list = byDevice.get(key);
      if (list === undefined) byDevice.set(key, (list = []));
      list.push(rec);
    }
    if (stale.length > 0) await repo.remove(stale);
    let restored = 0;
    for (const list of byDevice.values()) {
      const b = list[0].binding;
      this.#table.replace(b.customerId, b.deviceId, [
        ...this.#table.records(b.customerId, b.deviceId),
        ...list,
      ]);
      restored += list.length;
    }
    this.#log('registrar loaded', { restored, expired, dropped: stale.length });
    return { restored, expired, dropped: stale.length };
  }

  /**
   * Handles a REGISTER (from the UA delegate's `onRequest`); returns false for any other method. The
   * answer is sent through `txn` once the change is stored.
   */
  handle(req: SipRequest, txn: ServerTransaction, inbound: InboundMessage): boolean {
    if (req.method !== 'REGISTER') return false;
    const reply = (o: Outcome, extra: Array<[string, string]> = []): void => {
      try {
        const res = createResponse(req, o.status, o.reason, {
          toTag: this.#ids.tag(),
          headers: [...(o.headers ?? []), ...extra],
        });
        txn.respond(res);
      } catch (e) {
        this.#log('registrar could not answer', { error: String(e) });
      }
    };
    if (this.#closed) {
      reply({ status: 503, reason: 'Service Unavailable' });
      return true;
    }
    const source = sourceOf(inbound);
    const auth = this.#auth.check(req, source, false);
    if (!auth.ok) {
      reply({ status: auth.status, reason: auth.reason, headers: auth.headers });
      return true;
    }
    const intent = readRegister(req, this.#policy);
    if (intent.kind === 'error') {
      reply(intent);
      return true;
    }
    let callId: string;
    let cseq: number;
    try {
      callId = req.callId;
      cseq = req.cseq.seq;
    } catch {
      reply({ status: 400, reason: 'Bad Request' });
      return true;
    }
    const { tenant, device } = auth;
    const key = deviceKey(tenant.id, device.id);
    const request: PendingRegister = {
      generation: this.#generation.get(key) ?? 0,
      customerId: tenant.id,
      deviceId: device.id,
      sipUsername: device.sipUsername,
      source,
      userAgent: req.get('user-agent') ?? '',
      callId,
      cseq,
      wildcard: intent.kind === 'wildcard',
      contacts: intent.kind === 'contacts' ? intent.contacts : [],
    };
    void this.#enqueue(key, async () => {
      const outcome = await this.#register(request);
      if (outcome.status !== 200) return reply(outcome);
      reply(outcome, this.#contactHeaders(request.customerId, request.deviceId));
    });
    return true;
  }

  /** Live bindings of a device, highest q first, then most recent. */
  contactsOf(customerId: string, deviceId: string): readonly Binding[] {
    if (this.#closed) return EMPTY;
    return this.#table.contactsOf(customerId, deviceId);
  }

  /**
   * A tenant's bindings for `GET /v1.0/registrations`, newest first (by first registration), keyset
   * paginated like every list. Throws `DirectoryError` 400 on a bad `page_size` / `page_token`.
   */
  list(customerId: string, page: PageQuery = {}): PageResult<RegistrationView> {
    const cache = this.#directory?.cache;
    return listPage(this.#table.tenantRecords(customerId), page, this.#now(), (r) =>
      cache === undefined
        ? r.sipUsername
        : (cache.device(r.binding.customerId, r.binding.deviceId)?.sipUsername ?? r.sipUsername),
    );
  }

  /** Listens to binding changes (after they are stored); returns the unsubscribe function. */
  onChange(listener: (c: RegistrationChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Drops every binding of a device (deleted or disabled): gone from lookups at once, rows deleted before
   * the returned promise resolves. Called automatically on directory changes when `directory.onChange` was
   * given.
   */
  dropDevice(customerId: string, deviceId: string): Promise<void> {
    const key = deviceKey(customerId, deviceId);
    this.#generation.set(key, (this.#generation.get(key) ?? 0) + 1);
    const recs = this.#table.records(customerId, deviceId);
    this.#table.replace(customerId, deviceId, []);
    for (const r of recs) this.#emit({ op: 'remove', id: r.id, binding: r.binding, cause: 'device' });
    return this.#enqueue(key, async () => {
      await this.#store.repos.registrations.deleteFor(customerId, deviceId);
    });
  }

  /** Drops every binding of a tenant (deleted). */
  async dropTenant(customerId: string): Promise<void> {
    await Promise.all(
      this.#table.devicesOf(customerId).map((d) => this.dropDevice(d.customerId, d.deviceId)),
    );
    await this.#store.repos.registrations.deleteFor(customerId);
  }

  /** Counts for health and tests: bindings, expiry timers, devices, REGISTERs in progress. */
  stats(): { bindings: number; timers: number; devices: number; pending: number } {
    return { ...this.#table.size, pending: this.#chains.size };
  }

  /** Resolves when no REGISTER or store write is in progress. */
  async idle(): Promise<void> {
    while (this.#chains.size > 0) await Promise.all([...this.#chains.values()]);
  }

  /** Stops: timers cleared, directory listener removed, further REGISTERs answered 503. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#table.clear();
    this.#listeners.clear();
  }

  // ---------------------------------------------------------------------------------------------------

  /** §10.3 steps 6–8 for one device, in its turn. */
  async #register(p: PendingRegister): Promise<Outcome> {
    const key = deviceKey(p.customerId, p.deviceId);
    const now = this.#now();
    const all = this.#table.records(p.customerId, p.deviceId);
    const initial = all.filter((r) => r.binding.expiresAt > now);
    const lapsed = all.filter((r) => r.binding.expiresAt <= now);
    const working = [...initial];
    // Contacts already set by this request are not checked again (a Contact listed twice).
    const touched = new Set<string>();
    const outOfOrder = (r: BindingRecord): boolean =>
      !touched.has(r.id) && r.binding.callId === p.callId && p.cseq <= r.binding.cseq;

    if (p.wildcard) {
      // §10.3 step 6: every binding must pass the Call-ID/CSeq check, else nothing is removed.
      if (working.some(outOfOrder)) return { status: 500, reason: 'Out Of Order CSeq', headers: RETRY };
      working.length = 0;
    }
    for (const c of p.contacts) {
      const i = working.findIndex((r) => uriEquals(r.uri, c.uri));
      const existing = i >= 0 ? working[i] : undefined;
      // §10.3 step 7: same Call-ID with a CSeq not higher → the whole update is aborted.
      if (existing !== undefined && outOfOrder(existing)) {
        return { status: 500, reason: 'Out Of Order CSeq', headers: RETRY };
      }
      if (c.expires === 0) {
        if (existing !== undefined) working.splice(i, 1);
        continue;
      }
      if (existing === undefined && working.length >= this.#maxContacts) {
        return { status: 403, reason: 'Too Many Contacts' };
      }
      const rec = this.#record(p, c, existing, now);
      touched.add(rec.id);
      if (existing !== undefined) working[i] = rec;
      else working.push(rec);
    }

    const before = new Map(initial.map((r) => [r.id, r]));
    const kept = new Set(working.map((r) => r.id));
    const puts = working.filter((r) => before.get(r.id) !== r);
    const gone = initial.filter((r) => !kept.has(r.id));
    const removals = [...gone, ...lapsed].map((r) => r.id);
    if (puts.length > 0 || removals.length > 0) {
      try {
        await this.#store.transaction(async (repos) => {
          for (const r of puts) await repos.registrations.put(toRow(r));
          await repos.registrations.remove(removals);
        });
      } catch (e) {
        this.#log('registrar could not store a REGISTER', { error: String(e), device: p.deviceId });
        return { status: 500, reason: 'Registration Not Stored', headers: RETRY };
      }
    }
    if (this.#closed) return { status: 503, reason: 'Service Unavailable' };
    if ((this.#generation.get(key) ?? 0) !== p.generation) return { status: 403, reason: 'Device Removed' };
    const after = this.#now();
    // Bindings the expiry timer collected while the write was in flight stay collected.
    const current = new Set(this.#table.records(p.customerId, p.deviceId));
    this.#table.replace(
      p.customerId,
      p.deviceId,
      working.filter((r) => r.binding.expiresAt > after && (current.has(r) || puts.includes(r))),
    );
    for (const r of lapsed) {
      if (current.has(r)) this.#emit({ op: 'remove', id: r.id, binding: r.binding, cause: 'expired' });
    }
    for (const r of gone) this.#emit({ op: 'remove', id: r.id, binding: r.binding, cause: 'unregister' });
    for (const r of puts) {
      this.#emit({
        op: before.has(r.id) ? 'update' : 'add',
        id: r.id,
        binding: r.binding,
        cause: 'register',
      });
    }
    return { status: 200, reason: 'OK' };
  }

  #record(
    p: PendingRegister,
    c: RequestedContact,
    existing: BindingRecord | undefined,
    now: number,
  ): BindingRecord {
    const stamp = this.#stamps.next();
    const binding: Binding = Object.freeze({
      customerId: p.customerId,
      deviceId: p.deviceId,
      contact: c.text,
      source: Object.freeze({ ...p.source }),
      expiresAt: now + c.expires * 1000,
      userAgent: p.userAgent,
      callId: p.callId,
      cseq: p.cseq,
      q: c.q,
    });
    return {
      id: existing?.id ?? this.#newId(),
      binding,
      uri: c.uri,
      sipUsername: p.sipUsername,
      tmCreate: existing?.tmCreate ?? stamp,
      tmUpdate: stamp,
      updatedAt: now,
    };
  }

  /** The 200 OK's Contact values: every live binding of the device with its remaining seconds, and Date. */
  #contactHeaders(customerId: string, deviceId: string): Array<[string, string]> {
    const now = this.#now();
    const out: Array<[string, string]> = [];
    for (const b of this.#table.contactsOf(customerId, deviceId)) {
      const secs = Math.max(0, Math.ceil((b.expiresAt - now) / 1000));
      out.push(['Contact', `<${b.contact}>;expires=${secs}` + (b.q !== 1 ? `;q=${b.q}` : '')]);
    }
    out.push(['Date', new Date(now).toUTCString()]);
    return out;
  }

  #expire(rec: BindingRecord): void {
    const { customerId, deviceId } = rec.binding;
    const key = deviceKey(customerId, deviceId);
    this.#table.replace(
      customerId,
      deviceId,
      this.#table.records(customerId, deviceId).filter((r) => r !== rec),
    );
    this.#emit({ op: 'remove', id: rec.id, binding: rec.binding, cause: 'expired' });
    void this.#enqueue(key, async () => {
      // A REGISTER that refreshed it meanwhile keeps the row (same id).
      if (this.#table.records(customerId, deviceId).some((r) => r.id === rec.id)) return;
      await this.#store.repos.registrations.remove([rec.id]);
    });
  }

  #onDirectoryChange(c: DirectoryChange): void {
    if (c.table === 'customers' && c.op === 'delete') {
      void this.dropTenant(c.id).catch((e) => this.#log('registrar drop failed', { error: String(e) }));
      return;
    }
    if (c.table !== 'devices') return;
    if (this.#table.records(c.customerId, c.id).length === 0) return;
    const device = this.#directory?.cache.device(c.customerId, c.id);
    if (c.op === 'delete' || device === undefined || !device.enabled) {
      void this.dropDevice(c.customerId, c.id).catch((e) =>
        this.#log('registrar drop failed', { error: String(e) }),
      );
    }
  }

  #fromRow(row: RegistrationRow, now: number): BindingRecord | undefined {
    if (!(row.expires_at > now)) return undefined;
    const cache = this.#directory?.cache;
    const device = cache?.device(row.customer_id, row.device_id);
    if (cache !== undefined && (device === undefined || !device.enabled)) return undefined;
    return recordFromRow(row, device?.sipUsername ?? '', now);
  }

  #emit(c: RegistrationChange): void {
    for (const l of this.#listeners) {
      try {
        l(c);
      } catch (e) {
        this.#log('registrar listener failed', { error: String(e) });
      }
    }
  }

  /** Runs `job` after the device's earlier jobs; never rejects (failures are logged). */
  #enqueue(key: string, job: () => Promise<void>): Promise<void> {
    const prev = this.#chains.get(key) ?? Promise.resolve();
    const next = prev
      .then(job)
      .catch((e: unknown) => this.#log('registrar job failed', { error: String(e) }));
    this.#chains.set(key, next);
    void next.then(() => {
      if (this.#chains.get(key) === next) this.#chains.delete(key);
    });
    return next;
  }
}

interface PendingRegister {
  /** The device's drop generation when the REGISTER was authenticated. */
  generation: number;
  customerId: string;
  deviceId: string;
  sipUsername: string;
  source: SourceAddress;
  userAgent: string;
  callId: string;
  cseq: number;
  wildcard: boolean;
  contacts: RequestedContact[];
}

const RETRY: Array<[string, string]> = [['Retry-After', '5']];

/** Where the REGISTER came from (NAT: its source, not the Contact's host). */
function sourceOf(inbound: InboundMessage): SourceAddress {
  const t = inbound.source.transport.toUpperCase();
  return {
    address: inbound.source.address,
    port: inbound.source.port,
    transport: t === 'UDP' ? 'UDP' : 'TCP',
  };
}
