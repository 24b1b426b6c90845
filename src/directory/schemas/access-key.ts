/** Access keys: `Authorization: Bearer <key>` (api.md "Auth"). The secret is shown once, stored hashed. */
import { Type, type Static } from 'typebox';
import { ResourceMeta, Uuid } from './common.ts';

export const AccessKey = Type.Object({
  ...ResourceMeta,
  name: Type.String(),
  role: Type.Union([Type.Literal('admin'), Type.Literal('customer')]),
  key_prefix: Type.String({ description: 'the public start of the key, to recognise it in lists' }),
});
export type AccessKey = Static<typeof AccessKey>;

/** Returned once, on creation: the resource plus the secret key itself. */
export const AccessKeyWithSecret = Type.Object({
  ...AccessKey.properties,
  key: Type.String({ description: 'the access key; shown only now, stored hashed' }),
});
export type AccessKeyWithSecret = Static<typeof AccessKeyWithSecret>;

export const AccessKeyCreate = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 128 })),
    customer_id: Type.Optional(
      Type.Unsafe<string>({
        ...Uuid,
        description:
          'platform admin only: the customer the key is for (a customer key always creates for its own)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type AccessKeyCreate = Static<typeof AccessKeyCreate>;
