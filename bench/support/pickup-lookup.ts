/**
 * bench:pickup's engine-only figure: the candidate lookup of the pickup engine (src/pbx/pickup/) over fake
 * ringing legs, no SIP and no ringd process.
 */
import type { DirectoryCache } from '../../src/directory/contract.ts';
import { PickupEngine } from '../../src/pbx/pickup/pickup-engine.ts';
import { PickupIndex } from '../../src/pbx/pickup/pickup-index.ts';
import {
  ringGroupKey,
  type IndexedLeg,
  type PickupCall,
  type PickupRequest,
  type PickupScope,
} from '../../src/pbx/pickup/types.ts';

const progress = (m: string) => process.stderr.write(`# ${m}\n`);

/** Engine-only lookup cost (µs per request) at one size. */
export interface LookupFigure {
  ringing: number;
  groups: number;
  /** `PickupIndex.candidates` of one ring group (the index alone), groups drawn from all of them. */
  indexUs: number;
  /** The same, groups drawn from the same 100 groups at every size (the same working set in cache). */
  indexHotUs: number;
  /** `PickupEngine.lookup` of a directed `*87<group>` request (the index plus the pickable checks). */
  engineUs: number;
  /** Filing one ringing leg and removing it again (`add` + `remove`). */
  churnUs: number;
}

/**
 * The candidate lookup of the pickup engine alone (src/pbx/pickup/), no SIP: an index of `n` fake ringing
 * legs spread over `n / 10` ring groups (10 calls ringing per group at every size, so only the number of
 * calls ringing *elsewhere* changes), each leg also filed under its device, its user and a call-group name;
 * then lookups of random groups, timed in batches (median of 5 batches after a warm-up).
 */
export function engineLookup(sizes: number[], lookups: number): LookupFigure[] {
  return sizes.map((n) => {
    const groups = Math.max(1, Math.floor(n / 10));
    const index = new PickupIndex();
    const calls = new Map<string, PickupCall>();
    const fakeCall = (id: string, deviceId: string | undefined): PickupCall => ({
      id,
      customerId: 'tenant',
      receivedAt: undefined,
      callerDeviceId: deviceId,
      pickable: true,
      alive: true,
      prepareLeg: async () => true,
      canJoin: () => true,
      claimFor: () => true,
      joinWith: () => true,
    });
    const legOf = (i: number): IndexedLeg => {
      const g = i % groups;
      return {
        id: `leg-${i}`,
        customerId: 'tenant',
        masterCallId: `call-${i}`,
        groupcallId: `gc-${i}`,
        deviceId: `device-${g}`,
        userId: `user-${g}`,
        ring: { why: 'ring_group', callflowId: `cf-${g}`, ringGroupName: `Group ${g}` },
        callGroups: [`cg-${g % 100}`],
      };
    };
    for (let i = 0; i < n; i++) {
      index.add(legOf(i));
      calls.set(`call-${i}`, fakeCall(`call-${i}`, 'caller-device'));
    }
    const engine = new PickupEngine({
      index,
      // The lookup reads no directory (requests are built before it); TenantTargets only keeps it.
      directory: {} as DirectoryCache,
      callOf: (id) => calls.get(id),
      pickerOf: () => undefined,
      random: Math.random,
      stamp: () => '',
    });
    const picker = fakeCall('picker-call', 'picker-device');
    const who = { customerId: 'tenant', deviceId: 'picker-device', userId: '' };
    const scopeOf = (g: number): PickupScope => ({
      kind: 'ring_group',
      key: ringGroupKey(`cf-${g}`, `Group ${g}`),
    });
    const scopes = Array.from({ length: 4096 }, () => scopeOf(Math.floor(Math.random() * groups)));
    const hot = Array.from({ length: 4096 }, () =>
      scopeOf(Math.floor(Math.random() * Math.min(groups, 100))),
    );
    const requests = scopes.map((scope): PickupRequest => ({
      kind: 'directed',
      permission: () => 'allowed',
      tiers: [{ scopes: [scope] }],
      order: 'oldest',
    }));
    let sink = 0;
    const time = (fn: (i: number) => void, count: number): number => {
      const runs: number[] = [];
      for (let i = 0; i < Math.min(count, 20_000); i++) fn(i); // warm-up
      for (let r = 0; r < 5; r++) {
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < count; i++) fn(i);
        runs.push(Number(process.hrtime.bigint() - t0) / 1000 / count);
      }
      return runs.sort((a, b) => a - b)[2];
    };
    const indexUs = time((i) => {
      sink += index.candidates({ customerId: 'tenant', scopes: [scopes[i & 4095]], order: 'oldest' }).length;
    }, lookups);
    const indexHotUs = time((i) => {
      sink += index.candidates({ customerId: 'tenant', scopes: [hot[i & 4095]], order: 'oldest' }).length;
    }, lookups);
    const engineUs = time((i) => {
      sink += engine.lookup(picker, who, requests[i & 4095]).length;
    }, lookups);
    let next = n;
    const churnUs = time(() => {
      const leg = legOf(next++);
      index.add(leg);
      index.remove(leg.id);
    }, lookups);
    if (sink === 0) progress('no candidates found (unexpected)');
    return { ringing: n, groups, indexUs, indexHotUs, engineUs, churnUs };
  });
}
