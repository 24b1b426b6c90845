/**
 * Every live leg by Call id (caller legs and outbound legs), with arrival order and observers. The call
 * engine only adds, looks up and removes; other parts of ringd watch it.
 *
 * This is the seam for pickup (pickup.md step 2: "an indexed lookup … maps from device / user / group /
 * call-group name / queue to ringing legs in arrival order"): a pickup index is a `LegObserver` that keeps
 * its own maps from `ringing` / `stoppedRinging`, using what each `OutboundLeg` carries — `target` (the
 * device, hence its owner user), `ring` (why it rings: direct / ring_group with its name / groupcall;
 * the directory group it was reached through), `groupcallId`, `masterCallId` (the caller call) and
 * `arrival` (a per-engine sequence number: oldest = smallest). Adding that index changes nothing here.
 */
import type { LegCore } from './legs.ts';
import type { OutboundLeg } from './outbound-leg.ts';

/** Watches legs ring. Callbacks must not throw (they are caught and ignored). */
export interface LegObserver {
  /** An outbound leg's INVITE is out: it rings (pickup.md "Ringing leg": dialing or ringing). */
  ringing?(leg: OutboundLeg): void;
  /** It no longer rings: answered, failed, cancelled or given up. */
  stoppedRinging?(leg: OutboundLeg): void;
}

/** The live legs; see the module comment. */
export class LegRegistry {
  private readonly legs = new Map<string, LegCore>();
  private readonly observers = new Set<LegObserver>();
  private readonly ringingLegs = new Set<OutboundLeg>();
  private sequence = 0;

  /** Live legs. */
  get size(): number {
    return this.legs.size;
  }

  /** Legs ringing now. */
  get ringingCount(): number {
    return this.ringingLegs.size;
  }

  /** Adds a leg; returns its arrival number. */
  add(leg: LegCore): number {
    this.legs.set(leg.id, leg);
    return ++this.sequence;
  }

  get(id: string): LegCore | undefined {
    return this.legs.get(id);
  }

  /** Every live leg (a copy). */
  all(): LegCore[] {
    return [...this.legs.values()];
  }

  remove(leg: LegCore): void {
    if (this.legs.get(leg.id) === leg) this.legs.delete(leg.id);
    if (leg.role === 'callee') this.stoppedRinging(leg as OutboundLeg);
  }

  /** Adds an observer; returns the function that removes it. */
  observe(o: LegObserver): () => void {
    this.observers.add(o);
    return () => this.observers.delete(o);
  }

  /** @internal Called by the leg when its INVITE is sent. */
  ringing(leg: OutboundLeg): void {
    if (this.ringingLegs.has(leg)) return;
    this.ringingLegs.add(leg);
    for (const o of this.observers) safe(() => o.ringing?.(leg));
  }

  /** @internal Called by the leg when it stops ringing (idempotent). */
  stoppedRinging(leg: OutboundLeg): void {
    if (!this.ringingLegs.delete(leg)) return;
    for (const o of this.observers) safe(() => o.stoppedRinging?.(leg));
  }
}

function safe(fn: () => void): void {
  try {
    fn();
  } catch {
    // an observer never steers the engine
  }
}
