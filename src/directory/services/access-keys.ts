/**
 * Access keys (api.md "Auth"): `rk_<prefix>_<secret>`, shown once at creation, stored as the prefix and
 * the SHA-256 of the whole key. `authenticate` answers from memory; a deleted (revoked) key stops working
 * as soon as the delete commits. Platform-admin keys have `customer_id` = the nil UUID and role admin.
 */
import type { AccessKeyRow } from '../../store/rows.ts';
import { NIL_UUID } from '../../store/timestamp.ts';
import { newAccessKey } from '../cache/access-key-index.ts';
import type { AccessKeyService as AccessKeyServiceApi, Principal } from '../contract.ts';
import { invalid, notFound } from '../errors.ts';
import { toAccessKey } from '../resources.ts';
import type * as S from '../schemas/index.ts';
import type { DirectoryContext } from './context.ts';

export class AccessKeyService implements AccessKeyServiceApi {
  constructor(private readonly ctx: DirectoryContext) {}

  async create(customerId: string, role: 'admin' | 'customer', name = ''): Promise<S.AccessKeyWithSecret> {
    if (role === 'admin' && customerId !== NIL_UUID) {
      throw invalid([
        { path: '/customer_id', message: 'an admin key belongs to no customer (the nil UUID)' },
      ]);
    }
    if (name.length > 128) throw invalid([{ path: '/name', message: 'at most 128 characters' }]);
    return this.ctx.write(async (repos, changes) => {
      if (role === 'customer') this.ctx.tenant(customerId);
      let drawn = newAccessKey();
      // a 40-bit prefix clash is unlikely but possible: draw again rather than fail the insert
      for (let attempt = 0; attempt < 3 && (await repos.accessKeyByPrefix(drawn.prefix)); attempt++) {
        drawn = newAccessKey();
      }
      const row: AccessKeyRow = {
        id: this.ctx.ids(),
        customer_id: customerId,
        role,
        name,
        key_prefix: drawn.prefix,
        key_hash: drawn.hash,
        ...this.ctx.newTimes(),
      };
      await repos.access_keys.insert(row);
      changes.add({ table: 'access_keys', customerId, id: row.id, op: 'create', row });
      return { ...toAccessKey(row), key: drawn.key };
    });
  }

  list(customerId: string, page: S.PageQuery): Promise<S.PageResult<S.AccessKey>> {
    return this.ctx.page(this.ctx.store.repos.access_keys, customerId, page, toAccessKey);
  }

  async get(customerId: string, id: string): Promise<S.AccessKey> {
    return toAccessKey(await this.ctx.row(this.ctx.store.repos.access_keys, 'accesskey', customerId, id));
  }

  async delete(customerId: string, id: string): Promise<S.AccessKey> {
    return this.ctx.write(async (repos, changes) => {
      const row = await repos.access_keys.get(customerId, id);
      if (!row) throw notFound('accesskey', id);
      await repos.access_keys.delete(customerId, id);
      changes.add({ table: 'access_keys', customerId, id, op: 'delete' });
      return toAccessKey(row);
    });
  }

  authenticate(secret: string): Principal | undefined {
    return this.ctx.cache.authenticate(secret);
  }
}
