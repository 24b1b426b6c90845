/**
 * Customers (tenants, api.md "Tenants"). The domain is lower-cased and unique; it is also the digest
 * realm of the tenant's devices, so it cannot change while devices exist (their stored HA1s would stop
 * matching). Creating a tenant also creates its default feature-code callflows, in the same transaction,
 * unless `settings.feature_codes` is false (the setting only matters at creation). Deleting a tenant
 * removes everything in it.
 */
import type { CustomerRow } from '../../store/rows.ts';
import { StoreConflictError } from '../../store/types.ts';
import type { CustomerService as CustomerServiceApi } from '../contract.ts';
import { conflict, notFound } from '../errors.ts';
import { defaultFeatureCodeCallflows } from '../feature-codes.ts';
import { toCustomer } from '../resources.ts';
import { checkInput } from '../schema-errors.ts';
import * as S from '../schemas/index.ts';
import { insertCallflow } from './callflows.ts';
import { present, type DirectoryContext } from './context.ts';

function domainTaken(domain: string): unknown {
  return conflict('DOMAIN_TAKEN', `domain '${domain}' is already used by another customer`, [
    { path: '/domain', message: 'already used' },
  ]);
}

function mapConflict(e: unknown, domain: string): unknown {
  return e instanceof StoreConflictError && e.constraint === 'customer_domain' ? domainTaken(domain) : e;
}

export class CustomerService implements CustomerServiceApi {
  constructor(private readonly ctx: DirectoryContext) {}

  async create(input: S.CustomerCreate): Promise<S.Customer> {
    checkInput(S.CustomerCreate, input);
    return this.ctx.write(async (repos, changes) => {
      const domain = input.domain.toLowerCase();
      if (this.ctx.cache.tenantByDomain(domain)) throw domainTaken(domain);
      const settings: S.CustomerSettings = { ...S.DEFAULT_CUSTOMER_SETTINGS, ...input.settings };
      const row: CustomerRow = {
        id: this.ctx.ids(),
        name: input.name,
        domain,
        settings,
        ...this.ctx.newTimes(),
      };
      await repos.customers.insert(row).catch((e: unknown) => {
        throw mapConflict(e, domain);
      });
      changes.add({ table: 'customers', customerId: row.id, id: row.id, op: 'create', row });
      if (settings.feature_codes) {
        for (const fc of defaultFeatureCodeCallflows()) {
          await insertCallflow(repos, changes, {
            id: this.ctx.ids(),
            customer_id: row.id,
            name: fc.name,
            numbers: [],
            patterns: fc.patterns,
            flow: fc.flow,
            feature_code: fc.feature_code,
            ...this.ctx.newTimes(),
          });
        }
      }
      return toCustomer(row);
    });
  }

  async get(id: string): Promise<S.Customer> {
    const row = await this.ctx.store.repos.customers.get(null, id);
    if (!row) throw notFound('customer', id);
    return toCustomer(row);
  }

  list(page: S.PageQuery): Promise<S.PageResult<S.Customer>> {
    return this.ctx.page(this.ctx.store.repos.customers, null, page, toCustomer);
  }

  async update(id: string, input: S.CustomerUpdate): Promise<S.Customer> {
    checkInput(S.CustomerUpdate, input);
    return this.ctx.write(async (repos, changes) => {
      const current = await repos.customers.get(null, id);
      if (!current) throw notFound('customer', id);
      const patch: Partial<CustomerRow> = { tm_update: this.ctx.stamp() };
      if (input.name !== undefined) patch.name = input.name;
      const domain = input.domain?.toLowerCase();
      if (domain !== undefined && domain !== current.domain) {
        const devices = [...(this.ctx.cache.state(id)?.devices.keys() ?? [])];
        if (devices.length > 0) {
          throw conflict(
            'DOMAIN_IN_USE',
            `cannot change the domain while the customer has devices: the domain is the digest realm their ` +
              `passwords are hashed with (only HA1 is stored), so all ${devices.length} would fail to register; ` +
              `delete them first, or create them again with their passwords after the change`,
            [{ path: '/domain', message: 'the realm of existing device credentials', ids: devices }],
          );
        }
        const holder = this.ctx.cache.tenantByDomain(domain);
        if (holder && holder.id !== id) throw domainTaken(domain);
        patch.domain = domain;
      }
      if (input.settings !== undefined) {
        patch.settings = { ...toCustomer(current).settings, ...input.settings };
      }
      const row = present(
        await repos.customers.update(null, id, patch).catch((e: unknown) => {
          throw mapConflict(e, domain ?? '');
        }),
        'customer',
      );
      changes.add({ table: 'customers', customerId: id, id, op: 'update', row });
      return toCustomer(row);
    });
  }

  async delete(id: string): Promise<S.Customer> {
    return this.ctx.write(async (repos, changes) => {
      const current = await repos.customers.get(null, id);
      if (!current) throw notFound('customer', id);
      await repos.purgeCustomer(id);
      changes.add({ table: 'customers', customerId: id, id, op: 'delete' });
      return toCustomer(current);
    });
  }
}
