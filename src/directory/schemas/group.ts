/** Groups of devices, users and other groups, in KAZOO's `endpoints` shape (nested allowed, no cycles). */
import { Type, type Static } from 'typebox';
import { Name, ResourceMeta } from './common.ts';

export const EndpointType = Type.Union([Type.Literal('device'), Type.Literal('user'), Type.Literal('group')]);

export const Endpoints = Type.Record(
  Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' }),
  Type.Object({ type: EndpointType }, { additionalProperties: false }),
  { description: 'member id (UUID) → { type }', additionalProperties: false },
);

export const Group = Type.Object({
  ...ResourceMeta,
  name: Type.String(),
  endpoints: Type.Record(Type.String(), Type.Object({ type: Type.String() })),
});
export type Group = Static<typeof Group>;

export const GroupCreate = Type.Object(
  { name: Name, endpoints: Type.Optional(Endpoints) },
  { additionalProperties: false },
);
export type GroupCreate = Static<typeof GroupCreate>;

export const GroupUpdate = Type.Partial(GroupCreate, { additionalProperties: false });
export type GroupUpdate = Static<typeof GroupUpdate>;
