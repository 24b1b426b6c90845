/**
 * The directory: tenants, their users, devices, groups, callflows, agents, queues and trunks, with the
 * validation rules of api.md / callflows.md / pickup.md, over the store, plus the in-memory cache the
 * call engine reads synchronously. Every write is one store transaction; the cache changes (and
 * `version` moves) only after it commits, and `onChange` listeners hear about it then.
 */
import type { Store } from '../store/types.ts';
import type { CacheSeed } from './cache/directory-cache.ts';
import type { DirectoryChange } from './changes.ts';
import type { DirectoryApi, DirectoryCache } from './contract.ts';
import { AccessKeyService } from './services/access-keys.ts';
import { AgentService } from './services/agents.ts';
import { CallflowService } from './services/callflows.ts';
import { DirectoryContext, type LogFn } from './services/context.ts';
import { CustomerService } from './services/customers.ts';
import { DeviceService } from './services/devices.ts';
import { GroupService } from './services/groups.ts';
import { QueueService } from './services/queues.ts';
import { CallReadService, GroupcallReadService } from './services/records.ts';
import { TrunkService } from './services/trunks.ts';
import { UserService } from './services/users.ts';

export interface DirectoryOptions {
  /** Where everything is stored (`openStore`). The directory does not close it. */
  store: Store;
  /** Clock in epoch milliseconds for `tm_*` (default `Date.now`). */
  now?: () => number;
  /** Id source (default: time-ordered UUIDv7, `store/uuid7.ts`). */
  ids?: () => string;
  /** Diagnostics (e.g. a change listener that threw); default silent. */
  log?: LogFn;
}

export class Directory implements DirectoryApi {
  readonly customers: CustomerService;
  readonly accessKeys: AccessKeyService;
  readonly users: UserService;
  readonly devices: DeviceService;
  readonly groups: GroupService;
  readonly callflows: CallflowService;
  readonly agents: AgentService;
  readonly queues: QueueService;
  readonly trunks: TrunkService;
  readonly groupcalls: GroupcallReadService;
  readonly calls: CallReadService;
  readonly cache: DirectoryCache;

  /** Use `createDirectory`, which also loads the cache. */
  constructor(private readonly ctx: DirectoryContext) {
    this.customers = new CustomerService(ctx);
    this.accessKeys = new AccessKeyService(ctx);
    this.users = new UserService(ctx);
    this.devices = new DeviceService(ctx);
    this.groups = new GroupService(ctx);
    this.callflows = new CallflowService(ctx);
    this.agents = new AgentService(ctx);
    this.queues = new QueueService(ctx);
    this.trunks = new TrunkService(ctx);
    this.groupcalls = new GroupcallReadService(ctx);
    this.calls = new CallReadService(ctx);
    this.cache = ctx.cache;
  }

  /**
   * Calls `listener` after each committed change, one call per changed row, in commit order (a tenant
   * deletion is one `customers` delete for everything in it). Returns the unsubscribe function. A
   * listener that throws is logged and does not affect the write.
   */
  onChange(listener: (c: DirectoryChange) => void): () => void {
    return this.ctx.onChange(listener);
  }
}

/** Opens the directory over a store: loads every tenant's rows into the cache, then serves. */
export async function createDirectory(opts: DirectoryOptions): Promise<Directory> {
  const ctx = new DirectoryContext(opts);
  const r = opts.store.repos;
  const seed: CacheSeed = {
    customers: await r.customers.all(null),
    access_keys: await r.access_keys.all(null),
    users: await r.users.all(null),
    devices: await r.devices.all(null),
    groups: await r.groups.all(null),
    callflows: await r.callflows.all(null),
    agents: await r.agents.all(null),
    queues: await r.queues.all(null),
    trunks: await r.trunks.all(null),
  };
  ctx.cache.load(seed);
  return new Directory(ctx);
}
