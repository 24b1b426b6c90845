/**
 * Devices (api.md): SIP phones. `sip_password` is write-only and stored only as HA1 (MD5 and SHA-256 of
 * `sip_username:domain:password`), so changing `sip_username` needs the password again.
 */
import type { DeviceRow } from '../../store/rows.ts';
import { NIL_UUID } from '../../store/timestamp.ts';
import { StoreConflictError } from '../../store/types.ts';
import type { TenantState } from '../cache/tenant-state.ts';
import type { ResourceService } from '../contract.ts';
import { deviceHa1 } from '../digest-ha1.ts';
import { conflict, DirectoryError, invalid } from '../errors.ts';
import { toDevice } from '../resources.ts';
import { checkInput } from '../schema-errors.ts';
import * as S from '../schemas/index.ts';
import type { DirectoryContext } from './context.ts';
import { ResourceServiceBase } from './resource-base.ts';

function checkOwner(state: TenantState, ownerId: string | undefined): string {
  if (ownerId === undefined || ownerId === NIL_UUID) return NIL_UUID;
  if (state.users.has(ownerId)) return ownerId;
  const message = `user ${ownerId} not found`;
  throw new DirectoryError(400, 'REFERENCE_NOT_FOUND', `owner_id: ${message}`, [
    { path: '/owner_id', message, ids: [ownerId] },
  ]);
}

function usernameTaken(sipUsername: string, holder?: string): DirectoryError {
  return conflict('SIP_USERNAME_TAKEN', `sip_username '${sipUsername}' is already used in this tenant`, [
    { path: '/sip_username', message: `already used`, ...(holder ? { ids: [holder] } : {}) },
  ]);
}

function checkUsernameFree(state: TenantState, sipUsername: string, self?: string): void {
  const holder = state.devicesBySip.get(sipUsername);
  if (holder && holder.id !== self) throw usernameTaken(sipUsername, holder.id);
}

/** Store conflicts → the API's 409 (a race the cache check did not see). */
function mapConflict(e: unknown, sipUsername: string): unknown {
  return e instanceof StoreConflictError && e.constraint === 'device_sip_username'
    ? usernameTaken(sipUsername)
    : e;
}

export class DeviceService
  extends ResourceServiceBase<DeviceRow, S.Device>
  implements ResourceService<S.Device, S.DeviceCreate, S.DeviceUpdate>
{
  constructor(ctx: DirectoryContext) {
    super(ctx, { table: 'devices', resource: 'device', repo: (r) => r.devices, toResource: toDevice });
  }

  async create(customerId: string, input: S.DeviceCreate): Promise<S.Device> {
    checkInput(S.DeviceCreate, input);
    return this.ctx.write(async (repos, changes) => {
      const state = this.ctx.tenant(customerId);
      const owner = checkOwner(state, input.owner_id);
      checkUsernameFree(state, input.sip_username);
      const row: DeviceRow = {
        id: this.ctx.ids(),
        customer_id: customerId,
        name: input.name,
        owner_id: owner,
        sip_username: input.sip_username,
        ...deviceHa1(input.sip_username, state.tenant.domain, input.sip_password),
        enabled: input.enabled ?? true,
        ...this.ctx.newTimes(),
      };
      return this.insert(repos, changes, customerId, row).catch((e: unknown) => {
        throw mapConflict(e, input.sip_username);
      });
    });
  }

  async update(customerId: string, id: string, input: S.DeviceUpdate): Promise<S.Device> {
    checkInput(S.DeviceUpdate, input);
    return this.patch(
      customerId,
      id,
      (current, state) => {
        const patch: Partial<DeviceRow> = {};
        if (input.name !== undefined) patch.name = input.name;
        if (input.owner_id !== undefined) patch.owner_id = checkOwner(state, input.owner_id);
        if (input.enabled !== undefined) patch.enabled = input.enabled;
        const username = input.sip_username ?? current.sip_username;
        if (username !== current.sip_username) {
          if (input.sip_password === undefined) {
            throw invalid(
              [{ path: '/sip_password', message: 'required when sip_username changes' }],
              'changing sip_username needs sip_password too: only the HA1 hash of user:realm:password is stored, ' +
                'so the old password cannot be re-hashed for the new user name',
            );
          }
          checkUsernameFree(state, username, id);
          patch.sip_username = username;
        }
        if (input.sip_password !== undefined) {
          Object.assign(patch, deviceHa1(username, state.tenant.domain, input.sip_password));
        }
        return patch;
      },
      {
        // patch.sip_username is set only when it changes
        save: (repos, patch, current) =>
          repos.devices.update(customerId, id, patch).catch((e: unknown) => {
            throw mapConflict(e, patch.sip_username ?? current.sip_username);
          }),
      },
    );
  }
}
