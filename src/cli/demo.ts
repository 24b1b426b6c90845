/**
 * `ringd init --demo`: a tenant to try ringd with real phones — three users with a phone each on
 * extensions 101–103, a ring group on 600, a KAZOO-style group pickup on 8000, the named pickup group
 * `sales` (dial 88sales), and the default pickup codes (*87, *87<ext>) every tenant gets.
 */
import { randomBytes } from 'node:crypto';
import type { Directory } from '../directory/index.ts';

export interface DemoPhone {
  user: string;
  extension: string;
  sipUsername: string;
  password: string;
}

export interface DemoTenant {
  customerId: string;
  domain: string;
  apiKey: string;
  phones: DemoPhone[];
}

/** A password phones accept on their keypads: 12 characters of letters and digits. */
function phonePassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return Array.from(randomBytes(12), (b) => alphabet[b % alphabet.length]).join('');
}

export async function createDemoTenant(directory: Directory, domain: string): Promise<DemoTenant> {
  const customer = await directory.customers.create({ name: 'Demo', domain });
  const cid = customer.id;
  const people = [
    { name: 'Alice', ext: '101' },
    { name: 'Bob', ext: '102' },
    { name: 'Carol', ext: '103' },
  ];
  const phones: DemoPhone[] = [];
  const userIds: string[] = [];
  for (const p of people) {
    const user = await directory.users.create(cid, {
      name: p.name,
      call_groups: ['sales'],
      pickup_groups: ['sales'],
      monitor: ['*'],
    });
    userIds.push(user.id);
    const password = phonePassword();
    await directory.devices.create(cid, {
      name: `${p.name}'s phone`,
      owner_id: user.id,
      sip_username: p.ext,
      sip_password: password,
    });
    await directory.callflows.create(cid, {
      name: `${p.name} (${p.ext})`,
      numbers: [p.ext],
      flow: { module: 'user', data: { id: user.id }, children: {} },
    });
    phones.push({ user: p.name, extension: p.ext, sipUsername: p.ext, password });
  }
  const group = await directory.groups.create(cid, {
    name: 'Sales',
    endpoints: Object.fromEntries(userIds.map((id) => [id, { type: 'user' as const }])),
  });
  await directory.callflows.create(cid, {
    name: 'Sales ring group',
    numbers: ['600'],
    flow: {
      module: 'ring_group',
      data: {
        name: 'Sales',
        strategy: 'simultaneous',
        endpoints: userIds.map((id) => ({ id, endpoint_type: 'user' })),
      },
      children: {},
    },
  });
  await directory.callflows.create(cid, {
    name: 'Sales group pickup',
    numbers: ['8000'],
    flow: { module: 'group_pickup', data: { group_id: group.id, approved_group_id: group.id }, children: {} },
  });
  const key = await directory.accessKeys.create(cid, 'customer', 'demo');
  return { customerId: cid, domain: customer.domain, apiKey: key.key, phones };
}
