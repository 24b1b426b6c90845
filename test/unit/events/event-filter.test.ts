/** Filters in their wire form: comma lists and arrays, known types, UUIDs, the error details. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  compileFilter,
  matches,
  MAX_FILTER_IDS,
  parseFilter,
  wireFilter,
} from '../../../src/events/index.ts';
import { CALL_1, CALL_2, ev } from './helpers.ts';

describe('parseFilter', () => {
  test('absent fields mean "any"', () => {
    assert.deepEqual(parseFilter({}), { ok: true, filter: { types: [], resourceIds: [] } });
  });

  test('comma lists, arrays of strings and arrays of comma lists, trimmed and de-duplicated', () => {
    const r = parseFilter({
      type: ['call_created, call_hangup', 'call_created'],
      resource_id: `${CALL_1},${CALL_2.toUpperCase()}`,
    });
    assert.deepEqual(r, {
      ok: true,
      filter: { types: ['call_created', 'call_hangup'], resourceIds: [CALL_1, CALL_2] },
    });
    assert.ok(r.ok);
    assert.deepEqual(wireFilter(r.filter), {
      type: ['call_created', 'call_hangup'],
      resource_id: [CALL_1, CALL_2],
    });
  });

  test('an unknown event type is refused, naming it and the known ones', () => {
    const r = parseFilter({ type: 'call_created,call_hungup' });
    assert.equal(r.ok, false);
    assert.ok(!r.ok);
    assert.equal(r.details.length, 1);
    assert.equal(r.details[0].path, '/type');
    assert.match(r.details[0].message, /unknown event type 'call_hungup' \(known: call_created, /);
  });

  test('ids must be UUIDs; at most MAX_FILTER_IDS', () => {
    const bad = parseFilter({ resource_id: `${CALL_1},nope` }, '/data');
    assert.ok(!bad.ok);
    assert.deepEqual(bad.details, [{ path: '/data/resource_id', message: "must be UUIDs: 'nope'" }]);
    const many = Array.from(
      { length: MAX_FILTER_IDS + 1 },
      (_, i) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
    );
    const tooMany = parseFilter({ resource_id: many });
    assert.ok(!tooMany.ok);
    assert.match(tooMany.details[0].message, /at most 256/);
    assert.ok(parseFilter({ resource_id: many.slice(1) }).ok);
  });

  test('empty items and non-string values are refused', () => {
    for (const wire of [{ type: '' }, { type: 'call_created,' }, { resource_id: ',' }]) {
      const r = parseFilter(wire);
      assert.ok(!r.ok, JSON.stringify(wire));
      assert.match(r.details[0].message, /empty item/);
    }
    for (const wire of [{ type: 5 }, { type: [1] }, { resource_id: { a: 1 } }]) {
      const r = parseFilter(wire);
      assert.ok(!r.ok, JSON.stringify(wire));
      assert.match(r.details[0].message, /comma-separated string or an array of strings/);
    }
  });

  test('both fields wrong: one detail each', () => {
    const r = parseFilter({ type: 'x', resource_id: 'y' });
    assert.ok(!r.ok);
    assert.deepEqual(
      r.details.map((d) => d.path),
      ['/type', '/resource_id'],
    );
  });
});

describe('matches', () => {
  test('type and id sets; empty lists let everything through', () => {
    const any = compileFilter({ types: [], resourceIds: [] });
    const typed = compileFilter({ types: ['call_hangup'], resourceIds: [] });
    const one = compileFilter({ types: [], resourceIds: [CALL_1] });
    assert.equal(matches(any, ev('call_created')), true);
    assert.equal(matches(typed, ev('call_created')), false);
    assert.equal(matches(typed, ev('call_hangup')), true);
    assert.equal(matches(one, ev('call_hangup', CALL_2)), false);
    assert.equal(matches(one, ev('call_hangup', CALL_1)), true);
  });
});
