/**
 * Schema building blocks shared by every resource: ids, timestamps, pages, addresses. One TypeBox schema
 * per resource gives request validation, response serialization, TypeScript types and the OpenAPI
 * document (api.md, style.md §9).
 */
import { Type, type Static, type TSchema } from 'typebox';

export const Uuid = Type.String({
  format: 'uuid',
  description: 'UUID; the nil UUID 00000000-0000-0000-0000-000000000000 means "none"',
});

export const Timestamp = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{6}$',
  description: 'UTC `YYYY-MM-DD HH:MM:SS.ffffff`; `9999-01-01 00:00:00.000000` = not yet happened',
  examples: ['2023-04-21 15:33:28.569053'],
});

/** `id, customer_id, tm_create, tm_update, tm_delete`: present on every resource. */
export const ResourceMeta = {
  id: Uuid,
  customer_id: Uuid,
  tm_create: Timestamp,
  tm_update: Timestamp,
  tm_delete: Timestamp,
};

export const Name = Type.String({ minLength: 1, maxLength: 128, description: 'display name' });

export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
export type IdParams = Static<typeof IdParams>;

export const PageQuery = Type.Object(
  {
    page_size: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 100, default: 100, description: 'rows per page (1–100)' }),
    ),
    page_token: Type.Optional(
      Type.String({ maxLength: 256, description: 'the `next_page_token` of the previous page' }),
    ),
  },
  { additionalProperties: false },
);
export type PageQuery = Static<typeof PageQuery>;

/** `{ result, next_page_token }`, newest first; `next_page_token` is '' on the last page. */
export function PageOf<T extends TSchema>(item: T) {
  return Type.Object({
    result: Type.Array(item),
    next_page_token: Type.String({ description: "pass as `page_token` for the next page; '' = last page" }),
  });
}
export interface PageResult<T> {
  result: T[];
  next_page_token: string;
}

export const AddressType = Type.Union(
  [
    Type.Literal('tel'),
    Type.Literal('sip'),
    Type.Literal('extension'),
    Type.Literal('agent'),
    Type.Literal('device'),
    Type.Literal('user'),
    Type.Literal('group'),
  ],
  { description: 'what `target` names (groupcall.md)' },
);

/** Address of seed 004. On output every field is present ('' when unset). */
export const Address = Type.Object({
  type: Type.String(),
  target: Type.String(),
  target_name: Type.String(),
  name: Type.String(),
  detail: Type.String(),
});
export type Address = Static<typeof Address>;

/** Address as accepted on input: `type` checked, the text fields optional. */
export const AddressInput = Type.Object(
  {
    type: AddressType,
    target: Type.Optional(Type.String({ maxLength: 256 })),
    target_name: Type.Optional(Type.String({ maxLength: 256 })),
    name: Type.Optional(Type.String({ maxLength: 256 })),
    detail: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: false },
);
export type AddressInput = Static<typeof AddressInput>;

/** `?force=true` on deletes of referenced resources (api.md). */
export const ForceQuery = Type.Object(
  { force: Type.Optional(Type.Boolean({ description: 'also remove references to it', default: false })) },
  { additionalProperties: false },
);
export type ForceQuery = Static<typeof ForceQuery>;
