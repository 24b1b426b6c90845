/**
 * `/v1.0/customers`: tenants. The platform admin key manages all of them; a customer key sees only its
 * own (list → itself, GET/PUT its own id, other ids 404 as if absent) and may not create, delete or
 * change its `domain` (403).
 */
import { Type, type Static } from 'typebox';
import type { DirectoryApi } from '../../directory/contract.ts';
import { notFound } from '../../directory/errors.ts';
import { Customer, CustomerCreate, CustomerSettings } from '../../directory/schemas/customer.ts';
import { IdParams, PageOf, PageQuery } from '../../directory/schemas/common.ts';
import { principalOf } from '../auth.ts';
import { errorResponses, forbidden, ok } from '../errors.ts';
import type { ApiInstance } from '../types.ts';
import { EmptyQuery, STATUSES } from './resource.ts';

/**
 * `settings` on input: every field optional, unknown fields refused. (`Type.Partial(CustomerSettings)` in
 * the contract drops `additionalProperties: false`, so the body schemas are rebuilt here with it.)
 */
const SettingsInput = Type.Partial(CustomerSettings, { additionalProperties: false });
export const CustomerCreateBody = Type.Object(
  { ...CustomerCreate.properties, settings: Type.Optional(SettingsInput) },
  { additionalProperties: false },
);
export const CustomerUpdateBody = Type.Partial(CustomerCreateBody, { additionalProperties: false });

export async function customerRoutes(app: ApiInstance, opts: { directory: DirectoryApi }): Promise<void> {
  const customers = opts.directory.customers;

  app.post(
    '/customers',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'createCustomer',
        tags: ['customers'],
        summary: 'Create a tenant (platform admin) with its default feature-code callflows',
        body: CustomerCreateBody,
        response: { 200: ok(Customer, 'the new customer'), ...errorResponses(STATUSES.create) },
      },
    },
    async (request) => customers.create(request.body as Static<typeof CustomerCreateBody>),
  );

  app.get(
    '/customers',
    {
      config: { access: 'any' },
      schema: {
        operationId: 'listCustomers',
        tags: ['customers'],
        summary: 'List tenants (a customer key: only its own)',
        querystring: PageQuery,
        response: {
          200: ok(PageOf(Customer), 'a page of customers, newest first'),
          ...errorResponses(STATUSES.list),
        },
      },
    },
    async (request) => {
      const p = principalOf(request);
      if (p.role === 'admin') return customers.list(request.query);
      return { result: [await customers.get(p.customerId)], next_page_token: '' };
    },
  );

  /** The id a caller may touch: any for the admin, only its own for a customer key (else 404). */
  function visibleId(p: { role: string; customerId: string }, id: string): string {
    if (p.role !== 'admin' && id !== p.customerId) throw notFound('customer', id);
    return id;
  }

  app.get(
    '/customers/:id',
    {
      config: { access: 'any' },
      schema: {
        operationId: 'getCustomer',
        tags: ['customers'],
        summary: 'Get a tenant',
        params: IdParams,
        response: { 200: ok(Customer, 'the customer'), ...errorResponses(STATUSES.get) },
      },
    },
    async (request) => customers.get(visibleId(principalOf(request), request.params.id)),
  );

  app.put(
    '/customers/:id',
    {
      config: { access: 'any' },
      schema: {
        operationId: 'updateCustomer',
        tags: ['customers'],
        summary:
          'Update a tenant (a customer key: its own, not the domain; 409 DOMAIN_IN_USE while it has devices)',
        params: IdParams,
        body: CustomerUpdateBody,
        response: { 200: ok(Customer, 'the customer after the update'), ...errorResponses(STATUSES.update) },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const id = visibleId(p, request.params.id);
      const body = request.body as Static<typeof CustomerUpdateBody>;
      if (p.role !== 'admin' && body.domain !== undefined) {
        throw forbidden("changing a tenant's domain needs the platform admin key");
      }
      return customers.update(id, body);
    },
  );

  app.delete(
    '/customers/:id',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'deleteCustomer',
        tags: ['customers'],
        summary: 'Delete a tenant and everything in it (platform admin)',
        params: IdParams,
        querystring: EmptyQuery,
        response: {
          200: ok(Customer, 'the deleted customer'),
          ...errorResponses([400, 401, 403, 404, 413, 415, 500]),
        },
      },
    },
    async (request) => customers.delete(request.params.id),
  );
}
