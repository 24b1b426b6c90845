/** Trunks: outbound gateways for `tel` addresses. */
import { Type, type Static } from 'typebox';
import { Name, ResourceMeta } from './common.ts';

export const Trunk = Type.Object({
  ...ResourceMeta,
  name: Type.String(),
  uri: Type.String(),
  username: Type.String(),
  prefixes: Type.Array(Type.String()),
});
export type Trunk = Static<typeof Trunk>;

export const TrunkCreate = Type.Object(
  {
    name: Name,
    uri: Type.String({
      minLength: 5,
      maxLength: 256,
      pattern: '^sips?:[^\\s]+$',
      description: 'the gateway, e.g. sip:gw.example.net:5060;transport=udp',
    }),
    username: Type.Optional(Type.String({ maxLength: 128 })),
    password: Type.Optional(Type.String({ maxLength: 128, writeOnly: true, description: 'write-only' })),
    prefixes: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 16, pattern: '^\\+?[0-9]+$' }), {
        maxItems: 100,
        description: 'E.164 prefixes this trunk serves; [] = all',
      }),
    ),
  },
  { additionalProperties: false },
);
export type TrunkCreate = Static<typeof TrunkCreate>;

export const TrunkUpdate = Type.Partial(TrunkCreate, { additionalProperties: false });
export type TrunkUpdate = Static<typeof TrunkUpdate>;
