import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { uuid7 } from '../../../src/store/index.ts';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const msOf = (id: string): number => parseInt(id.slice(0, 8) + id.slice(9, 13), 16);

describe('uuid7 (RFC 9562 §5.7)', () => {
  test('version 7, RFC variant, lower-case 8-4-4-4-12', () => {
    for (let i = 0; i < 1_000; i++) assert.match(uuid7(), V7);
  });

  test('the first 48 bits are the Unix time in milliseconds', () => {
    const t = Date.UTC(2026, 11, 3, 20, 0, 0, 123);
    const id = uuid7(t);
    assert.equal(msOf(id), t);
    assert.equal(
      id.slice(0, 13),
      t
        .toString(16)
        .padStart(12, '0')
        .replace(/^(.{8})/, '$1-'),
    );
    const before = Date.now();
    const now = msOf(uuid7());
    assert.ok(now >= before && now <= Date.now());
  });

  test('ids of later milliseconds sort after earlier ones, as text', () => {
    const ids = [0, 1, 255, 256, 65_536, Date.UTC(2030, 0, 1), 2 ** 47].map((t) => uuid7(t));
    assert.deepEqual([...ids].sort(), ids);
  });

  test('74 random bits: no two alike within one millisecond', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) seen.add(uuid7(1_700_000_000_000));
    assert.equal(seen.size, 20_000);
  });

  test('times outside 0 … 2^48-1 ms are clamped, fractions floored', () => {
    assert.equal(uuid7(-5).slice(0, 13), '00000000-0000');
    assert.equal(uuid7(2 ** 50).slice(0, 13), 'ffffffff-ffff');
    assert.equal(msOf(uuid7(1000.9)), 1000);
  });
});
