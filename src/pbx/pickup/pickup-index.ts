/**
 * The pickup index (pickup.md step 2): every ringing leg, filed under each key a pickup can name — its
 * device, its device's owner, the same two for direct calls only, its ring group, the call groups of its
 * owner, and its caller call. Each key holds an insertion-ordered `Set`, so its iteration order is the
 * order legs started ringing (oldest first), and adding or removing a leg is O(keys of that leg).
 *
 * A lookup (`candidates`) visits only the sets its scopes name: its cost is the number of legs in scope,
 * whatever the number of calls ringing elsewhere. It is pure and synchronous — benchmarks call it directly
 * with legs of their own (`add` / `remove`), with no SIP behind them.
 *
 * Legs without a caller call (REST groupcalls and calls: `master_call_id` nil) are not pickable and are not
 * filed.
 */
import type { DirectoryCache } from '../../directory/contract.ts';
import { NIL_UUID } from '../../store/timestamp.ts';
import type { LegObserver } from '../calls/leg-registry.ts';
import type { OutboundLeg } from '../calls/outbound-leg.ts';
import { ringGroupKey, type IndexedLeg, type PickupOrder, type PickupScope } from './types.ts';

/** One filed leg and the position it started ringing at. */
interface Entry {
  leg: IndexedLeg;
  seq: number;
  keys: Array<Map<string, Set<Entry>>>;
  names: string[];
}

/** A candidate call: its caller call id and the in-scope leg that rang first (or last, for `newest`). */
export interface Candidate {
  callId: string;
  leg: IndexedLeg;
  /** When that leg started ringing (index order). */
  seq: number;
}

/** A lookup. */
export interface CandidateQuery {
  customerId: string;
  scopes: readonly PickupScope[];
  order?: PickupOrder;
  /** Uniform [0, 1) for `random`. */
  random?: () => number;
  /** Keeps only legs this returns true for. */
  filter?: (leg: IndexedLeg) => boolean;
  /** Keeps only caller calls this returns true for (e.g. still pickable, not the picker's own). */
  accept?: (callId: string) => boolean;
}

/** Counts for metrics and tests. */
export interface PickupIndexStats {
  /** Legs filed. */
  legs: number;
  /** Keys with at least one leg, all maps together. */
  keys: number;
}

/** See the module comment. */
export class PickupIndex implements LegObserver {
  private readonly entries = new Map<string, Entry>();
  private readonly byDevice = new Map<string, Set<Entry>>();
  private readonly byUser = new Map<string, Set<Entry>>();
  private readonly directByDevice = new Map<string, Set<Entry>>();
  private readonly directByUser = new Map<string, Set<Entry>>();
  private readonly byRingGroup = new Map<string, Set<Entry>>();
  private readonly byCallGroup = new Map<string, Set<Entry>>();
  private readonly byCall = new Map<string, Set<Entry>>();
  private seq = 0;
  /** Told when a leg of a caller call stops ringing (REST pickups watch their caller). */
  onStopped: ((callId: string) => void) | undefined;

  /** `directory` gives each leg's owner call groups; without it, call groups are not filed. */
  constructor(private readonly directory?: DirectoryCache) {}

  // ---- LegObserver ------------------------------------------------------------------------------------

  ringing(leg: OutboundLeg): void {
    const indexed = indexedLeg(leg, this.directory);
    if (indexed !== undefined) this.add(indexed);
  }

  stoppedRinging(leg: OutboundLeg): void {
    this.remove(leg.id);
  }

  // ---- filing ----------------------------------------------------------------------------------------

  /** Files a ringing leg (ignored when already filed or without a caller call). */
  add(leg: IndexedLeg): void {
    if (this.entries.has(leg.id) || leg.masterCallId === NIL_UUID || leg.masterCallId === '') return;
    const e: Entry = { leg, seq: ++this.seq, keys: [], names: [] };
    this.entries.set(leg.id, e);
    const direct = leg.ring.why === 'direct';
    if (leg.deviceId !== '') {
      this.file(e, this.byDevice, leg.deviceId);
      if (direct) this.file(e, this.directByDevice, leg.deviceId);
    }
    if (leg.userId !== '') {
      this.file(e, this.byUser, leg.userId);
      if (direct) this.file(e, this.directByUser, leg.userId);
    }
    if (leg.ring.why === 'ring_group' && leg.ring.callflowId !== undefined)
      this.file(e, this.byRingGroup, ringGroupKey(leg.ring.callflowId, leg.ring.ringGroupName ?? ''));
    for (const name of leg.callGroups) this.file(e, this.byCallGroup, `${leg.customerId}\u001f${name}`);
    this.file(e, this.byCall, leg.masterCallId);
  }

  /** Removes a leg (no-op when not filed). */
  remove(legId: string): void {
    const e = this.entries.get(legId);
    if (e === undefined) return;
    this.entries.delete(legId);
    for (let i = 0; i < e.keys.length; i++) {
      const map = e.keys[i];
      const key = e.names[i];
      const set = map.get(key);
      if (set === undefined) continue;
      set.delete(e);
      if (set.size === 0) map.delete(key);
    }
    this.onStopped?.(e.leg.masterCallId);
  }

  private file(e: Entry, map: Map<string, Set<Entry>>, key: string): void {
    let set = map.get(key);
    if (set === undefined) map.set(key, (set = new Set()));
    set.add(e);
    e.keys.push(map);
    e.names.push(key);
  }

  // ---- lookups ---------------------------------------------------------------------------------------

  /**
   * The caller calls in scope, one per call, in the requested order (oldest: the call whose in-scope leg
   * started ringing first). Visits only the named keys; O(legs in scope) plus a sort of the calls found
   * when several keys are merged.
   */
  candidates(q: CandidateQuery): Candidate[] {
    const best = new Map<string, Candidate>();
    const newest = q.order === 'newest';
    for (const scope of q.scopes) {
      const set = this.setOf(q.customerId, scope);
      if (set === undefined) continue;
      for (const e of set) {
        const leg = e.leg;
        if (leg.customerId !== q.customerId) continue;
        if (q.filter !== undefined && !q.filter(leg)) continue;
        const had = best.get(leg.masterCallId);
        if (had !== undefined && (newest ? had.seq >= e.seq : had.seq <= e.seq)) continue;
        best.set(leg.masterCallId, { callId: leg.masterCallId, leg, seq: e.seq });
      }
    }
    let out = [...best.values()];
    if (q.accept !== undefined) out = out.filter((c) => q.accept!(c.callId));
    out.sort(newest ? (a, b) => b.seq - a.seq : (a, b) => a.seq - b.seq);
    // Random starts from arrival order, so the same random numbers always give the same choice.
    return q.order === 'random' ? shuffle(out, q.random ?? Math.random) : out;
  }

  /** The ringing legs of one caller call, oldest first. */
  legsOfCall(callId: string): IndexedLeg[] {
    return [...(this.byCall.get(callId) ?? [])].map((e) => e.leg);
  }

  /** A filed leg. */
  get(legId: string): IndexedLeg | undefined {
    return this.entries.get(legId)?.leg;
  }

  stats(): PickupIndexStats {
    let keys = 0;
    for (const m of [
      this.byDevice,
      this.byUser,
      this.directByDevice,
      this.directByUser,
      this.byRingGroup,
      this.byCallGroup,
      this.byCall,
    ])
      keys += m.size;
    return { legs: this.entries.size, keys };
  }

  private setOf(customerId: string, s: PickupScope): Set<Entry> | undefined {
    switch (s.kind) {
      case 'device':
        return (s.directOnly ? this.directByDevice : this.byDevice).get(s.id);
      case 'user':
        return (s.directOnly ? this.directByUser : this.byUser).get(s.id);
      case 'ring_group':
        return this.byRingGroup.get(s.key);
      case 'call_group':
        return this.byCallGroup.get(`${customerId}\u001f${s.name}`);
      case 'call':
        return this.byCall.get(s.id);
      case 'queue':
        return undefined; // queues answer through the QueueCallSource
    }
  }
}

/** What the index files of an outbound leg (undefined for a leg to a SIP URI without a device). */
export function indexedLeg(leg: OutboundLeg, directory?: DirectoryCache): IndexedLeg | undefined {
  const t = leg.target;
  const device = t.kind === 'contact' ? t.device : undefined;
  const userId = device !== undefined && device.ownerId !== NIL_UUID ? device.ownerId : '';
  const customerId = leg.record.customer_id;
  const callGroups = userId !== '' ? (directory?.user(customerId, userId)?.call_groups ?? []) : [];
  return {
    id: leg.id,
    customerId,
    masterCallId: leg.masterCallId,
    groupcallId: leg.groupcallId,
    deviceId: device?.id ?? '',
    userId,
    ring: leg.ring,
    callGroups,
  };
}

/** Fisher–Yates with an injected uniform source. */
function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.min(i, Math.floor(random() * (i + 1)));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
