/**
 * Every event-stream connection of this node: counts them per tenant (so a tenant cannot open unbounded
 * many), runs one keep-alive timer for all of them (each round pings every connection, destroys those that
 * answered nothing since the previous round, and closes those whose access key was revoked), and closes
 * them all with `1001 SHUTTING_DOWN` when ringd stops.
 */
import type { EventBus } from './event-bus.ts';
import {
  DEFAULT_TIMERS,
  EventConnection,
  type ConnectionLimits,
  type ConnectionTimers,
  type EventConnectionOptions,
} from './event-connection.ts';

/** Options of {@link EventSocketHub}. */
export interface EventSocketHubOptions {
  bus: EventBus;
  /** Keep-alive period in ms (default 30 000); 0 runs no timer (tests call `keepAlive()`). */
  pingIntervalMs?: number;
  /** Most connections per tenant (default 100). */
  maxConnectionsPerTenant?: number;
  /** Bounds of each connection (see `ConnectionLimits`). */
  limits?: Partial<ConnectionLimits>;
  timers?: Partial<ConnectionTimers>;
}

export const DEFAULT_PING_INTERVAL_MS = 30_000;
export const DEFAULT_MAX_CONNECTIONS_PER_TENANT = 100;

/** See the module comment. */
export class EventSocketHub {
  readonly maxConnectionsPerTenant: number;
  private readonly bus: EventBus;
  private readonly byTenant = new Map<string, Set<EventConnection>>();
  private readonly limits: Partial<ConnectionLimits> | undefined;
  private readonly timers: ConnectionTimers;
  private readonly interval: ReturnType<typeof setInterval> | undefined;
  private closing = false;

  constructor(opts: EventSocketHubOptions) {
    this.bus = opts.bus;
    this.maxConnectionsPerTenant = opts.maxConnectionsPerTenant ?? DEFAULT_MAX_CONNECTIONS_PER_TENANT;
    this.limits = opts.limits;
    this.timers = { ...DEFAULT_TIMERS, ...opts.timers };
    const period = opts.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
    if (period > 0) {
      this.interval = setInterval(() => this.keepAlive(), period);
      this.interval.unref();
    }
  }

  /** Open connections of a tenant, or of all tenants. */
  connectionCount(customerId?: string): number {
    if (customerId !== undefined) return this.byTenant.get(customerId)?.size ?? 0;
    let n = 0;
    for (const set of this.byTenant.values()) n += set.size;
    return n;
  }

  /** Whether a tenant may open one more connection. */
  hasRoom(customerId: string): boolean {
    return !this.closing && this.connectionCount(customerId) < this.maxConnectionsPerTenant;
  }

  /**
   * Starts serving a connection (`start`). Over the tenant's limit (two upgrades racing past `hasRoom`) or
   * while stopping, it is closed instead, at once, with `TOO_MANY_CONNECTIONS` / `SHUTTING_DOWN`.
   */
  attach(opts: Omit<EventConnectionOptions, 'bus' | 'limits' | 'timers' | 'onEnd'>): EventConnection {
    const full = !this.hasRoom(opts.customerId);
    const conn = new EventConnection({
      ...opts,
      bus: this.bus,
      limits: this.limits,
      timers: this.timers,
      onEnd: (c) => this.forget(c),
    });
    let set = this.byTenant.get(opts.customerId);
    if (set === undefined) this.byTenant.set(opts.customerId, (set = new Set()));
    set.add(conn);
    if (this.closing) conn.close('SHUTTING_DOWN', 'ringd is stopping');
    else if (full) conn.close('TOO_MANY_CONNECTIONS', `at most ${this.maxConnectionsPerTenant} per tenant`);
    else conn.start();
    return conn;
  }

  /** One keep-alive round over every connection. */
  keepAlive(): void {
    for (const set of [...this.byTenant.values()]) for (const c of [...set]) c.keepAlive();
  }

  /**
   * Closes every connection with `1001 SHUTTING_DOWN` and resolves once they are all over (a client that
   * does not complete the close is destroyed after `graceMs`). Idempotent.
   */
  async close(graceMs = 1000): Promise<void> {
    this.closing = true;
    if (this.interval !== undefined) clearInterval(this.interval);
    const all = [...this.byTenant.values()].flatMap((s) => [...s]);
    if (all.length === 0) return;
    await new Promise<void>((resolve) => {
      let left = all.length;
      const done = () => {
        if (--left === 0) resolve();
      };
      for (const c of all) {
        c.whenEnded(done);
        c.close('SHUTTING_DOWN', 'ringd is stopping');
        this.timers.later(() => c.destroy(), graceMs);
      }
    });
  }

  private forget(c: EventConnection): void {
    const set = this.byTenant.get(c.customerId);
    if (set === undefined) return;
    set.delete(c);
    if (set.size === 0) this.byTenant.delete(c.customerId);
  }
}
