/** The Call resource: one SIP leg (groupcall.md "Calls"). */
import { Type, type Static } from 'typebox';
import { Address, AddressInput, Timestamp, Uuid } from './common.ts';

export const Call = Type.Object({
  id: Uuid,
  customer_id: Uuid,
  owner_type: Type.String(),
  owner_id: Uuid,
  flow_id: Uuid,
  type: Type.String(),
  master_call_id: Uuid,
  chained_call_ids: Type.Array(Uuid),
  groupcall_id: Uuid,
  source: Address,
  destination: Address,
  status: Type.String({ description: 'dialing | ringing | progressing | terminating | canceling | hangup' }),
  direction: Type.String({ description: 'incoming | outgoing' }),
  hangup_by: Type.String({ description: "local | remote | ''" }),
  hangup_reason: Type.String(),
  tm_ringing: Timestamp,
  tm_progressing: Timestamp,
  tm_hangup: Timestamp,
  tm_create: Timestamp,
  tm_update: Timestamp,
  tm_delete: Timestamp,
});
export type Call = Static<typeof Call>;

/** `POST /v1.0/calls`: an outbound call to each destination, running `flow_id` when answered. */
export const CallCreate = Type.Object(
  {
    source: Type.Optional(AddressInput),
    destinations: Type.Array(AddressInput, { minItems: 1, maxItems: 100 }),
    flow_id: Type.Optional(
      Type.String({ format: 'uuid', description: 'a callflow of the tenant, run on each answered call' }),
    ),
    ring_timeout: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 600, default: 60, description: 'seconds each call rings' }),
    ),
  },
  { additionalProperties: false },
);
export type CallCreate = Static<typeof CallCreate>;
