/** Users: people, with their named call/pickup groups and who may monitor them (api.md, pickup.md §3–4). */
import { Type, type Static } from 'typebox';
import { Name, ResourceMeta } from './common.ts';

export const User = Type.Object({
  ...ResourceMeta,
  name: Type.String(),
  call_groups: Type.Array(Type.String(), { description: 'named groups this user is pickable in' }),
  pickup_groups: Type.Array(Type.String(), { description: 'named groups this user may pick up from' }),
  monitor: Type.Array(Type.String(), {
    description: "who may pick up this user's direct calls: user ids, group ids, or '*'",
  }),
});
export type User = Static<typeof User>;

/** Named groups on input: a list, or one comma-separated string of at most 1024 characters (seed 002). */
export const NamedGroupsInput = Type.Union([
  Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 512 }),
  Type.String({ maxLength: 1024 }),
]);

export const UserCreate = Type.Object(
  {
    name: Name,
    call_groups: Type.Optional(NamedGroupsInput),
    pickup_groups: Type.Optional(NamedGroupsInput),
    monitor: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 1000 })),
  },
  { additionalProperties: false },
);
export type UserCreate = Static<typeof UserCreate>;

export const UserUpdate = Type.Partial(UserCreate, { additionalProperties: false });
export type UserUpdate = Static<typeof UserUpdate>;
