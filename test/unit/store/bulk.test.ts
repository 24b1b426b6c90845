import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  NIL_UUID,
  NOT_YET,
  TIMESTAMP_PATTERN,
  bulkInsertGroupcalls,
  formatTimestamp,
  type GroupcallRow,
} from '../../../src/store/index.ts';
import { availableDialects } from '../../support/databases.ts';
import { newId, useStore } from './fixtures.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const NOW = Date.UTC(2025, 5, 6, 7, 8, 9, 10);

for (const dialect of await availableDialects()) {
  describe(`bulkInsertGroupcalls (${dialect})`, () => {
    const store = useStore(dialect);

    it('fills the table in chunks with realistic, decodable rows', async () => {
      const c = newId();
      const other = newId();
      await bulkInsertGroupcalls(store(), other, 5, { now: () => NOW });
      const shared: string[] = [];
      const progress: number[] = [];
      await bulkInsertGroupcalls(store(), c, 450, {
        chunkSize: 200,
        now: () => NOW,
        ids: () => {
          const id = randomUUID();
          shared.push(id);
          return id;
        },
        onProgress: (done) => progress.push(done),
      });
      assert.deepEqual(progress, [200, 400, 450]);

      const rows = (await store()
        .db.selectFrom('groupcalls')
        .select('id')
        .where('customer_id', '=', c)
        .execute()) as Array<{ id: string }>;
      assert.equal(rows.length, 450);
      const all: GroupcallRow[] = [];
      for (const { id } of rows) {
        const r = await store().repos.groupcalls.get(c, id, { includeDeleted: true });
        assert.ok(r);
        all.push(r);
      }
      all.sort((a, b) => (a.tm_create < b.tm_create ? -1 : 1));

      const deleted = all.filter((r) => r.tm_delete !== NOT_YET);
      assert.equal(deleted.length, 4, '~1 % soft-deleted (rows 100, 200, 300, 400)');
      assert.equal(await store().repos.groupcalls.count(c), 446);
      assert.equal(await store().repos.groupcalls.count(other), 5, 'the other tenant is separate');

      assert.equal(new Set(all.map((r) => r.id)).size, 450, 'unique ids');
      assert.equal(new Set(all.map((r) => r.tm_create)).size, 450, 'strictly increasing tm_create');
      assert.equal(all[all.length - 1].tm_create, formatTimestamp(NOW), 'the newest row is at now()');
      for (const r of all) {
        assert.match(r.id, UUID);
        assert.equal(r.customer_id, c);
        for (const t of [r.tm_create, r.tm_update, r.tm_delete]) assert.match(t, TIMESTAMP_PATTERN);
        assert.ok(r.tm_update >= r.tm_create);
        assert.ok(r.destinations.length === 2 || r.destinations.length === 3);
        assert.equal(r.call_ids.length, r.destinations.length);
        for (const id of r.call_ids) assert.match(id, UUID);
        for (const d of [r.source, ...r.destinations]) {
          assert.deepEqual(Object.keys(d).sort(), ['detail', 'name', 'target', 'target_name', 'type']);
        }
        assert.ok(r.answer_call_id === NIL_UUID || r.answer_call_id === r.call_ids[0]);
        assert.ok(shared.includes(r.flow_id), 'flow ids come from the injected id source');
        assert.equal(r.owner_type === 'agent', r.owner_id !== NIL_UUID);
        assert.ok(['hangup', 'progressing'].includes(r.status));
        assert.ok(['ring_all', 'linear'].includes(r.ring_method));
        assert.deepEqual(r.groupcall_ids, []);
      }
      assert.ok(all.some((r) => r.destinations.length === 3));
      assert.ok(all.some((r) => r.answer_call_id !== NIL_UUID));
      assert.ok(all.some((r) => r.owner_type === 'agent'));
      assert.deepEqual(
        all.slice(-2).map((r) => r.status),
        ['progressing', 'progressing'],
      );
    });

    it('refuses a bad count or a non-UUID id source', async () => {
      await assert.rejects(bulkInsertGroupcalls(store(), newId(), -1), RangeError);
      await assert.rejects(
        bulkInsertGroupcalls(store(), newId(), 1, { ids: () => "x'; drop table groupcalls; --" }),
      );
    });
  });
}
