/**
 * Subscription filters: which event types and which resources a subscriber wants. The wire form (query
 * `?type=call_created,call_hangup&resource_id=<uuid>,…` and the `subscribe` message's `data`) is parsed and
 * validated here once, for both doors, so both give the same answers to the same mistakes.
 */
import type { ErrorDetail } from '../directory/errors.ts';
import { EVENT_TYPES, isEventType } from './event-types.ts';
import type { BusEvent } from './types.ts';

/** Most resource ids one filter may name. */
export const MAX_FILTER_IDS = 256;

/** What a subscriber wants; an empty list means "any". */
export interface EventFilter {
  /** Event types (from `EVENT_TYPES`); empty: every type. */
  readonly types: readonly string[];
  /** Resource ids, matched against the event's `data.id` (lower-case UUIDs); empty: every resource. */
  readonly resourceIds: readonly string[];
}

/** The filter that lets everything through. */
export const MATCH_ALL: EventFilter = Object.freeze({ types: [], resourceIds: [] });

/** A filter in the form `publish` tests it: `null` sets mean "any". */
export interface CompiledFilter {
  readonly types: ReadonlySet<string> | null;
  readonly ids: ReadonlySet<string> | null;
}

export function compileFilter(f: EventFilter): CompiledFilter {
  return {
    types: f.types.length === 0 ? null : new Set(f.types),
    ids: f.resourceIds.length === 0 ? null : new Set(f.resourceIds),
  };
}

/** Whether `event` passes `f` (two set lookups at most). */
export function matches(f: CompiledFilter, event: BusEvent): boolean {
  return (f.types === null || f.types.has(event.type)) && (f.ids === null || f.ids.has(event.data.id));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The wire form: each field a comma list, an array of strings (or of comma lists), or absent. */
export interface WireFilter {
  type?: unknown;
  resource_id?: unknown;
}

export type FilterParse = { ok: true; filter: EventFilter } | { ok: false; details: ErrorDetail[] };

/** Splits a wire list into its items, or says why it is not one. */
function items(v: unknown, path: string, details: ErrorDetail[]): string[] {
  if (v === undefined || v === null) return [];
  const parts = typeof v === 'string' ? [v] : Array.isArray(v) ? v : undefined;
  if (parts === undefined || parts.some((p) => typeof p !== 'string')) {
    details.push({ path, message: 'must be a comma-separated string or an array of strings' });
    return [];
  }
  const out: string[] = [];
  for (const p of parts as string[]) {
    for (const item of p.split(',')) {
      const t = item.trim();
      if (t === '') {
        details.push({ path, message: 'must not hold an empty item (stray comma or empty value)' });
        return [];
      }
      out.push(t);
    }
  }
  return out;
}

/** Parses and validates a wire filter: known event types, UUIDs, at most `MAX_FILTER_IDS` ids. */
export function parseFilter(wire: WireFilter, pathPrefix = ''): FilterParse {
  const details: ErrorDetail[] = [];
  const typePath = `${pathPrefix}/type`;
  const idPath = `${pathPrefix}/resource_id`;
  const types = [...new Set(items(wire.type, typePath, details))];
  const unknown = types.filter((t) => !isEventType(t));
  if (unknown.length > 0) {
    details.push({
      path: typePath,
      message: `unknown event type ${unknown.map((t) => `'${t}'`).join(', ')} (known: ${Object.keys(EVENT_TYPES).join(', ')})`,
    });
  }
  const ids = [...new Set(items(wire.resource_id, idPath, details).map((i) => i.toLowerCase()))];
  const bad = ids.filter((i) => !UUID.test(i));
  if (bad.length > 0) {
    details.push({
      path: idPath,
      message: `must be UUIDs: ${bad
        .slice(0, 3)
        .map((i) => `'${i.slice(0, 40)}'`)
        .join(', ')}${bad.length > 3 ? ` (and ${bad.length - 3} more)` : ''}`,
    });
  } else if (ids.length > MAX_FILTER_IDS) {
    details.push({ path: idPath, message: `names ${ids.length} ids; at most ${MAX_FILTER_IDS}` });
  }
  if (details.length > 0) return { ok: false, details };
  return { ok: true, filter: { types, resourceIds: ids } };
}

/** The wire form of a filter (what the `subscribed` message echoes). */
export function wireFilter(f: EventFilter): { type: string[]; resource_id: string[] } {
  return { type: [...f.types], resource_id: [...f.resourceIds] };
}
