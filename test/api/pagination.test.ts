/**
 * Lists: newest first, `page_size`, `page_token` chains, invalid tokens, stability while rows are inserted
 * between page fetches; read-only records (groupcalls, calls) with soft-deleted rows hidden.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { NOT_YET, formatTimestamp, type CallRow, type GroupcallRow } from '../../src/store/index.ts';
import { assertError, ok, type ApiClient } from '../support/api-client.ts';
import { availableDialects } from '../support/databases.ts';
import { bodies, useEnv, useTenant } from './harness.ts';

const NIL = '00000000-0000-0000-0000-000000000000';
const ADDRESS = { type: 'tel', target: '+15551234', target_name: '', name: '', detail: '' };

interface Row {
  id: string;
  tm_create: string;
}

/** Follows next_page_token to the end; `between` runs after each page (e.g. to insert rows). */
async function walk(
  api: ApiClient,
  path: string,
  pageSize: number,
  between: () => Promise<void> = async () => {},
): Promise<Row[][]> {
  const pages: Row[][] = [];
  let token = '';
  for (let guard = 0; guard < 1000; guard++) {
    const q = `page_size=${pageSize}${token ? `&page_token=${encodeURIComponent(token)}` : ''}`;
    const page = ok(await api.get(`${path}?${q}`));
    assert.ok(page.result.length <= pageSize, 'page_size is a limit');
    pages.push(page.result);
    if (page.next_page_token === '') return pages;
    token = page.next_page_token;
    await between();
  }
  throw new Error('too many pages');
}

function assertNewestFirst(rows: Row[]): void {
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1];
    const b = rows[i];
    assert.ok(
      a.tm_create > b.tm_create || (a.tm_create === b.tm_create && a.id > b.id),
      `rows ${i - 1} and ${i} are not newest first`,
    );
  }
}

function groupcallRow(customerId: string, ms: number, deleted = false): GroupcallRow {
  const t = formatTimestamp(ms);
  return {
    id: randomUUID(),
    customer_id: customerId,
    owner_type: '',
    owner_id: NIL,
    status: 'hangup',
    flow_id: NIL,
    source: ADDRESS,
    destinations: [ADDRESS, { ...ADDRESS, target: '+15559876' }],
    master_call_id: NIL,
    master_groupcall_id: NIL,
    ring_method: 'ring_all',
    answer_method: 'hangup_others',
    answer_call_id: NIL,
    call_ids: [randomUUID(), randomUUID()],
    answer_groupcall_id: NIL,
    groupcall_ids: [],
    call_count: 2,
    groupcall_count: 0,
    dial_index: 0,
    tm_create: t,
    tm_update: t,
    tm_delete: deleted ? t : NOT_YET,
  };
}

function callRow(customerId: string, ms: number, deleted = false): CallRow {
  const t = formatTimestamp(ms);
  return {
    id: randomUUID(),
    customer_id: customerId,
    owner_type: '',
    owner_id: NIL,
    flow_id: NIL,
    type: 'sip',
    master_call_id: NIL,
    chained_call_ids: [],
    groupcall_id: NIL,
    source: ADDRESS,
    destination: ADDRESS,
    status: 'hangup',
    direction: 'incoming',
    hangup_by: 'remote',
    hangup_reason: 'normal',
    tm_ringing: t,
    tm_progressing: NOT_YET,
    tm_hangup: t,
    tm_create: t,
    tm_update: t,
    tm_delete: deleted ? t : NOT_YET,
  };
}

for (const dialect of await availableDialects()) {
  describe(`pagination (${dialect})`, () => {
    const env = useEnv(dialect);
    const t = useTenant(env);
    const other = useTenant(env);
    before(async () => {
      for (let i = 0; i < 23; i++) ok(await t.api.post('/v1.0/users', bodies.user({ name: `u${i}` })));
      for (let i = 0; i < 3; i++) ok(await other.api.post('/v1.0/users', bodies.user({ name: `o${i}` })));
    });

    it('newest first; page_size limits; tokens chain to the end with no duplicates', async () => {
      const all = ok(await t.api.get('/v1.0/users')).result as Row[];
      assert.equal(all.length, 23, 'default page_size (100) holds all, and only this tenant');
      assertNewestFirst(all);
      assert.equal((all[0] as unknown as { name: string }).name, 'u22', 'the last created comes first');
      for (const size of [1, 5, 10, 23, 100]) {
        const pages = await walk(t.api, '/v1.0/users', size);
        assert.equal(pages.length, Math.max(1, Math.ceil(23 / size)));
        const rows = pages.flat();
        assert.deepEqual(
          rows.map((r) => r.id),
          all.map((r) => r.id),
          `page_size ${size} walks the same rows in the same order`,
        );
      }
      const one = ok(await t.api.get('/v1.0/users?page_size=1'));
      assert.equal(one.result.length, 1);
      assert.notEqual(one.next_page_token, '');
    });

    it('stable while rows are inserted between page fetches', async () => {
      const before = (ok(await t.api.get('/v1.0/users')).result as Row[]).map((r) => r.id);
      let n = 0;
      const pages = await walk(t.api, '/v1.0/users', 4, async () => {
        for (let i = 0; i < 3; i++) ok(await t.api.post('/v1.0/users', bodies.user({ name: `late${n++}` })));
      });
      const seen = pages.flat().map((r) => r.id);
      assert.equal(new Set(seen).size, seen.length, 'no duplicates');
      for (const id of before)
        assert.ok(seen.includes(id), `row ${id}, present at the first page, was missed`);
      assert.ok(n > 0, 'rows were inserted during the walk');
    });

    it('an invalid page_token → 400 INVALID_PAGE_TOKEN at /page_token', async () => {
      const bad = [
        'garbage!',
        Buffer.from('not json').toString('base64url'),
        Buffer.from('[1,2]').toString('base64url'),
        Buffer.from('["2024-01-01 00:00:00.000000"]').toString('base64url'),
        Buffer.from('{"a":1}').toString('base64url'),
      ];
      for (const token of bad) {
        const r = await t.api.get(`/v1.0/users?page_token=${encodeURIComponent(token)}`);
        assertError(r, 400, 'INVALID_PAGE_TOKEN', '/page_token');
      }
      assertError(
        await t.api.get(`/v1.0/users?page_token=${'a'.repeat(300)}`),
        400,
        'VALIDATION_FAILED',
        '/page_token',
      );
    });

    it('the admin pages through customers the same way', async () => {
      const pages = await walk(env.admin, '/v1.0/customers', 1);
      const ids = pages.flat().map((r) => r.id);
      assert.ok(ids.includes(t.customer.id) && ids.includes(other.customer.id));
      assert.equal(new Set(ids).size, ids.length);
      assertNewestFirst(pages.flat());
    });

    it('groupcalls and calls: listed newest first, soft-deleted rows hidden, another tenant invisible', async () => {
      const base = Date.UTC(2024, 0, 1);
      const gcs = Array.from({ length: 7 }, (_, i) => groupcallRow(t.customer.id, base + i * 1000, i === 3));
      const calls = Array.from({ length: 5 }, (_, i) => callRow(t.customer.id, base + i * 1000, i === 0));
      const foreign = groupcallRow(other.customer.id, base);
      for (const r of gcs) await env.store.repos.groupcalls.insert(r);
      for (const r of calls) await env.store.repos.calls.insert(r);
      await env.store.repos.groupcalls.insert(foreign);

      const listed = (await walk(t.api, '/v1.0/groupcalls', 2)).flat();
      assert.deepEqual(
        listed.map((r) => r.id),
        gcs
          .filter((_, i) => i !== 3)
          .reverse()
          .map((r) => r.id),
      );
      const one = ok(await t.api.get(`/v1.0/groupcalls/${gcs[6].id}`));
      assert.deepEqual(one.destinations, gcs[6].destinations);
      assert.deepEqual(one.call_ids, gcs[6].call_ids);
      assertError(await t.api.get(`/v1.0/groupcalls/${gcs[3].id}`), 404, 'GROUPCALL_NOT_FOUND');
      assertError(await t.api.get(`/v1.0/groupcalls/${foreign.id}`), 404, 'GROUPCALL_NOT_FOUND');

      const listedCalls = (await walk(t.api, '/v1.0/calls', 3)).flat();
      assert.equal(listedCalls.length, 4);
      assertNewestFirst(listedCalls);
      assert.equal(ok(await t.api.get(`/v1.0/calls/${calls[4].id}`)).direction, 'incoming');
      assertError(await t.api.get(`/v1.0/calls/${calls[0].id}`), 404, 'CALL_NOT_FOUND');
      assertError(await other.api.get(`/v1.0/calls/${calls[4].id}`), 404, 'CALL_NOT_FOUND');
    });
  });
}
