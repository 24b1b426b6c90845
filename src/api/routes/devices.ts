/** `/v1.0/devices`: SIP phones; `sip_password` is write-only (stored as digest HA1) (customer keys). */
import type { DirectoryApi } from '../../directory/contract.ts';
import { Device, DeviceCreate, DeviceUpdate } from '../../directory/schemas/index.ts';
import type { ApiInstance } from '../types.ts';
import { crudRoutes } from './resource.ts';

export async function deviceRoutes(app: ApiInstance, opts: { directory: DirectoryApi }): Promise<void> {
  crudRoutes(app, {
    path: 'devices',
    singular: 'Device',
    plural: 'Devices',
    resource: Device,
    create: DeviceCreate,
    update: DeviceUpdate,
    service: opts.directory.devices,
    force: true,
  });
}
