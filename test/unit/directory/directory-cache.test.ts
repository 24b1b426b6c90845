import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DirectoryCacheImpl, type CacheSeed } from '../../../src/directory/cache/directory-cache.ts';
import type { CustomerRow, DeviceRow, GroupRow, UserRow, CallflowRow } from '../../../src/store/rows.ts';
import { NIL_UUID, NOT_YET } from '../../../src/store/timestamp.ts';

const T = (n: number) => `2024-01-01 00:00:00.${String(n).padStart(6, '0')}`;
const times = (n: number) => ({ tm_create: T(n), tm_update: NOT_YET, tm_delete: NOT_YET });
const customer = (id: string, domain: string): CustomerRow => ({
  id,
  name: id,
  domain,
  settings: {},
  ...times(0),
});
const user = (id: string, n: number, call_groups: string[] = [], cid = 'c1'): UserRow => ({
  id,
  customer_id: cid,
  name: id,
  call_groups,
  pickup_groups: [],
  monitor: [],
  ...times(n),
});
const device = (id: string, n: number, owner = NIL_UUID, cid = 'c1'): DeviceRow => ({
  id,
  customer_id: cid,
  name: id,
  owner_id: owner,
  sip_username: `sip-${id}`,
  ha1_md5: 'm',
  ha1_sha256: 's',
  enabled: true,
  ...times(n),
});
const group = (id: string, endpoints: Record<string, { type: string }>, cid = 'c1'): GroupRow => ({
  id,
  customer_id: cid,
  name: id,
  endpoints,
  ...times(1),
});
const callflow = (id: string, numbers: string[], patterns: string[] = []): CallflowRow => ({
  id,
  customer_id: 'c1',
  name: id,
  numbers,
  patterns,
  flow: { module: 'hangup', data: {}, children: {} },
  feature_code: '',
  ...times(1),
});

function seed(over: Partial<CacheSeed> = {}): CacheSeed {
  return {
    customers: [customer('c1', 'one.example'), customer('c2', 'two.example')],
    access_keys: [],
    users: [],
    devices: [],
    groups: [],
    callflows: [],
    agents: [],
    queues: [],
    trunks: [],
    ...over,
  };
}

describe('directory cache (in memory)', () => {
  it('maps domains (case-insensitively) and ids to tenants', () => {
    const cache = new DirectoryCacheImpl();
    cache.load(seed());
    assert.equal(cache.tenantByDomain('ONE.example')?.id, 'c1');
    assert.equal(cache.tenant('c2')?.domain, 'two.example');
    assert.equal(cache.tenant('c2')?.settings.ring_timeout, 20, 'settings completed with defaults');
    assert.equal(cache.tenantByDomain('three.example'), undefined);
  });

  it("lists a user's devices in creation order, whatever order rows are loaded or written in", () => {
    const cache = new DirectoryCacheImpl();
    cache.load(seed({ users: [user('u1', 1)], devices: [device('d3', 30, 'u1'), device('d1', 10, 'u1')] }));
    assert.deepEqual(
      cache.devicesOfUser('c1', 'u1').map((d) => d.id),
      ['d1', 'd3'],
    );
    cache.apply([
      { table: 'devices', customerId: 'c1', id: 'd2', op: 'create', row: device('d2', 20, 'u1') },
    ]);
    assert.deepEqual(
      cache.devicesOfUser('c1', 'u1').map((d) => d.id),
      ['d1', 'd2', 'd3'],
    );
    cache.apply([{ table: 'devices', customerId: 'c1', id: 'd1', op: 'update', row: device('d1', 10) }]);
    assert.deepEqual(
      cache.devicesOfUser('c1', 'u1').map((d) => d.id),
      ['d2', 'd3'],
    );
    assert.equal(cache.deviceBySipUsername('c1', 'sip-d1')?.ownerId, NIL_UUID);
    assert.equal(cache.deviceBySipUsername('c2', 'sip-d1'), undefined, 'tenants are separate');
  });

  it('memoizes group expansion per version and drops it on the next write', () => {
    const cache = new DirectoryCacheImpl();
    cache.load(
      seed({ devices: [device('d1', 1), device('d2', 2)], groups: [group('g', { d1: { type: 'device' } })] }),
    );
    const first = cache.expandGroup('c1', 'g');
    assert.deepEqual(first, ['d1']);
    assert.equal(cache.expandGroup('c1', 'g'), first, 'same answer object while the version holds');
    const v = cache.version;
    cache.apply([
      {
        table: 'groups',
        customerId: 'c1',
        id: 'g',
        op: 'update',
        row: group('g', { d2: { type: 'device' } }),
      },
    ]);
    assert.equal(cache.version, v + 1);
    assert.deepEqual(cache.expandGroup('c1', 'g'), ['d2']);
  });

  it('groupsOfUser: direct, through nested groups, and through owned devices', () => {
    const cache = new DirectoryCacheImpl();
    cache.load(
      seed({
        users: [user('u1', 1), user('u2', 2)],
        devices: [device('d1', 1, 'u1')],
        groups: [
          group('direct', { u1: { type: 'user' } }),
          group('bydevice', { d1: { type: 'device' } }),
          group('outer', { direct: { type: 'group' } }),
          group('other', { u2: { type: 'user' } }),
        ],
      }),
    );
    assert.deepEqual([...cache.groupsOfUser('c1', 'u1')].sort(), ['bydevice', 'direct', 'outer']);
    assert.deepEqual(cache.groupsOfUser('c1', 'u2'), ['other']);
  });

  it('indexes call-group names (case-sensitive) and follows updates', () => {
    const cache = new DirectoryCacheImpl();
    cache.load(seed({ users: [user('u1', 1, ['sales', 'Support']), user('u2', 2, ['sales'])] }));
    assert.deepEqual(cache.usersInCallGroup('c1', 'sales'), ['u1', 'u2']);
    assert.deepEqual(cache.usersInCallGroup('c1', 'support'), []);
    cache.apply([
      { table: 'users', customerId: 'c1', id: 'u1', op: 'update', row: user('u1', 1, ['Support']) },
    ]);
    assert.deepEqual(cache.usersInCallGroup('c1', 'sales'), ['u2']);
    cache.apply([{ table: 'users', customerId: 'c1', id: 'u2', op: 'delete' }]);
    assert.deepEqual(cache.usersInCallGroup('c1', 'sales'), []);
    assert.equal(cache.user('c1', 'u2'), undefined);
  });

  it('matches callflows per tenant and returns the callflow', () => {
    const cache = new DirectoryCacheImpl();
    cache.load(seed({ callflows: [callflow('cf', ['100'], ['^9(\\d+)$'])] }));
    assert.equal(cache.matchCallflow('c1', '100')?.callflow.id, 'cf');
    assert.equal(cache.matchCallflow('c1', '942')?.capture, '42');
    assert.equal(cache.matchCallflow('c2', '100'), undefined);
  });

  it('a tenant delete drops the tenant, its domain and its resources', () => {
    const cache = new DirectoryCacheImpl();
    cache.load(seed({ users: [user('u1', 1)] }));
    cache.apply([{ table: 'customers', customerId: 'c1', id: 'c1', op: 'delete' }]);
    assert.equal(cache.tenant('c1'), undefined);
    assert.equal(cache.tenantByDomain('one.example'), undefined);
    assert.equal(cache.user('c1', 'u1'), undefined);
  });

  it('hands out frozen values (a reader cannot corrupt the cache)', () => {
    const cache = new DirectoryCacheImpl();
    cache.load(seed({ users: [user('u1', 1, ['sales'])] }));
    const u = cache.user('c1', 'u1')!;
    assert.throws(() => (u.call_groups as string[]).push('x'));
  });
});
