/**
 * The record batcher (`src/store/record-batcher.ts`): the changes of one write interval are written once, in
 * their latest state; the interval is the configured one (`calls.record_write_ms`); `writeNow` does not wait
 * for it; a chunk that fails is reported and the next batch still goes out.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_WRITE_INTERVAL_MS, RecordBatcher } from '../../../src/store/record-batcher.ts';
import type { Store } from '../../../src/store/index.ts';

interface Row {
  id: string;
  status: string;
}

/** A store whose record upserts are kept (each call: the rows, copied), optionally failing once. */
function fakeStore(failFirst = false) {
  const writes: Row[][] = [];
  let fail = failFirst;
  const store = {
    records: {
      upsert: async (_table: string, rows: Row[]) => {
        if (fail) {
          fail = false;
          throw new Error('disk full');
        }
        writes.push(rows.map((r) => ({ ...r })));
      },
    },
  } as unknown as Store;
  return { store, writes };
}

const copy = <T extends object>(r: T): T => ({ ...r });
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits (bounded) until `cond` holds. */
async function until(cond: () => boolean, ms = 2_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(5);
  }
}

describe('record batcher: calls and groupcalls written behind, in batches', () => {
  it('writes the changes of one interval once, in the latest state', async () => {
    const { store, writes } = fakeStore();
    const b = new RecordBatcher(store, 'calls', copy, () => assert.fail('no failure expected'), 30);
    const rec = { id: 'a', status: 'dialing' } as never as Row;
    b.queue(rec as never);
    rec.status = 'ringing';
    b.queue(rec as never);
    b.queue({ id: 'b', status: 'dialing' } as never);
    assert.equal(writes.length, 0, 'nothing written at once');
    assert.equal(b.pendingWrites, 2);
    assert.deepEqual(b.unwritten('a'), { id: 'a', status: 'ringing' }, 'the pending state is readable');
    rec.status = 'hangup';
    await until(() => writes.length > 0);
    assert.deepEqual(writes, [
      [
        { id: 'a', status: 'hangup' },
        { id: 'b', status: 'dialing' },
      ],
    ]);
    assert.equal(b.unwritten('a'), undefined);
    assert.equal(b.pendingWrites, 0);
  });

  it('waits the configured interval; writeNow and flush do not', async () => {
    const { store, writes } = fakeStore();
    const b = new RecordBatcher(store, 'calls', copy, () => assert.fail('no failure expected'), 5_000);
    b.queue({ id: 'a', status: 'dialing' } as never);
    await sleep(60);
    assert.equal(writes.length, 0, 'still gathering');
    await b.writeNow();
    assert.deepEqual(writes, [[{ id: 'a', status: 'dialing' }]]);
    b.queue({ id: 'a', status: 'hangup' } as never);
    await b.flush();
    assert.deepEqual(writes[1], [{ id: 'a', status: 'hangup' }]);
  });

  it('reports a failed chunk with its ids, and writes the next batch', async () => {
    const { store, writes } = fakeStore(true);
    const failed: string[][] = [];
    const b = new RecordBatcher(store, 'calls', copy, (ids) => failed.push(ids), 20);
    b.queue({ id: 'a', status: 'dialing' } as never);
    await b.writeNow();
    assert.deepEqual(failed, [['a']]);
    b.queue({ id: 'b', status: 'dialing' } as never);
    await until(() => writes.length > 0);
    assert.deepEqual(writes, [[{ id: 'b', status: 'dialing' }]]);
  });

  it('refuses an interval that is not positive; 500 ms by default', () => {
    const { store } = fakeStore();
    assert.throws(() => new RecordBatcher(store, 'calls', copy, () => {}, 0), /must be > 0 ms \(got 0\)/);
    assert.throws(() => new RecordBatcher(store, 'calls', copy, () => {}, Number.NaN), RangeError);
    assert.equal(DEFAULT_WRITE_INTERVAL_MS, 500);
  });
});
