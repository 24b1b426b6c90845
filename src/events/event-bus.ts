/**
 * The in-process event bus: publishers (the call engine, later groupcalls, pickup, queues) hand it events;
 * subscribers get the events of one tenant (or, for platform observers, of every tenant), filtered by type
 * and resource id.
 *
 * `publish` runs on the call engine's hot path, so it costs one map lookup when the tenant has no
 * subscriber, allocates nothing, and is O(subscribers of that tenant) otherwise: subscriber lists are
 * copy-on-write arrays, so subscribing or closing (even from inside a listener) never disturbs a delivery
 * in progress. A listener that throws is reported to `onListenerError` and never reaches the publisher or
 * the other subscribers. Listeners run synchronously and must be cheap; anything that writes to a network
 * goes through an `EventQueue`, which defers and bounds the work.
 */
import { compileFilter, matches, MATCH_ALL, type CompiledFilter, type EventFilter } from './event-filter.ts';
import type { BusEvent, EventListener } from './types.ts';

/** Options of {@link EventBus}. */
export interface EventBusOptions {
  /** A listener threw (the publisher never sees it). Default: ignored. */
  onListenerError?: (err: unknown, event: BusEvent, subscription: Subscription) => void;
}

/** One subscriber's registration; `close()` ends it (idempotent). */
export class Subscription {
  /** The filter in the form `publish` tests. */
  compiled: CompiledFilter;
  private current: EventFilter;
  private ended = false;

  constructor(
    private readonly bus: EventBus,
    /** The tenant whose events this receives; `null`: every tenant. */
    readonly customerId: string | null,
    readonly listener: EventListener,
    filter: EventFilter,
  ) {
    this.current = filter;
    this.compiled = compileFilter(filter);
  }

  /** What this subscription lets through. */
  get filter(): EventFilter {
    return this.current;
  }

  /** Replaces the filter; applies from the next `publish` on. */
  setFilter(filter: EventFilter): void {
    this.current = filter;
    this.compiled = compileFilter(filter);
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Stops delivery at once (also for an event being delivered right now). Idempotent. */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.bus.remove(this);
  }
}

const NONE: readonly Subscription[] = Object.freeze([]);

/** See the module comment. */
export class EventBus {
  private readonly byTenant = new Map<string, readonly Subscription[]>();
  private everyTenant: readonly Subscription[] = NONE;
  private readonly onListenerError: NonNullable<EventBusOptions['onListenerError']>;

  constructor(opts: EventBusOptions = {}) {
    this.onListenerError = opts.onListenerError ?? (() => {});
  }

  /**
   * Delivers `event` to the subscribers of its tenant (`event.data.customer_id`) and to every-tenant
   * subscribers whose filter it passes. Never throws because of a subscriber. The event is shared by all
   * of them: do not change it afterwards.
   */
  publish(event: BusEvent): void {
    const own = this.byTenant.get(event.data.customer_id);
    if (own !== undefined) this.deliver(own, event);
    if (this.everyTenant.length > 0) this.deliver(this.everyTenant, event);
  }

  /** Subscribes to one tenant's events (default filter: everything). */
  subscribe(customerId: string, listener: EventListener, filter: EventFilter = MATCH_ALL): Subscription {
    const s = new Subscription(this, customerId, listener, filter);
    this.byTenant.set(customerId, [...(this.byTenant.get(customerId) ?? NONE), s]);
    return s;
  }

  /** Subscribes to every tenant's events: for platform observers (metrics, webhooks, a cluster link). */
  subscribeAll(listener: EventListener, filter: EventFilter = MATCH_ALL): Subscription {
    const s = new Subscription(this, null, listener, filter);
    this.everyTenant = [...this.everyTenant, s];
    return s;
  }

  /**
   * Whether an event of this tenant would reach anyone (before filters): a publisher whose event is costly
   * to build may skip building it when this is false.
   */
  hasSubscribers(customerId: string): boolean {
    return this.byTenant.has(customerId) || this.everyTenant.length > 0;
  }

  /** Subscriptions of one tenant (not counting every-tenant ones), or of all when omitted. */
  subscriberCount(customerId?: string): number {
    if (customerId !== undefined) return this.byTenant.get(customerId)?.length ?? 0;
    let n = this.everyTenant.length;
    for (const list of this.byTenant.values()) n += list.length;
    return n;
  }

  /** Closes every subscription. */
  close(): void {
    for (const list of [...this.byTenant.values(), this.everyTenant]) for (const s of list) s.close();
  }

  /** Called by `Subscription.close`. */
  remove(s: Subscription): void {
    if (s.customerId === null) {
      this.everyTenant = this.everyTenant.filter((x) => x !== s);
      return;
    }
    const list = this.byTenant.get(s.customerId);
    if (list === undefined) return;
    const rest = list.filter((x) => x !== s);
    if (rest.length === 0) this.byTenant.delete(s.customerId);
    else this.byTenant.set(s.customerId, rest);
  }

  private deliver(list: readonly Subscription[], event: BusEvent): void {
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      if (s.closed || !matches(s.compiled, event)) continue;
      try {
        s.listener(event);
      } catch (err) {
        try {
          this.onListenerError(err, event, s);
        } catch {
          // the error reporter itself failed: nothing more to do without reaching the publisher
        }
      }
    }
  }
}
