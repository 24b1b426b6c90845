/** Customers (tenants), api.md "Tenants". */
import { Type, type Static } from 'typebox';
import { Name, Timestamp, Uuid } from './common.ts';

export const CustomerSettings = Type.Object(
  {
    feature_codes: Type.Boolean({
      description:
        'create the default pickup feature-code callflows with the tenant (*87, *87<ext>, 88<name>)',
    }),
    pickup_failure_mode: Type.Union([Type.Literal('reject'), Type.Literal('tone')], {
      description:
        "'reject': answer a failed pickup with 403/404/480; 'tone': answer and play a failure tone",
    }),
    ring_timeout: Type.Integer({ minimum: 1, maximum: 600, description: 'default ring timeout, seconds' }),
    monitor_all: Type.Boolean({
      description:
        "every user may pick up every user's direct calls (the tenant grants 'permission to monitor')",
    }),
  },
  { additionalProperties: false },
);
export type CustomerSettings = Static<typeof CustomerSettings>;

export const DEFAULT_CUSTOMER_SETTINGS: CustomerSettings = {
  feature_codes: true,
  pickup_failure_mode: 'reject',
  ring_timeout: 20,
  monitor_all: false,
};

/** A SIP domain: a host name or an IPv4 literal, lower-cased on save. */
export const Domain = Type.String({
  minLength: 1,
  maxLength: 253,
  pattern:
    '^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$',
  description: "the tenant's SIP domain (unique); also the digest realm of its devices",
});

export const Customer = Type.Object({
  id: Uuid,
  name: Type.String(),
  domain: Type.String(),
  settings: CustomerSettings,
  tm_create: Timestamp,
  tm_update: Timestamp,
  tm_delete: Timestamp,
});
export type Customer = Static<typeof Customer>;

export const CustomerCreate = Type.Object(
  {
    name: Name,
    domain: Domain,
    settings: Type.Optional(Type.Partial(CustomerSettings, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type CustomerCreate = Static<typeof CustomerCreate>;

export const CustomerUpdate = Type.Partial(CustomerCreate, { additionalProperties: false });
export type CustomerUpdate = Static<typeof CustomerUpdate>;
