/**
 * Timestamps and sentinels shared by every stored resource (seed 004's format): UTC strings
 * `YYYY-MM-DD HH:MM:SS.ffffff`, with `9999-01-01 00:00:00.000000` meaning "has not happened", and the nil
 * UUID meaning "none" (never null, never omitted). The fixed-width format sorts lexicographically in time
 * order, which the keyset pagination of every list relies on.
 */

/** "Not yet happened" (seed 004): the value of `tm_delete`, `tm_hangup`, … until the event occurs. */
export const NOT_YET = '9999-01-01 00:00:00.000000';

/** "None" for UUID fields (seed 004). */
export const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** Matches a timestamp in the stored format. */
export const TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** `YYYY-MM-DD HH:MM:SS.` of the last second formatted (call records stamp thousands per second). */
let cachedSecond = NaN;
let cachedPrefix = '';

/** Formats epoch milliseconds plus extra microseconds (0–999) as `YYYY-MM-DD HH:MM:SS.ffffff` (UTC). */
export function formatTimestamp(epochMs: number, extraMicros = 0): string {
  const second = Math.floor(epochMs / 1000);
  if (second !== cachedSecond) {
    const d = new Date(second * 1000);
    cachedPrefix =
      `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)} ` +
      `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.`;
    cachedSecond = second;
  }
  const micros = Math.floor((epochMs - second * 1000) * 1000) + extraMicros;
  return (
    cachedPrefix +
    (micros < 100000
      ? micros < 10000
        ? micros < 1000
          ? micros < 100
            ? micros < 10
              ? '00000'
              : '0000'
            : '000'
          : '00'
        : '0'
      : '') +
    micros
  );
}

/** Parses a stored timestamp back to epoch milliseconds (microseconds dropped); NaN when malformed. */
export function parseTimestamp(text: string): number {
  if (!TIMESTAMP_PATTERN.test(text)) return NaN;
  return Date.parse(`${text.slice(0, 10)}T${text.slice(11, 23)}Z`);
}

/**
 * A strictly increasing timestamp source for one process: two rows created in the same millisecond get
 * different microseconds, so `(tm_create, id)` orders rows in creation order and pages stay stable while
 * rows are inserted. `now` is injected (virtual time in tests).
 */
export class TimestampSource {
  private lastMs = -1;
  private micro = 0;

  constructor(private readonly now: () => number = Date.now) {}

  next(): string {
    let ms = this.now();
    if (ms < this.lastMs) ms = this.lastMs; // a clock stepping back never reorders rows
    if (ms === this.lastMs) {
      this.micro++;
      if (this.micro > 999) {
        ms = this.lastMs + 1;
        this.micro = 0;
      }
    } else {
      this.micro = 0;
    }
    this.lastMs = ms;
    return formatTimestamp(ms, this.micro);
  }
}
