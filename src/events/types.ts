/**
 * The shape of an event (groupcall.md "Events"): `{ type, data }`, where `data` is the resource exactly as
 * `GET` returns it — so it always carries the resource's `id` and the tenant's `customer_id`, which is how
 * the bus routes it.
 */

/** What every event's `data` has: the resource's id and its tenant. Everything else is the resource's own. */
export interface EventData {
  readonly id: string;
  readonly customer_id: string;
}

/**
 * One event: `type` (see `EVENT_TYPES`) and the resource as `GET` returns it. Published events are shared
 * by every subscriber and must not be changed after `publish` (publishers hand over a snapshot).
 */
export interface BusEvent<D extends EventData = EventData> {
  readonly type: string;
  readonly data: D;
}

/** A subscriber's callback: called synchronously inside `publish`, so it must be cheap (see `EventQueue`). */
export type EventListener = (event: BusEvent) => void;
