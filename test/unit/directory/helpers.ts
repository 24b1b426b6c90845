/** Shared set-up of the directory's service suites: a fresh database per dialect, a directory over it. */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { createDirectory, type Directory } from '../../../src/directory/index.ts';
import { DirectoryError } from '../../../src/directory/errors.ts';
import type * as S from '../../../src/directory/schemas/index.ts';
import { openStore, type Store } from '../../../src/store/index.ts';
import { availableDialects, createTestDatabase, type TestDatabase } from '../../support/databases.ts';

/** The dialects every service suite runs on. */
export const dialects = await availableDialects();

export interface Env {
  store: Store;
  dir: Directory;
  /** A fresh tenant (unique domain). */
  tenant(settings?: Partial<S.CustomerSettings>): Promise<S.Customer>;
  /** A second directory over the same store (as after a restart): its cache is loaded from the rows. */
  reopen(): Promise<Directory>;
  close(): Promise<void>;
}

let tenants = 0;

export async function openEnv(dialect: 'sqlite' | 'postgres'): Promise<Env> {
  const db: TestDatabase = await createTestDatabase(dialect);
  const store = await openStore({ url: db.url });
  const dir = await createDirectory({ store });
  return {
    store,
    dir,
    tenant: (settings) =>
      dir.customers.create({
        name: `T${++tenants}`,
        domain: `t${tenants}-${process.pid}.example.com`,
        settings,
      }),
    reopen: () => createDirectory({ store }),
    async close() {
      await store.close();
      await db.drop();
    },
  };
}

/**
 * The suite's env, opened in `before` and closed in `after` of the enclosing `describe`. The returned
 * object forwards to it, so tests use it as they would the `Env` itself (only inside hooks and tests).
 */
export function useEnv(dialect: 'sqlite' | 'postgres'): Env {
  let env: Env | undefined;
  before(async () => {
    env = await openEnv(dialect);
  });
  after(() => env?.close());
  const opened = (): Env => {
    if (!env) throw new Error('the env is opened in before(): use it inside hooks and tests');
    return env;
  };
  return {
    get store() {
      return opened().store;
    },
    get dir() {
      return opened().dir;
    },
    tenant: (settings) => opened().tenant(settings),
    reopen: () => opened().reopen(),
    close: () => opened().close(),
  };
}

/** Awaits a refusal and checks its status, reason and (when given) the path of its first detail. */
export async function refused(
  promise: Promise<unknown>,
  status: number,
  reason: string,
  path?: string,
): Promise<DirectoryError> {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof DirectoryError, `expected a DirectoryError, got ${String(e)}`);
    assert.equal(e.reason, reason, e.message);
    assert.equal(e.status, status);
    if (path !== undefined) assert.equal(e.details[0]?.path, path, e.message);
    return e;
  }
  assert.fail(`expected ${status} ${reason}`);
}

/** A random UUID that names nothing. */
export const unknownId = () => crypto.randomUUID();
