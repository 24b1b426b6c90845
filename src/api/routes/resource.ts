/**
 * The five routes of a tenant-scoped directory resource (customer keys), written once:
 *
 * | route | does |
 * |---|---|
 * | `POST /v1.0/<res>` | create → 200 with the resource |
 * | `GET /v1.0/<res>` | list, newest first (`page_size`, `page_token`) |
 * | `GET /v1.0/<res>/{id}` | one |
 * | `PUT /v1.0/<res>/{id}` | partial update: fields present replace, absent keep |
 * | `DELETE /v1.0/<res>/{id}` | delete (`?force=true` where references can exist) → the deleted resource |
 *
 * Every schema comes from `src/directory/schemas/`; `customer_id` always comes from the key.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static, type TSchema } from 'typebox';
import type { ResourceService, ReadService } from '../../directory/contract.ts';
import { ForceQuery, IdParams, PageOf, PageQuery } from '../../directory/schemas/common.ts';
import { tenantOf } from '../auth.ts';
import { errorResponses, ok } from '../errors.ts';
import type { ApiInstance } from '../types.ts';

/** Statuses each kind of route can answer with besides 200 (all carry the error envelope). */
export const STATUSES = {
  list: [400, 401, 403, 500],
  get: [400, 401, 403, 404, 500],
  create: [400, 401, 403, 409, 413, 415, 500],
  update: [400, 401, 403, 404, 409, 413, 415, 500],
  delete: [400, 401, 403, 404, 409, 413, 415, 500],
} as const;

/**
 * The helpers are generic over the resource schemas, which TypeScript cannot push through Fastify's type
 * provider; they register on the untyped instance and type each handler through the spec instead.
 */
function untyped(app: ApiInstance): FastifyInstance {
  return app as unknown as FastifyInstance;
}

function idOf(request: FastifyRequest): string {
  return (request.params as IdParams).id;
}

/** Names used in the OpenAPI document: tag, path and operation ids (`createUser`, `listUsers`, …). */
export interface ResourceNames {
  /** Path segment and tag, e.g. `users`. */
  path: string;
  /** Singular for operation ids and summaries, e.g. `User`. */
  singular: string;
  /** Plural for operation ids, e.g. `Users`. */
  plural: string;
}

export interface ReadSpec<R extends TSchema> extends ResourceNames {
  resource: R;
  service: ReadService<Static<R>>;
}

export interface CrudSpec<R extends TSchema, C extends TSchema, U extends TSchema> extends ReadSpec<R> {
  create: C;
  update: U;
  service: ResourceService<Static<R>, Static<C>, Static<U>>;
  /** DELETE takes `?force=true` (references to the resource can exist). */
  force: boolean;
}

/** `GET /<res>` and `GET /<res>/{id}`. */
export function readRoutes<R extends TSchema>(api: ApiInstance, spec: ReadSpec<R>): void {
  const { path, singular, plural, resource, service } = spec;
  const app = untyped(api);
  app.get(
    `/${path}`,
    {
      schema: {
        operationId: `list${plural}`,
        tags: [path],
        summary: `List ${path}, newest first`,
        querystring: PageQuery,
        response: {
          200: ok(PageOf(resource), `a page of ${path}, newest first`),
          ...errorResponses(STATUSES.list),
        },
      },
    },
    async (request) => service.list(tenantOf(request), request.query as PageQuery),
  );
  app.get(
    `/${path}/:id`,
    {
      schema: {
        operationId: `get${singular}`,
        tags: [path],
        summary: `Get one ${singular.toLowerCase()}`,
        params: IdParams,
        response: { 200: ok(resource, `the ${singular.toLowerCase()}`), ...errorResponses(STATUSES.get) },
      },
    },
    async (request) => service.get(tenantOf(request), idOf(request)),
  );
}

/** The five CRUD routes of a tenant resource. */
export function crudRoutes<R extends TSchema, C extends TSchema, U extends TSchema>(
  api: ApiInstance,
  spec: CrudSpec<R, C, U>,
): void {
  const { path, singular, resource, service } = spec;
  const app = untyped(api);
  app.post(
    `/${path}`,
    {
      schema: {
        operationId: `create${singular}`,
        tags: [path],
        summary: `Create a ${singular.toLowerCase()}`,
        body: spec.create,
        response: {
          200: ok(resource, `the new ${singular.toLowerCase()}`),
          ...errorResponses(STATUSES.create),
        },
      },
    },
    async (request) => service.create(tenantOf(request), request.body as Static<C>),
  );
  readRoutes(api, spec);
  app.put(
    `/${path}/:id`,
    {
      schema: {
        operationId: `update${singular}`,
        tags: [path],
        summary: `Update a ${singular.toLowerCase()} (fields present replace, absent keep)`,
        params: IdParams,
        body: spec.update,
        response: {
          200: ok(resource, `the ${singular.toLowerCase()} after the update`),
          ...errorResponses(STATUSES.update),
        },
      },
    },
    async (request) => service.update(tenantOf(request), idOf(request), request.body as Static<U>),
  );
  app.delete(
    `/${path}/:id`,
    {
      schema: {
        operationId: `delete${singular}`,
        tags: [path],
        summary: spec.force
          ? `Delete a ${singular.toLowerCase()}; refused with 409 RESOURCE_IN_USE while referenced unless ?force=true`
          : `Delete a ${singular.toLowerCase()}`,
        params: IdParams,
        querystring: spec.force ? ForceQuery : EmptyQuery,
        response: {
          200: ok(resource, `the deleted ${singular.toLowerCase()}`),
          ...errorResponses(STATUSES.delete),
        },
      },
    },
    async (request) => {
      const force = (request.query as { force?: boolean }).force === true;
      return service.delete(tenantOf(request), idOf(request), { force });
    },
  );
}

/** A query string with no parameters (the access key, if sent there, is removed before validation). */
export const EmptyQuery = Type.Object({}, { additionalProperties: false });
