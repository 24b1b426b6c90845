/**
 * One client of the event stream (`GET /v1.0/events`), independent of the WebSocket library: the API hands
 * it a small {@link SocketPort} and forwards the socket's messages, pongs and close to it.
 *
 * What it does: once started, subscribes to its tenant's events on the bus with the connection's filter
 * (and says so with a `subscribed` message); sends each event as
 * `{ "type": …, "data": … }` (one text message per event, serialized once however many clients get it);
 * answers the client's `subscribe` and `ping` messages; and keeps its memory bounded — an `EventQueue`
 * between the bus and the socket (at most `maxQueuedEvents` waiting for a turn of the event loop) and at
 * most `maxBufferedBytes` accepted by the socket but not yet read by the client. A client over either
 * bound is dropped: close `4008 SLOW_CONSUMER`, and the socket is destroyed `dropGraceMs` later if the
 * client has not finished reading by then.
 *
 * Messages from the client (text, JSON):
 * - `{ "type": "subscribe", "data": { "type": [...], "resource_id": [...] } }` replaces the filter
 *   (each field a list or a comma-separated string; absent or empty: any) → `subscribed`;
 * - `{ "type": "ping" }` → `{ "type": "pong", "data": {} }` (for clients that cannot send ping frames);
 * - anything else → `{ "type": "error", "data": { "reason", "message", "details" } }`; the connection
 *   stays open.
 */
import type { ErrorDetail } from '../directory/errors.ts';
import type { EventBus, Subscription } from './event-bus.ts';
import { parseFilter, wireFilter, type EventFilter } from './event-filter.ts';
import { EventQueue } from './event-queue.ts';
import { CLOSE_REASONS, closeText, type CloseReason, type MessageErrorReason } from './socket-codes.ts';
import type { BusEvent } from './types.ts';

/** What a connection needs of its WebSocket (the `ws` library's `WebSocket` fits). */
export interface SocketPort {
  /** Bytes given to `send` that are not yet written to the network. */
  readonly bufferedAmount: number;
  send(text: string): void;
  ping(): void;
  close(code: number, reason: string): void;
  /** Destroys the connection at once. */
  terminate(): void;
}

/** The bounds of one connection; see the module comment. */
export interface ConnectionLimits {
  /** Most events waiting for a turn of the event loop (default 4096). */
  maxQueuedEvents: number;
  /** Most bytes the socket may hold unsent before the client is dropped (default 4 MiB). */
  maxBufferedBytes: number;
  /** How long a dropped client gets to read its close frame before the socket is destroyed (default 5 s). */
  dropGraceMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = Object.freeze({
  maxQueuedEvents: 4096,
  maxBufferedBytes: 4 * 1024 * 1024,
  dropGraceMs: 5000,
});

/** Timers, injected so tests need no sleeps. */
export interface ConnectionTimers {
  /** Runs `fn` after the current turn of the event loop (default `setImmediate`). */
  schedule: (fn: () => void) => void;
  /** Runs `fn` after `ms`; returns a cancel function (default `setTimeout`, unref'd). */
  later: (fn: () => void, ms: number) => () => void;
}

export const DEFAULT_TIMERS: ConnectionTimers = Object.freeze({
  schedule: (fn: () => void) => void setImmediate(fn),
  later: (fn: () => void, ms: number) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
});

/** Options of {@link EventConnection}. */
export interface EventConnectionOptions {
  bus: EventBus;
  socket: SocketPort;
  customerId: string;
  /** The filter the connection starts with (from the query string). */
  filter: EventFilter;
  limits?: Partial<ConnectionLimits>;
  timers?: Partial<ConnectionTimers>;
  /** Re-checks the connection's credentials at every keep-alive; false closes it with `KEY_REVOKED`. */
  stillAuthorized?: () => boolean;
  /** Called once when the connection is over (closed by either side or destroyed). */
  onEnd?: (connection: EventConnection) => void;
}

const serialized = new WeakMap<BusEvent, string>();

/** The wire text of an event, computed once per event for all the connections that send it. */
export function eventText(event: BusEvent): string {
  let text = serialized.get(event);
  if (text === undefined) {
    text = `{"type":${JSON.stringify(event.type)},"data":${JSON.stringify(event.data)}}`;
    serialized.set(event, text);
  }
  return text;
}

const SUBSCRIBE_FIELDS = new Set(['type', 'resource_id']);

/** See the module comment. */
export class EventConnection {
  readonly customerId: string;
  private readonly socket: SocketPort;
  private readonly bus: EventBus;
  private subscription: Subscription | undefined;
  /** The filter until `start` subscribes. */
  private initialFilter: EventFilter;
  private readonly queue: EventQueue;
  private readonly limits: ConnectionLimits;
  private readonly timers: ConnectionTimers;
  private readonly stillAuthorized: () => boolean;
  private readonly onEnd: (c: EventConnection) => void;
  private state: 'open' | 'closing' | 'ended' = 'open';
  private alive = true;
  private cancelGrace: (() => void) | undefined;
  private readonly endWaiters: Array<() => void> = [];
  /** Events sent so far (for tests and diagnostics). */
  sent = 0;
  /** Why the server closed the connection, when it did. */
  closedFor: CloseReason | undefined;

  constructor(opts: EventConnectionOptions) {
    this.customerId = opts.customerId;
    this.socket = opts.socket;
    this.limits = { ...DEFAULT_CONNECTION_LIMITS, ...opts.limits };
    this.timers = { ...DEFAULT_TIMERS, ...opts.timers };
    this.stillAuthorized = opts.stillAuthorized ?? (() => true);
    this.onEnd = opts.onEnd ?? (() => {});
    this.queue = new EventQueue(
      (events) => this.write(events),
      (max) => this.close('SLOW_CONSUMER', `more than ${max} events waited`),
      { maxEvents: this.limits.maxQueuedEvents, schedule: this.timers.schedule },
    );
    this.bus = opts.bus;
    this.initialFilter = opts.filter;
  }

  /** Subscribes to the bus and tells the client what it receives (`subscribed`). Once. */
  start(): void {
    if (this.state !== 'open' || this.subscription !== undefined) return;
    this.subscription = this.bus.subscribe(this.customerId, this.queue.push, this.initialFilter);
    this.sendControl('subscribed', this.subscribedData());
  }

  /** Whether events are still being delivered. */
  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** The current filter. */
  get filter(): EventFilter {
    return this.subscription?.filter ?? this.initialFilter;
  }

  /** A message from the client (the adapter forwards every one). */
  received(data: string, isBinary: boolean): void {
    this.alive = true;
    if (this.state !== 'open') return;
    if (isBinary) return this.refuse('INVALID_MESSAGE', 'binary messages are not accepted: send JSON text');
    let msg: unknown;
    try {
      msg = JSON.parse(data);
    } catch {
      return this.refuse('INVALID_MESSAGE', 'the message is not valid JSON');
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      return this.refuse('INVALID_MESSAGE', 'the message must be a JSON object with a "type"');
    }
    const { type, data: body } = msg as { type?: unknown; data?: unknown };
    if (type === 'ping') return this.sendControl('pong', {});
    if (type !== 'subscribe') {
      const shown = typeof type === 'string' ? `'${type.slice(0, 40)}'` : 'missing';
      return this.refuse('INVALID_MESSAGE', `message type ${shown}: the known types are subscribe, ping`);
    }
    if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
      return this.refuse('VALIDATION_FAILED', 'invalid subscribe: /data must be an object', [
        { path: '/data', message: 'must be an object' },
      ]);
    }
    const fields = (body ?? {}) as Record<string, unknown>;
    const unknownFields = Object.keys(fields).filter((k) => !SUBSCRIBE_FIELDS.has(k));
    const parsed = parseFilter(fields, '/data');
    const details = [
      ...unknownFields.map((k) => ({
        path: `/data/${k.slice(0, 64).replace(/~/g, '~0').replace(/\//g, '~1')}`,
        message: 'unknown field (known: type, resource_id)',
      })),
      ...(parsed.ok ? [] : parsed.details),
    ];
    if (details.length > 0 || !parsed.ok) {
      const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
      return this.refuse(
        'VALIDATION_FAILED',
        `invalid subscribe: ${details[0].path} ${details[0].message}${more}`,
        details,
      );
    }
    if (this.subscription) this.subscription.setFilter(parsed.filter);
    else this.initialFilter = parsed.filter;
    this.sendControl('subscribed', this.subscribedData());
  }

  /** A pong from the client. */
  pong(): void {
    this.alive = true;
  }

  /**
   * One keep-alive round (the hub calls it every ping interval): a client that answered nothing since the
   * previous round is destroyed; a revoked key closes the connection; otherwise a ping is sent.
   */
  keepAlive(): void {
    if (this.state === 'ended') return;
    if (!this.alive) return this.destroy();
    if (this.state !== 'open') return;
    let authorized = false;
    try {
      authorized = this.stillAuthorized();
    } catch {
      authorized = false;
    }
    if (!authorized) return this.close('KEY_REVOKED', 'the access key is no longer valid');
    this.alive = false;
    this.socket.ping();
  }

  /**
   * Closes the connection for `reason` (a close frame with its code): delivery stops at once, and the
   * socket is destroyed after `dropGraceMs` unless the client completes the close first. Idempotent.
   */
  close(reason: CloseReason, explanation: string): void {
    if (this.state !== 'open') return;
    this.state = 'closing';
    this.closedFor = reason;
    this.subscription?.close();
    this.queue.close();
    try {
      this.socket.close(CLOSE_REASONS[reason].code, closeText(reason, explanation));
    } catch {
      this.socket.terminate();
    }
    // (A socket may report its close synchronously: then the connection is over already.)
    if (this.state === 'closing') {
      this.cancelGrace = this.timers.later(() => this.destroy(), this.limits.dropGraceMs);
    }
  }

  /** Destroys the socket now (no close frame). Idempotent. */
  destroy(): void {
    if (this.state === 'ended') return;
    this.socket.terminate();
    this.ended();
  }

  /** Runs `fn` once the connection is over (at once if it already is). */
  whenEnded(fn: () => void): void {
    if (this.state === 'ended') fn();
    else this.endWaiters.push(fn);
  }

  /** The socket is closed (the adapter calls this on its `close` event). Idempotent. */
  ended(): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.subscription?.close();
    this.queue.close();
    this.cancelGrace?.();
    this.cancelGrace = undefined;
    this.onEnd(this);
    for (const fn of this.endWaiters.splice(0)) fn();
  }

  private subscribedData(): Record<string, unknown> {
    return { customer_id: this.customerId, ...wireFilter(this.filter) };
  }

  private refuse(reason: MessageErrorReason, message: string, details: ErrorDetail[] = []): void {
    this.sendControl('error', { reason, message, details });
  }

  private sendControl(type: string, data: unknown): void {
    this.sendText(JSON.stringify({ type, data }));
  }

  /** The queue's drain: the batch of events that arrived since the previous turn. */
  private write(events: readonly BusEvent[]): void {
    for (let i = 0; i < events.length && this.state === 'open'; i++) {
      if (this.sendText(eventText(events[i]))) this.sent++;
    }
  }

  /** Sends unless the client is too far behind, in which case it is dropped. */
  private sendText(text: string): boolean {
    if (this.state !== 'open') return false;
    if (this.socket.bufferedAmount + text.length > this.limits.maxBufferedBytes) {
      this.close('SLOW_CONSUMER', `over ${this.limits.maxBufferedBytes} bytes unread`);
      return false;
    }
    try {
      this.socket.send(text);
      return true;
    } catch {
      this.destroy();
      return false;
    }
  }
}
