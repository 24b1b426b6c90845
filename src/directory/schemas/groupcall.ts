/** The Groupcall resource, field for field the struct of seed 004 (groupcall.md). */
import { Type, type Static } from 'typebox';
import { Address, Timestamp, Uuid } from './common.ts';

export const Groupcall = Type.Object({
  id: Uuid,
  customer_id: Uuid,
  owner_type: Type.String({ description: "'agent' or ''" }),
  owner_id: Uuid,
  status: Type.String({ description: 'progressing | hangingup | hangup' }),
  flow_id: Uuid,
  source: Address,
  destinations: Type.Array(Address),
  master_call_id: Uuid,
  master_groupcall_id: Uuid,
  ring_method: Type.String({ description: 'ring_all | linear' }),
  answer_method: Type.String({ description: 'hangup_others' }),
  answer_call_id: Uuid,
  call_ids: Type.Array(Uuid),
  answer_groupcall_id: Uuid,
  groupcall_ids: Type.Array(Uuid),
  call_count: Type.Integer(),
  groupcall_count: Type.Integer(),
  dial_index: Type.Integer(),
  tm_create: Timestamp,
  tm_update: Timestamp,
  tm_delete: Timestamp,
});
export type Groupcall = Static<typeof Groupcall>;
