import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatTimestamp,
  parseTimestamp,
  TimestampSource,
  TIMESTAMP_PATTERN,
} from '../../../src/store/index.ts';

describe('timestamps (seed 004 format)', () => {
  it('formats epoch ms + µs as YYYY-MM-DD HH:MM:SS.ffffff (UTC), also across second boundaries', () => {
    assert.equal(formatTimestamp(Date.UTC(2023, 3, 21, 15, 33, 28, 569), 53), '2023-04-21 15:33:28.569053');
    assert.equal(formatTimestamp(Date.UTC(2023, 3, 21, 15, 33, 28, 0), 0), '2023-04-21 15:33:28.000000');
    assert.equal(formatTimestamp(Date.UTC(2023, 3, 21, 15, 33, 28, 7), 9), '2023-04-21 15:33:28.007009');
    assert.equal(formatTimestamp(Date.UTC(2023, 3, 21, 15, 33, 29, 999), 999), '2023-04-21 15:33:29.999999');
    assert.equal(formatTimestamp(Date.UTC(1999, 11, 31, 23, 59, 59, 12)), '1999-12-31 23:59:59.012000');
    for (let i = 0; i < 2000; i++) {
      const ms = Date.UTC(2020, 0, 1) + Math.floor(Math.random() * 4e11);
      const us = Math.floor(Math.random() * 1000);
      const text = formatTimestamp(ms, us);
      assert.match(text, TIMESTAMP_PATTERN);
      assert.equal(parseTimestamp(text), ms, text);
      assert.equal(text.slice(20), String((ms % 1000) * 1000 + us).padStart(6, '0'));
    }
  });

  it('a source never repeats or goes back, even when the clock does', () => {
    let now = Date.UTC(2024, 0, 1, 0, 0, 0, 999);
    const s = new TimestampSource(() => now);
    const seen: string[] = [];
    for (let i = 0; i < 1500; i++) seen.push(s.next());
    now -= 5000;
    seen.push(s.next());
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i] > seen[i - 1], `${seen[i]} after ${seen[i - 1]}`);
  });
});
