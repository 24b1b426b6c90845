/**
 * The database schema as Kysely sees it: one interface per table, the same for SQLite and PostgreSQL.
 *
 * Conventions (both dialects):
 * - ids are UUID strings (TEXT; `COLLATE "C"` on PostgreSQL so index order = comparison order);
 * - timestamps are TEXT in the seed's format (`timestamp.ts`), unset = `NOT_YET`;
 * - list-valued and object-valued fields are JSON text, encoded/decoded by the repositories only —
 *   code above the store sees plain values (`Row` types in `rows.ts`);
 * - booleans are INTEGER 0/1.
 * Migrations (`migrations/`) create exactly these columns.
 */

export interface CustomersTable {
  id: string;
  name: string;
  domain: string; // unique, lower-case
  settings: string; // JSON CustomerSettings
  tm_create: string;
  tm_update: string;
  tm_delete: string;
}

export interface AccessKeysTable {
  id: string;
  customer_id: string; // NIL_UUID for platform-admin keys
  role: 'admin' | 'customer';
  name: string;
  key_prefix: string; // unique; the public first part of the key, shown in lists
  key_hash: string; // sha256 hex of the whole key
  tm_create: string;
  tm_update: string;
  tm_delete: string;
}

export interface UsersTable {
  id: string;
  customer_id: string;
  name: string;
  call_groups: string; // JSON string[]
  pickup_groups: string; // JSON string[]
  monitor: string; // JSON string[] (user ids, group ids, "*")
  tm_create: string;
  tm_update: string;
  tm_delete: string;
}

export interface DevicesTable {
  id: string;
  customer_id: string;
  name: string;
  owner_id: string; // user id or NIL_UUID
  sip_username: string; // unique per customer
  ha1_md5: string; // '' when no password set
  ha1_sha256: string;
  enabled: number; // 0/1
  tm_create: string;
  tm_update: string;
  tm_delete: string;
}

export interface GroupsTable {
  id: string;
  customer_id: string;
  name: string;
  endpoints: string; // JSON { [id]: { type } }
  tm_create: string;
  tm_update: string;
  tm_delete: string;
}

export interface CallflowsTable {
  id: string;
  customer_id: string;
  name: string;
  numbers: string; // JSON string[]
  patterns: string; // JSON string[]
  flow: string; // JSON node
  feature_code: string; // '' or the default feature code this callflow implements
  tm_create: string;
  tm_update: string;
  tm_delete: string;
}

/** One row per number and per pattern of a callflow; the primary key makes them unique per tenant. */
export interface CallflowKeysTable {
  customer_id: string;
  kind: 'number' | 'pattern';
  value: string;
  callflow_id: string;
}

export interface AgentsTable {
  id: string;
  customer_id: string;
  name: string;
  owner_id: string;
  addresses: string; // JSON Address[]
  ring_method: string;
  status: string;
  tm_create: string;
  tm_update: string;
  tm_delete: string;
}

export interface QueuesTable {
  id: string;
  customer_id: string;
  name: string;
  agent_ids: string; // JSON string[]
  strategy: string;
  ring_timeout: number;
  wait_timeout: number;
  music: string;
  tm_create: string;
  tm_update: string;
  tm_delete: string;
}

export interface TrunksTable {
  id: string;
  customer_id: string;
  name: string;
  uri: string;
  username: string;
  password: string; // needed in clear to answer the gateway's digest challenge; never returned by the API
  prefixes: string; // JSON string[]
  tm_create: string;
  tm_update: string;
  tm_delete: string;
}

export interface GroupcallsTable {
  id: string;
  customer_id: string;
  owner_type: string;
  owner_id: string;
  status: string;
  flow_id: string;
  source: string; // JSON Address
  destinations: string; // JSON Address[]
  master_call_id: string;
  master_groupcall_id: string;
  ring_method: string;
  answer_method: string;
  answer_call_id: string;
  call_ids: string; // JSON string[]
  answer_groupcall_id: string;
  groupcall_ids: string; // JSON string[]
  call_count: number;
  groupcall_count: number;
  dial_index: number;
  tm_create: string;
  tm_update: string;
  tm_delete: string;
}

export interface CallsTable {
  id: string;
  customer_id: string;
  owner_type: string;
  owner_id: string;
  flow_id: string;
  type: string;
  master_call_id: string;
  chained_call_ids: string; // JSON string[]
  groupcall_id: string;
  source: string; // JSON Address
  destination: string; // JSON Address
  status: string;
  direction: string;
  hangup_by: string;
  hangup_reason: string;
  tm_ringing: string;
  tm_progressing: string;
  tm_hangup: string;
  tm_create: string;
  tm_update: string;
  tm_delete: string;
}

/**
 * A registrar binding (issue 4): one row per (device, contact). Not a resource: no soft delete, rows are
 * removed when the binding ends. `expires_at` is epoch milliseconds (BIGINT on PostgreSQL, whose driver
 * returns it as a string: the repository converts, as for `cseq`); `q` is a REAL / DOUBLE PRECISION.
 */
export interface RegistrationsTable {
  id: string;
  customer_id: string;
  device_id: string;
  contact: string; // the Contact URI as registered
  source_address: string;
  source_port: number;
  transport: string; // 'UDP' | 'TCP'
  user_agent: string;
  call_id: string;
  cseq: number | string; // BIGINT (a CSeq is 32-bit unsigned)
  q: number;
  expires_at: number | string; // epoch ms
  tm_create: string;
  tm_update: string;
}

export interface Database {
  customers: CustomersTable;
  access_keys: AccessKeysTable;
  users: UsersTable;
  devices: DevicesTable;
  groups: GroupsTable;
  callflows: CallflowsTable;
  callflow_keys: CallflowKeysTable;
  agents: AgentsTable;
  queues: QueuesTable;
  trunks: TrunksTable;
  groupcalls: GroupcallsTable;
  calls: CallsTable;
  registrations: RegistrationsTable;
}
