/**
 * The API suites' world: a fresh database of one dialect → store → directory → API (inject only), a
 * platform-admin key, and helpers to make tenants (customer + customer key) over the API itself.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApi, type ApiOptions } from '../../src/api/server.ts';
import { createDirectory } from '../../src/directory/index.ts';
import type { DirectoryApi } from '../../src/directory/contract.ts';
import { NIL_UUID, openStore, type Store } from '../../src/store/index.ts';
import { ApiClient, ok, type Json } from '../support/api-client.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

export interface Env {
  dialect: 'sqlite' | 'postgres';
  db: TestDatabase;
  store: Store;
  directory: DirectoryApi;
  app: FastifyInstance;
  /** A client with no key. */
  anon: ApiClient;
  /** A client with the platform-admin key. */
  admin: ApiClient;
  adminKey: string;
  close(): Promise<void>;
}

export interface Tenant {
  customer: Json;
  key: string;
  keyId: string;
  /** A client with this tenant's customer key. */
  api: ApiClient;
}

let serial = 0;

/** A domain no other tenant of this process uses. */
export function uniqueDomain(label = 't'): string {
  return `${label}${process.pid}x${Date.now().toString(36)}x${serial++}.example.test`;
}

/** Opens a fresh world; close it in `after`. */
export async function openEnv(
  dialect: 'sqlite' | 'postgres',
  apiOptions: Partial<Omit<ApiOptions, 'directory'>> = {},
): Promise<Env> {
  const db = await createTestDatabase(dialect);
  const store = await openStore({ url: db.url });
  let app: FastifyInstance | undefined;
  try {
    const directory = await createDirectory({ store });
    app = await buildApi({ directory, version: 'test', ...apiOptions });
    const adminKey = (await directory.accessKeys.create(NIL_UUID, 'admin', 'test admin')).key;
    const anon = await ApiClient.create(app);
    const opened = app;
    return {
      dialect,
      db,
      store,
      directory,
      app,
      anon,
      admin: anon.as(adminKey),
      adminKey,
      async close() {
        await opened.close();
        await store.close();
        await db.drop();
      },
    };
  } catch (e) {
    await app?.close();
    await store.close();
    await db.drop();
    throw e;
  }
}

/** Creates a tenant over the API (admin) and a customer key for it. */
export async function newTenant(env: Env, settings?: Record<string, unknown>): Promise<Tenant> {
  const customer = ok(
    await env.admin.post('/v1.0/customers', {
      name: 'Tenant',
      domain: uniqueDomain(),
      ...(settings ? { settings } : {}),
    }),
  );
  const created = ok(await env.admin.post('/v1.0/accesskeys', { customer_id: customer.id, name: 'ops' }));
  assert.equal(created.customer_id, customer.id);
  return { customer, key: created.key, keyId: created.id, api: env.anon.as(created.key) };
}

/**
 * A stand-in for a value made in a `before` hook: reading a property forwards to the value (methods
 * bound to it), so it can be used as the value itself inside hooks and tests.
 */
function later<T extends object>(what: string, value: () => T | undefined): T {
  return new Proxy({} as T, {
    get(_, key) {
      const target = value();
      if (!target) throw new Error(`${what} is made in before(): use it inside hooks and tests`);
      const v: unknown = Reflect.get(target, key);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** The suite's world: opened in `before`, closed in `after` of the enclosing `describe`. */
export function useEnv(
  dialect: 'sqlite' | 'postgres',
  apiOptions: Partial<Omit<ApiOptions, 'directory'>> = {},
): Env {
  let env: Env | undefined;
  before(async () => {
    env = await openEnv(dialect, apiOptions);
  });
  after(() => env?.close());
  return later('the env', () => env);
}

/** A tenant of `env` (see `newTenant`), made in `before` after the env and any earlier tenant. */
export function useTenant(env: Env, settings?: Record<string, unknown>): Tenant {
  let tenant: Tenant | undefined;
  before(async () => {
    tenant = await newTenant(env, settings);
  });
  return later('the tenant', () => tenant);
}

/** A random-looking UUID that names nothing. */
/** A callflow node: `{ module, data, children }`. */
export function node(
  module: string,
  data: Record<string, unknown> = {},
  children: Record<string, unknown> = {},
) {
  return { module, data, children };
}

export const UNKNOWN_ID = '7b3e2a10-5c4d-4e8f-9a1b-2c3d4e5f6a7b';

/** Small builders for valid bodies of each resource (fresh unique values per call). */
export const bodies = {
  user: (extra: Record<string, unknown> = {}) => ({ name: 'Alice', ...extra }),
  device: (extra: Record<string, unknown> = {}) => ({
    name: 'Desk phone',
    sip_username: `dev${serial++}`,
    sip_password: 'secret-password-1',
    ...extra,
  }),
  group: (extra: Record<string, unknown> = {}) => ({ name: 'Sales', endpoints: {}, ...extra }),
  callflow: (extra: Record<string, unknown> = {}) => ({
    name: 'Main',
    numbers: [`${5000 + serial++}`],
    flow: { module: 'hangup', data: {}, children: {} },
    ...extra,
  }),
  agent: (extra: Record<string, unknown> = {}) => ({ name: 'Agent', ...extra }),
  queue: (extra: Record<string, unknown> = {}) => ({ name: 'Support', ...extra }),
  trunk: (extra: Record<string, unknown> = {}) => ({
    name: 'Gateway',
    uri: 'sip:gw.example.net:5060',
    ...extra,
  }),
};

/** The tenant resources with full CRUD, their body builder and their not-found reason. */
export const CRUD_RESOURCES = [
  { path: 'users', make: bodies.user, notFound: 'USER_NOT_FOUND', update: { name: 'Renamed' } },
  { path: 'devices', make: bodies.device, notFound: 'DEVICE_NOT_FOUND', update: { name: 'Renamed' } },
  { path: 'groups', make: bodies.group, notFound: 'GROUP_NOT_FOUND', update: { name: 'Renamed' } },
  { path: 'callflows', make: bodies.callflow, notFound: 'CALLFLOW_NOT_FOUND', update: { name: 'Renamed' } },
  { path: 'agents', make: bodies.agent, notFound: 'AGENT_NOT_FOUND', update: { name: 'Renamed' } },
  { path: 'queues', make: bodies.queue, notFound: 'QUEUE_NOT_FOUND', update: { name: 'Renamed' } },
  { path: 'trunks', make: bodies.trunk, notFound: 'TRUNK_NOT_FOUND', update: { name: 'Renamed' } },
] as const;
