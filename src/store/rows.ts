/**
 * Rows as the repositories hand them out: the table columns of `schema.ts` with JSON columns decoded and
 * 0/1 columns as booleans. The directory's resource types (`src/directory/schemas/`) are these, minus
 * secrets. Kept free of any PBX meaning: the store only stores.
 */
import type {
  AccessKeysTable,
  AgentsTable,
  CallflowsTable,
  CallsTable,
  CustomersTable,
  DevicesTable,
  GroupcallsTable,
  GroupsTable,
  QueuesTable,
  TrunksTable,
  UsersTable,
} from './schema.ts';

/** An address of seed 004: `{ type, target, target_name, name, detail }`. */
export interface AddressRow {
  type: string;
  target: string;
  target_name: string;
  name: string;
  detail: string;
}

/** A callflow node: `{ module, data, children }` (callflows.md). */
export interface FlowNodeRow {
  module: string;
  data: Record<string, unknown>;
  children: Record<string, FlowNodeRow>;
}

export type CustomerRow = Omit<CustomersTable, 'settings'> & { settings: Record<string, unknown> };
export type AccessKeyRow = AccessKeysTable;
export type UserRow = Omit<UsersTable, 'call_groups' | 'pickup_groups' | 'monitor'> & {
  call_groups: string[];
  pickup_groups: string[];
  monitor: string[];
};
export type DeviceRow = Omit<DevicesTable, 'enabled'> & { enabled: boolean };
export type GroupRow = Omit<GroupsTable, 'endpoints'> & { endpoints: Record<string, { type: string }> };
export type CallflowRow = Omit<CallflowsTable, 'numbers' | 'patterns' | 'flow'> & {
  numbers: string[];
  patterns: string[];
  flow: FlowNodeRow;
};
export type AgentRow = Omit<AgentsTable, 'addresses'> & { addresses: AddressRow[] };
export type QueueRow = Omit<QueuesTable, 'agent_ids'> & { agent_ids: string[] };
export type TrunkRow = Omit<TrunksTable, 'prefixes'> & { prefixes: string[] };
export type GroupcallRow = Omit<GroupcallsTable, 'source' | 'destinations' | 'call_ids' | 'groupcall_ids'> & {
  source: AddressRow;
  destinations: AddressRow[];
  call_ids: string[];
  groupcall_ids: string[];
};
export type CallRow = Omit<CallsTable, 'chained_call_ids' | 'source' | 'destination'> & {
  chained_call_ids: string[];
  source: AddressRow;
  destination: AddressRow;
};

/** Every table whose rows have `id`, `customer_id` and `tm_*`, by name, with its decoded row type. */
export interface RowTypes {
  customers: CustomerRow;
  access_keys: AccessKeyRow;
  users: UserRow;
  devices: DeviceRow;
  groups: GroupRow;
  callflows: CallflowRow;
  agents: AgentRow;
  queues: QueueRow;
  trunks: TrunkRow;
  groupcalls: GroupcallRow;
  calls: CallRow;
}
export type ResourceTable = keyof RowTypes;
