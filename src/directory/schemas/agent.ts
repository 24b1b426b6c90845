/** Agents: people who take queue calls (queues.md). */
import { Type, type Static } from 'typebox';
import { Address, AddressInput, Name, ResourceMeta, Uuid } from './common.ts';

export const RingMethod = Type.Union([Type.Literal('ring_all'), Type.Literal('linear')]);
export const AgentStatus = Type.Union([
  Type.Literal('available'),
  Type.Literal('away'),
  Type.Literal('ringing'),
  Type.Literal('busy'),
]);

export const Agent = Type.Object({
  ...ResourceMeta,
  name: Type.String(),
  owner_id: Type.String(),
  addresses: Type.Array(Address),
  ring_method: Type.String(),
  status: Type.String(),
});
export type Agent = Static<typeof Agent>;

export const AgentCreate = Type.Object(
  {
    name: Name,
    owner_id: Type.Optional(Uuid),
    addresses: Type.Optional(Type.Array(AddressInput, { maxItems: 32 })),
    ring_method: Type.Optional(RingMethod),
    status: Type.Optional(
      Type.Union([Type.Literal('available'), Type.Literal('away')], {
        description: 'agents set available/away; ringd sets ringing/busy',
      }),
    ),
  },
  { additionalProperties: false },
);
export type AgentCreate = Static<typeof AgentCreate>;

export const AgentUpdate = Type.Partial(AgentCreate, { additionalProperties: false });
export type AgentUpdate = Static<typeof AgentUpdate>;
