/**
 * The registrar's bindings in memory: per device (Map-indexed, the B2BUA's lookup is O(1) and allocation-free
 * while every binding is live) and per tenant (for lists), with one expiry timer per binding on the injected
 * clock.
 */
import type { Clock, TimerHandle } from '../../sip/clock.ts';
import type { Uri } from '../../sip/message/index.ts';
import type { Binding } from './types.ts';

/** One binding with what the registrar needs besides the contract's {@link Binding}. */
export interface BindingRecord {
  /** Row id (stable across refreshes of the same contact). */
  readonly id: string;
  readonly binding: Readonly<Binding>;
  /** The Contact URI parsed, for RFC 3261 §19.1.4 comparison with later REGISTERs. */
  readonly uri: Uri;
  readonly sipUsername: string;
  /** Store timestamps. */
  readonly tmCreate: string;
  readonly tmUpdate: string;
  /** Wall time (epoch ms) of the last REGISTER that set it: orders equal-q contacts. */
  readonly updatedAt: number;
}

interface DeviceSlot {
  records: BindingRecord[];
  timers: TimerHandle[];
  /** Bindings, highest q first, then most recent. */
  sorted: readonly Binding[];
}

const EMPTY: readonly Binding[] = Object.freeze([]);
/** Node timers hold at most 2**31-1 ms; a longer wait is re-armed. */
const MAX_TIMER_MS = 2_147_483_647;

export const deviceKey = (customerId: string, deviceId: string): string => customerId + '\0' + deviceId;

/** In-memory bindings with expiry timers. */
export class BindingTable {
  readonly #clock: Clock;
  readonly #now: () => number;
  readonly #onExpire: (rec: BindingRecord) => void;
  readonly #devices = new Map<string, DeviceSlot>();
  readonly #tenants = new Map<string, Map<string, BindingRecord>>();
  #bindings = 0;
  #timers = 0;

  /**
   * @param now wall clock (epoch ms) the `expiresAt` values are on.
   * @param onExpire called when a binding's timer finds it expired (the table has not removed it yet).
   */
  constructor(clock: Clock, now: () => number, onExpire: (rec: BindingRecord) => void) {
    this.#clock = clock;
    this.#now = now;
    this.#onExpire = onExpire;
  }

  /** Bindings held and timers armed. */
  get size(): { bindings: number; timers: number; devices: number } {
    return { bindings: this.#bindings, timers: this.#timers, devices: this.#devices.size };
  }

  /** The records of a device (live or not yet collected). */
  records(customerId: string, deviceId: string): readonly BindingRecord[] {
    return this.#devices.get(deviceKey(customerId, deviceId))?.records ?? [];
  }

  /** Live bindings of a device, highest q first, then most recent. */
  contactsOf(customerId: string, deviceId: string): readonly Binding[] {
    const slot = this.#devices.get(deviceKey(customerId, deviceId));
    if (slot === undefined) return EMPTY;
    const now = this.#now();
    for (const b of slot.sorted) if (b.expiresAt <= now) return slot.sorted.filter((x) => x.expiresAt > now);
    return slot.sorted;
  }

  /** Every record of a tenant (any order). */
  tenantRecords(customerId: string): Iterable<BindingRecord> {
    return this.#tenants.get(customerId)?.values() ?? [];
  }

  /** Device keys of a tenant's devices holding bindings. */
  devicesOf(customerId: string): Array<{ customerId: string; deviceId: string }> {
    const seen = new Map<string, { customerId: string; deviceId: string }>();
    for (const r of this.tenantRecords(customerId)) {
      seen.set(r.binding.deviceId, { customerId, deviceId: r.binding.deviceId });
    }
    return [...seen.values()];
  }

  /** Replaces the device's records (timers re-armed); an empty list removes the device. */
  replace(customerId: string, deviceId: string, next: readonly BindingRecord[]): void {
    const key = deviceKey(customerId, deviceId);
    const old = this.#devices.get(key);
    let tenant = this.#tenants.get(customerId);
    if (old !== undefined) {
      for (const t of old.timers) this.#clock.clearTimer(t);
      this.#timers -= old.timers.length;
      this.#bindings -= old.records.length;
      if (tenant !== undefined) for (const r of old.records) tenant.delete(r.id);
      this.#devices.delete(key);
    }
    if (next.length > 0) {
      if (tenant === undefined) {
        tenant = new Map();
        this.#tenants.set(customerId, tenant);
      }
      const records = [...next];
      const timers = records.map((r) => this.#arm(r));
      for (const r of records) tenant.set(r.id, r);
      this.#timers += timers.length;
      this.#bindings += records.length;
      this.#devices.set(key, { records, timers, sorted: sortBindings(records) });
    }
    if (tenant !== undefined && tenant.size === 0) this.#tenants.delete(customerId);
  }

  /** Removes everything and clears every timer. */
  clear(): void {
    for (const slot of this.#devices.values()) for (const t of slot.timers) this.#clock.clearTimer(t);
    this.#devices.clear();
    this.#tenants.clear();
    this.#bindings = 0;
    this.#timers = 0;
  }

  #arm(rec: BindingRecord): TimerHandle {
    const wait = Math.min(Math.max(rec.binding.expiresAt - this.#now(), 0), MAX_TIMER_MS);
    return this.#clock.setTimer(wait, () => {
      const key = deviceKey(rec.binding.customerId, rec.binding.deviceId);
      const slot = this.#devices.get(key);
      const i = slot?.records.indexOf(rec) ?? -1;
      if (slot === undefined || i < 0) return;
      if (rec.binding.expiresAt > this.#now()) {
        // Fired early (a wall clock behind the timer clock, or a wait past the timer limit): wait again.
        slot.timers[i] = this.#arm(rec);
        return;
      }
      this.#onExpire(rec);
    });
  }
}

function sortBindings(records: readonly BindingRecord[]): readonly Binding[] {
  return Object.freeze(
    [...records]
      .sort((a, b) => b.binding.q - a.binding.q || b.updatedAt - a.updatedAt || (a.id < b.id ? -1 : 1))
      .map((r) => r.binding),
  );
}
