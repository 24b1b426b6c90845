/**
 * Turns the databases' unique-violation errors into `StoreConflictError`, the same on both dialects.
 * SQLite names the columns (`UNIQUE constraint failed: devices.customer_id, devices.sip_username`),
 * PostgreSQL the index (`23505`, `constraint: 'devices_sip_username_key'`); both map to the constraint names
 * of `types.ts`, with the clashing value taken from the row being written.
 */
import { StoreConflictError } from './types.ts';

interface UniqueIndex {
  /** Index name on PostgreSQL (migrations name them so). */
  index: string;
  /** `table(col,col)`: how SQLite's message identifies it. */
  columns: string;
  /** The constraint name of `StoreConflictError`. */
  constraint: (values: Record<string, unknown>) => string;
  /** The column whose value is reported. */
  valueColumn: string;
}

const RESOURCE_TABLES = [
  'customers',
  'access_keys',
  'users',
  'devices',
  'groups',
  'callflows',
  'agents',
  'queues',
  'trunks',
  'groupcalls',
  'calls',
];

const INDEXES: UniqueIndex[] = [
  {
    index: 'customers_domain_key',
    columns: 'customers(domain)',
    constraint: () => 'customer_domain',
    valueColumn: 'domain',
  },
  {
    index: 'devices_sip_username_key',
    columns: 'devices(customer_id,sip_username)',
    constraint: () => 'device_sip_username',
    valueColumn: 'sip_username',
  },
  {
    index: 'access_keys_key_prefix_key',
    columns: 'access_keys(key_prefix)',
    constraint: () => 'access_key_prefix',
    valueColumn: 'key_prefix',
  },
  {
    index: 'callflow_keys_pkey',
    columns: 'callflow_keys(customer_id,kind,value)',
    constraint: (v) => (v.kind === 'pattern' ? 'callflow_pattern' : 'callflow_number'),
    valueColumn: 'value',
  },
  ...RESOURCE_TABLES.map((t) => ({
    index: `${t}_pkey`,
    columns: `${t}(id)`,
    constraint: () => 'primary_key',
    valueColumn: 'id',
  })),
];

const BY_INDEX = new Map(INDEXES.map((i) => [i.index, i]));
const BY_COLUMNS = new Map(INDEXES.map((i) => [i.columns, i]));

function uniqueIndexOf(error: unknown): UniqueIndex | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { code?: unknown; constraint?: unknown; message?: unknown };
  if (e.code === '23505' && typeof e.constraint === 'string') return BY_INDEX.get(e.constraint);
  if (
    (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') &&
    typeof e.message === 'string'
  ) {
    const m = /UNIQUE constraint failed: (.+)$/.exec(e.message);
    if (!m) return undefined;
    const cols = m[1].split(',').map((c) => c.trim().split('.'));
    const key = `${cols[0][0]}(${cols.map((c) => c[1]).join(',')})`;
    return BY_COLUMNS.get(key);
  }
  return undefined;
}

/**
 * The `StoreConflictError` for a unique violation raised while writing `values` (the encoded row or
 * patch), or undefined when `error` is something else.
 */
export function conflictFrom(
  error: unknown,
  values: Record<string, unknown>,
): StoreConflictError | undefined {
  const index = uniqueIndexOf(error);
  if (!index) return undefined;
  const value = values[index.valueColumn];
  return new StoreConflictError(index.constraint(values), typeof value === 'string' ? value : '');
}

export { StoreConflictError };
