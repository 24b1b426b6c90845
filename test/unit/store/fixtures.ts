/**
 * Test support for the store suites: a store per dialect (fresh database, closed and dropped after the
 * suite) and realistic rows for every table, with unicode text and nested JSON.
 */
import { after, before } from 'node:test';
import { randomUUID } from 'node:crypto';
import { NIL_UUID, NOT_YET, TimestampSource, openStore } from '../../../src/store/index.ts';
import type { ResourceTable, RowTypes, Store, StoreOptions } from '../../../src/store/index.ts';
import { createTestDatabase, type TestDatabase } from '../../support/databases.ts';

export type DialectName = 'sqlite' | 'postgres';

/**
 * Opens a store on a fresh database of `dialect` before the suite's tests and closes/drops it after.
 * Returns a getter (the store exists only once `before` ran).
 */
export function useStore(dialect: DialectName, opts: Omit<StoreOptions, 'url'> = {}): () => Store {
  let db: TestDatabase | undefined;
  let store: Store | undefined;
  before(async () => {
    db = await createTestDatabase(dialect);
    store = await openStore({ ...opts, url: db.url });
  });
  after(async () => {
    await store?.close();
    await db?.drop();
  });
  return () => {
    if (!store) throw new Error('store not open yet');
    return store;
  };
}

/** Strictly increasing timestamps from a virtual clock (1 ms per call unless told otherwise). */
export function clock(startMs = Date.UTC(2024, 0, 2, 3, 4, 5, 678)) {
  let now = startMs;
  const source = new TimestampSource(() => now);
  return {
    next: () => source.next(),
    advance(ms: number) {
      now += ms;
    },
  };
}

const stamps = clock();

/** A fresh tenant id. */
export const newId = (): string => randomUUID();

const address = (n: number) => ({
  type: 'extension',
  target: '',
  target_name: `10${n}`,
  name: `Zoë ☎ 東京 ${n}`,
  detail: 'line "2" \\ ü',
});

let seq = 0;

/** A complete row of `table` for tenant `customerId` (for `customers`: the customer's own id). */
export function rowFor<T extends ResourceTable>(
  table: T,
  customerId: string,
  over: Partial<RowTypes[T]> = {},
): RowTypes[T] {
  const n = ++seq;
  const tm = stamps.next();
  const base = {
    id: randomUUID(),
    customer_id: customerId,
    tm_create: tm,
    tm_update: tm,
    tm_delete: NOT_YET,
  };
  const rows: { [K in ResourceTable]: () => RowTypes[K] } = {
    customers: () => ({
      id: customerId,
      name: `Ünïcødé GmbH 🎉 ${n}`,
      domain: `t${n}-${customerId.slice(0, 8)}.example.com`,
      settings: { realm: 'x', nested: { list: [1, 'zwei', { drei: [true, null] }], emoji: '📞' } },
      tm_create: tm,
      tm_update: tm,
      tm_delete: NOT_YET,
    }),
    access_keys: () => ({
      ...base,
      role: 'customer',
      name: `key ${n}`,
      key_prefix: randomUUID().replaceAll('-', '').slice(0, 10),
      key_hash: 'ab'.repeat(32),
    }),
    users: () => ({
      ...base,
      name: `Jürgen ${n}`,
      call_groups: ['sales', 'support-ü'],
      pickup_groups: ['sales'],
      monitor: ['*'],
    }),
    devices: () => ({
      ...base,
      name: `Desk phone ${n}`,
      owner_id: NIL_UUID,
      sip_username: `dev${n}`,
      ha1_md5: '0'.repeat(32),
      ha1_sha256: '1'.repeat(64),
      enabled: true,
    }),
    groups: () => ({ ...base, name: `Group ${n}`, endpoints: { [randomUUID()]: { type: 'device' } } }),
    callflows: () => ({
      ...base,
      name: `Flow ${n}`,
      numbers: [`${1000 + n}`],
      patterns: ['^2\\d\\d$'],
      flow: {
        module: 'ring_group',
        data: { endpoints: [{ id: 'x', type: 'user' }], timeout: 20, label: 'Café' },
        children: { _: { module: 'voicemail', data: {}, children: {} } },
      },
      feature_code: '',
    }),
    agents: () => ({
      ...base,
      name: `Agent ${n}`,
      owner_id: NIL_UUID,
      addresses: [address(1), address(2)],
      ring_method: 'ring_all',
      status: 'available',
    }),
    queues: () => ({
      ...base,
      name: `Queue ${n}`,
      agent_ids: [randomUUID()],
      strategy: 'ring_all',
      ring_timeout: 20,
      wait_timeout: 300,
      music: '',
    }),
    trunks: () => ({
      ...base,
      name: `Trunk ${n}`,
      uri: 'sip:gw.example.com;transport=tcp',
      username: 'acct',
      password: 'pä55 wörd"',
      prefixes: ['+31', '+49'],
    }),
    groupcalls: () => ({
      ...base,
      owner_type: '',
      owner_id: NIL_UUID,
      status: 'progressing',
      flow_id: randomUUID(),
      source: address(0),
      destinations: [address(1), address(2), address(3)],
      master_call_id: randomUUID(),
      master_groupcall_id: NIL_UUID,
      ring_method: 'ring_all',
      answer_method: 'hangup_others',
      answer_call_id: NIL_UUID,
      call_ids: [randomUUID(), randomUUID()],
      answer_groupcall_id: NIL_UUID,
      groupcall_ids: [],
      call_count: 2,
      groupcall_count: 1,
      dial_index: 0,
    }),
    calls: () => ({
      ...base,
      owner_type: '',
      owner_id: NIL_UUID,
      flow_id: randomUUID(),
      type: 'sip',
      master_call_id: NIL_UUID,
      chained_call_ids: [randomUUID()],
      groupcall_id: randomUUID(),
      source: address(0),
      destination: address(1),
      status: 'ringing',
      direction: 'outgoing',
      hangup_by: '',
      hangup_reason: '',
      tm_ringing: tm,
      tm_progressing: NOT_YET,
      tm_hangup: NOT_YET,
    }),
  };
  return { ...rows[table](), ...over } as RowTypes[T];
}

/** A patch changing one JSON/boolean/text field of each table (for update round trips). */
export const PATCHES: { [T in ResourceTable]: Partial<RowTypes[T]> } = {
  customers: { name: 'Renamed ✓', settings: { deep: { deeper: { deepest: ['ß', 1.5, false] } } } },
  access_keys: { name: 'renamed key' },
  users: { call_groups: [], monitor: ['a', 'b'] },
  devices: { enabled: false, name: 'Off' },
  groups: { endpoints: {} },
  callflows: { flow: { module: 'hangup', data: {}, children: {} }, numbers: ['9'] },
  agents: { addresses: [], status: 'away' },
  queues: { agent_ids: [], ring_timeout: 5 },
  trunks: { prefixes: ['00'], password: 'new' },
  groupcalls: { status: 'hangup', call_ids: ['x'], call_count: 0 },
  calls: { status: 'hangup', destination: address(9), tm_hangup: '2024-01-02 03:04:06.000000' },
};

export const TABLES = Object.keys(PATCHES) as ResourceTable[];
