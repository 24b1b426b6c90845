/** Small builders for the events unit tests: tenants, events, a hand-run scheduler, a fake socket. */
import type { BusEvent, EventData, SocketPort } from '../../../src/events/index.ts';

export const TENANT_A = 'aaaaaaaa-0000-4000-8000-000000000001';
export const TENANT_B = 'bbbbbbbb-0000-4000-8000-000000000002';
export const CALL_1 = '11111111-1111-4111-8111-111111111111';
export const CALL_2 = '22222222-2222-4222-8222-222222222222';

/** An event of `type` about resource `id` of tenant `customer`. */
export function ev(
  type: string,
  id = CALL_1,
  customer = TENANT_A,
  extra: Record<string, unknown> = {},
): BusEvent {
  return { type, data: { id, customer_id: customer, status: 'dialing', ...extra } as EventData };
}

/** A scheduler the test runs by hand (`run()` runs what is pending, including what that schedules). */
export class ManualScheduler {
  private readonly pending: Array<() => void> = [];
  private readonly timers = new Set<{ fn: () => void; ms: number }>();
  readonly schedule = (fn: () => void): void => void this.pending.push(fn);
  readonly later = (fn: () => void, ms: number): (() => void) => {
    const t = { fn, ms };
    this.timers.add(t);
    return () => this.timers.delete(t);
  };
  get size(): number {
    return this.pending.length;
  }
  get timerCount(): number {
    return this.timers.size;
  }
  run(): void {
    while (this.pending.length > 0) this.pending.shift()!();
  }
  /** Fires every pending timer. */
  fireTimers(): void {
    for (const t of [...this.timers]) {
      this.timers.delete(t);
      t.fn();
    }
  }
}

/** A socket that records what it was told; `bufferedAmount` is set by the test. */
export class FakeSocket implements SocketPort {
  bufferedAmount = 0;
  readonly sent: string[] = [];
  pings = 0;
  closedWith: { code: number; reason: string } | undefined;
  terminated = false;
  send(text: string): void {
    if (this.closedWith || this.terminated) throw new Error('send after close');
    this.sent.push(text);
  }
  ping(): void {
    this.pings++;
  }
  close(code: number, reason: string): void {
    this.closedWith = { code, reason };
  }
  terminate(): void {
    this.terminated = true;
  }
  /** The messages sent, parsed. */
  messages(): Array<{ type: string; data: Record<string, unknown> }> {
    return this.sent.map((s) => JSON.parse(s) as { type: string; data: Record<string, unknown> });
  }
  /** The types of the messages sent. */
  types(): string[] {
    return this.messages().map((m) => m.type);
  }
}
