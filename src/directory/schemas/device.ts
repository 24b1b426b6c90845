/** Devices: SIP phones and their credentials (password write-only, stored as digest HA1). */
import { Type, type Static } from 'typebox';
import { Name, ResourceMeta, Uuid } from './common.ts';

export const SipUsername = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9._~-]+$',
  description: 'the SIP user name the phone authenticates with (unique in the tenant)',
});

export const Device = Type.Object({
  ...ResourceMeta,
  name: Type.String(),
  owner_id: Type.String({ description: 'owning user id, or the nil UUID' }),
  sip_username: Type.String(),
  enabled: Type.Boolean(),
});
export type Device = Static<typeof Device>;

export const DeviceCreate = Type.Object(
  {
    name: Name,
    owner_id: Type.Optional(Uuid),
    sip_username: SipUsername,
    sip_password: Type.String({
      minLength: 8,
      maxLength: 128,
      writeOnly: true,
      description: 'write-only; stored as digest HA1 (MD5 and SHA-256) for the tenant domain',
    }),
    enabled: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);
export type DeviceCreate = Static<typeof DeviceCreate>;

export const DeviceUpdate = Type.Partial(DeviceCreate, { additionalProperties: false });
export type DeviceUpdate = Static<typeof DeviceUpdate>;
