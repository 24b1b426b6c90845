/**
 * A subscriber's bounded mailbox between the bus and a slow consumer (a WebSocket, a webhook sender): the
 * bus listener `push` only appends a reference (the publisher never runs the consumer's work), and the
 * consumer's `drain` runs later — once per turn of the event loop, with everything that arrived meanwhile.
 * When more than `maxEvents` wait, the queue gives up instead of growing: it drops what it holds, stops
 * accepting, and reports the overflow (later too, never on the publisher's stack).
 */
import type { BusEvent } from './types.ts';

/** Default most events waiting for one drain. */
export const DEFAULT_MAX_QUEUED_EVENTS = 4096;

/** Options of {@link EventQueue}. */
export interface EventQueueOptions {
  /** Most events waiting (default 4096); one more overflows the queue. */
  maxEvents?: number;
  /** Runs a drain or an overflow report later (default `setImmediate`). Tests run it by hand. */
  schedule?: (run: () => void) => void;
  /** The drain threw (default: ignored; it must not escape into the event loop). */
  onError?: (err: unknown) => void;
}

/** See the module comment. */
export class EventQueue {
  private items: BusEvent[] = [];
  private spare: BusEvent[] = [];
  private scheduled = false;
  private state: 'open' | 'overflowed' | 'closed' = 'open';
  private readonly maxEvents: number;
  private readonly schedule: (run: () => void) => void;
  private readonly onError: (err: unknown) => void;

  constructor(
    private readonly drain: (events: readonly BusEvent[]) => void,
    private readonly onOverflow: (maxEvents: number) => void,
    opts: EventQueueOptions = {},
  ) {
    this.maxEvents = opts.maxEvents ?? DEFAULT_MAX_QUEUED_EVENTS;
    this.schedule = opts.schedule ?? setImmediate;
    this.onError = opts.onError ?? (() => {});
  }

  /** Events waiting for the next drain. */
  get size(): number {
    return this.items.length;
  }

  /** Whether the queue overflowed (and so accepts nothing any more). */
  get overflowed(): boolean {
    return this.state === 'overflowed';
  }

  /** The bus listener: appends, and schedules a drain if none is pending. */
  readonly push = (event: BusEvent): void => {
    if (this.state !== 'open') return;
    if (this.items.length >= this.maxEvents) {
      this.state = 'overflowed';
      this.items.length = 0;
      this.schedule(() => this.report(() => this.onOverflow(this.maxEvents)));
      return;
    }
    this.items.push(event);
    if (!this.scheduled) {
      this.scheduled = true;
      this.schedule(this.run);
    }
  };

  /** Drops what waits and accepts nothing more. Idempotent. */
  close(): void {
    this.state = 'closed';
    this.items.length = 0;
  }

  private readonly run = (): void => {
    this.scheduled = false;
    if (this.state !== 'open' || this.items.length === 0) return;
    // Double buffering: events pushed during the drain go to the other array (and the next drain).
    const batch = this.items;
    this.items = this.spare;
    this.report(() => this.drain(batch));
    batch.length = 0;
    this.spare = batch;
  };

  private report(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      try {
        this.onError(err);
      } catch {
        // nothing more to do: a scheduled callback must not throw into the event loop
      }
    }
  }
}
