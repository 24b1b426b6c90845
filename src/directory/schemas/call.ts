/** The Call resource: one SIP leg (groupcall.md "Calls"). */
import { Type, type Static } from 'typebox';
import { Address, Timestamp, Uuid } from './common.ts';

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
