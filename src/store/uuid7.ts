/**
 * Time-ordered UUIDs (version 7, RFC 9562 §5.7) for the ids of rows the store keeps: 48 bits of Unix time
 * in milliseconds, then 74 random bits (the version and variant fill the rest).
 *
 * Why not random (version 4) ids: a table's primary-key index is a B-tree ordered by id. Random ids land
 * on random leaf pages, so each batch of call records dirtied about one index page per row, and what a
 * commit writes (SQLite's WAL, PostgreSQL's) grew with the table. New ids all go to the right-hand edge of
 * the index instead. `npm run bench:records` on a calls table of 500 000 rows, per record upsert: SQLite
 * 47.2 µs of CPU and 10.2 KB written with version 4 ids, 22.5 µs and 2.1 KB with these; PostgreSQL 37.4 µs
 * and 1.3 KB of WAL against 30.1 µs and 1.0 KB (docs/performance.md). They read as any other UUID (the
 * API's `format: 'uuid'`), and the time they carry is the row's `tm_create` anyway.
 *
 * The random bits come from `crypto.randomUUID`, which draws from a pooled CSPRNG buffer: one call, then
 * the timestamp written over its first 48 bits and the version nibble.
 */
import { randomUUID } from 'node:crypto';

const MAX_MS = 0xffff_ffff_ffff;

/** A version 7 UUID for `nowMs` (default: now), lower-case, in the 8-4-4-4-12 form. */
export function uuid7(nowMs: number = Date.now()): string {
  const ms = Math.min(Math.max(Math.floor(nowMs), 0), MAX_MS);
  const t = ms.toString(16).padStart(12, '0');
  // randomUUID(): xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx (V: variant 10xx). Keep from the 4's successor on.
  return t.slice(0, 8) + '-' + t.slice(8) + '-7' + randomUUID().slice(15);
}
