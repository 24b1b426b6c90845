/** The Groupcall resource, field for field the struct of seed 004 (groupcall.md). */
import { Type, type Static } from 'typebox';
import { Address, AddressInput, Timestamp, Uuid } from './common.ts';

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

/** `POST /v1.0/groupcalls` (groupcall.md): who to ring, how, and what the answered leg runs. */
export const GroupcallCreate = Type.Object(
  {
    source: Type.Optional(AddressInput),
    destinations: Type.Array(AddressInput, { minItems: 1, maxItems: 100 }),
    ring_method: Type.Optional(
      Type.Union([Type.Literal('ring_all'), Type.Literal('linear')], { default: 'ring_all' }),
    ),
    answer_method: Type.Optional(Type.Literal('hangup_others', { default: 'hangup_others' })),
    flow_id: Type.Optional(
      Type.String({ format: 'uuid', description: 'a callflow of the tenant, run on the answered leg' }),
    ),
    ring_timeout: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 600, default: 60, description: 'seconds each leg rings' }),
    ),
  },
  { additionalProperties: false },
);
export type GroupcallCreate = Static<typeof GroupcallCreate>;
