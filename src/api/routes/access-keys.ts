/**
 * `/v1.0/accesskeys`. A customer key manages the keys of its tenant (a `customer_id` other than its own →
 * 403). The platform admin creates keys for a customer (`customer_id` required; unknown → 404) and lists,
 * reads and revokes the platform admin keys (those of no tenant).
 */
import type { Static } from 'typebox';
import type { DirectoryApi, Principal } from '../../directory/contract.ts';
import { invalid, notFound } from '../../directory/errors.ts';
import { AccessKey, AccessKeyCreate, AccessKeyWithSecret } from '../../directory/schemas/access-key.ts';
import { IdParams, PageOf, PageQuery } from '../../directory/schemas/common.ts';
import { NIL_UUID } from '../../store/timestamp.ts';
import { principalOf } from '../auth.ts';
import { errorResponses, forbidden, ok } from '../errors.ts';
import type { ApiInstance } from '../types.ts';
import { EmptyQuery, STATUSES } from './resource.ts';

/** The key scope of a caller: its tenant, or the nil tenant (admin keys) for the platform admin. */
function scopeOf(p: Principal): string {
  return p.role === 'admin' ? NIL_UUID : p.customerId;
}

export async function accessKeyRoutes(app: ApiInstance, opts: { directory: DirectoryApi }): Promise<void> {
  const { accessKeys, customers } = opts.directory;

  app.post(
    '/accesskeys',
    {
      config: { access: 'any' },
      schema: {
        operationId: 'createAccessKey',
        tags: ['accesskeys'],
        summary: 'Create a customer access key (the secret is in this answer only)',
        body: AccessKeyCreate,
        response: {
          200: ok(AccessKeyWithSecret, 'the new key with its secret (shown only now)'),
          ...errorResponses([400, 401, 403, 404, 413, 415, 500]),
        },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const body = request.body as Static<typeof AccessKeyCreate>;
      let customerId: string;
      if (p.role === 'admin') {
        if (body.customer_id === undefined) {
          throw invalid([
            { path: '/customer_id', message: 'the platform admin key must name the customer the key is for' },
          ]);
        }
        if (body.customer_id === NIL_UUID) throw notFound('customer', body.customer_id);
        customerId = (await customers.get(body.customer_id)).id;
      } else {
        if (body.customer_id !== undefined && body.customer_id !== p.customerId) {
          throw forbidden('a customer key creates keys for its own tenant only');
        }
        customerId = p.customerId;
      }
      return accessKeys.create(customerId, 'customer', body.name);
    },
  );

  app.get(
    '/accesskeys',
    {
      config: { access: 'any' },
      schema: {
        operationId: 'listAccessKeys',
        tags: ['accesskeys'],
        summary: "List the keys of the caller's tenant (platform admin: the admin keys), newest first",
        querystring: PageQuery,
        response: {
          200: ok(PageOf(AccessKey), 'a page of keys, newest first'),
          ...errorResponses(STATUSES.list),
        },
      },
    },
    async (request) => accessKeys.list(scopeOf(principalOf(request)), request.query),
  );

  app.get(
    '/accesskeys/:id',
    {
      config: { access: 'any' },
      schema: {
        operationId: 'getAccessKey',
        tags: ['accesskeys'],
        summary: 'Get a key (never its secret)',
        params: IdParams,
        response: { 200: ok(AccessKey, 'the key'), ...errorResponses(STATUSES.get) },
      },
    },
    async (request) => accessKeys.get(scopeOf(principalOf(request)), request.params.id),
  );

  app.delete(
    '/accesskeys/:id',
    {
      config: { access: 'any' },
      schema: {
        operationId: 'deleteAccessKey',
        tags: ['accesskeys'],
        summary: 'Revoke a key (it stops working at once)',
        params: IdParams,
        querystring: EmptyQuery,
        response: {
          200: ok(AccessKey, 'the revoked key'),
          ...errorResponses([400, 401, 403, 404, 413, 415, 500]),
        },
      },
    },
    async (request) => accessKeys.delete(scopeOf(principalOf(request)), request.params.id),
  );
}
