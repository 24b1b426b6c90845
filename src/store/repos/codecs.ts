/**
 * Per-table codecs: which columns are JSON text and which are 0/1 integers, and the column that scopes a
 * row to a tenant. The only place that knows how decoded rows (`rows.ts`) map onto table columns.
 */
import type { ResourceTable } from '../rows.ts';

/** How one resource table is encoded. */
export interface TableCodec {
  readonly table: ResourceTable;
  /** Column compared with the repositories' `customerId` (`id` for `customers` itself). */
  readonly scope: 'customer_id' | 'id';
  /** Columns holding JSON text. */
  readonly json: ReadonlySet<string>;
  /** Columns holding 0/1 for a boolean. */
  readonly bool: ReadonlySet<string>;
}

function codec(
  table: ResourceTable,
  json: string[],
  bool: string[] = [],
  scope: 'customer_id' | 'id' = 'customer_id',
): TableCodec {
  return { table, scope, json: new Set(json), bool: new Set(bool) };
}

/** The codec of every resource table. */
export const CODECS: { readonly [T in ResourceTable]: TableCodec } = {
  customers: codec('customers', ['settings'], [], 'id'),
  access_keys: codec('access_keys', []),
  users: codec('users', ['call_groups', 'pickup_groups', 'monitor']),
  devices: codec('devices', [], ['enabled']),
  groups: codec('groups', ['endpoints']),
  callflows: codec('callflows', ['numbers', 'patterns', 'flow']),
  agents: codec('agents', ['addresses']),
  queues: codec('queues', ['agent_ids']),
  trunks: codec('trunks', ['prefixes']),
  groupcalls: codec('groupcalls', ['source', 'destinations', 'call_ids', 'groupcall_ids']),
  calls: codec('calls', ['chained_call_ids', 'source', 'destination']),
};

/** Decoded row or patch → column values (JSON stringified, booleans as 0/1; undefined fields dropped). */
export function encode(c: TableCodec, row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (v === undefined) continue;
    if (c.json.has(k)) out[k] = JSON.stringify(v);
    else if (c.bool.has(k)) out[k] = v ? 1 : 0;
    else out[k] = v;
  }
  return out;
}

/** Column values as read → decoded row. Throws when a JSON column does not hold JSON (corrupt row). */
export function decode(c: TableCodec, row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...row };
  for (const k of c.json) {
    const text = row[k];
    if (typeof text !== 'string') continue;
    try {
      out[k] = JSON.parse(text);
    } catch {
      throw new Error(`store: ${c.table}.${k} of row ${String(row.id)} is not valid JSON`);
    }
  }
  for (const k of c.bool) if (k in row) out[k] = Number(row[k]) !== 0;
  return out;
}
