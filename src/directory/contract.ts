/**
 * What the directory offers its two users: the API (CRUD with validation, auth) and the call engine
 * (`DirectoryCache`, synchronous in-memory lookups for the hot path). Implemented by `directory.ts`.
 */
import type { PageQuery, PageResult } from './schemas/common.ts';
import type * as S from './schemas/index.ts';

/** Who is calling the API, resolved from an access key (from memory, no query). */
export interface Principal {
  keyId: string;
  role: 'admin' | 'customer';
  /** The tenant of a customer key; the nil UUID for the platform admin. */
  customerId: string;
}

/** CRUD on one tenant-scoped resource. Every method throws `DirectoryError` (404 for another tenant's id). */
export interface ResourceService<R, C, U> {
  create(customerId: string, input: C): Promise<R>;
  get(customerId: string, id: string): Promise<R>;
  list(customerId: string, page: PageQuery): Promise<PageResult<R>>;
  /** Partial update: fields present replace the stored value, fields absent keep it. */
  update(customerId: string, id: string, input: U): Promise<R>;
  /** Refused with 409 RESOURCE_IN_USE (details name the referring ids) unless `force`, which removes the references. */
  delete(customerId: string, id: string, opts?: { force?: boolean }): Promise<R>;
}

export interface ReadService<R> {
  get(customerId: string, id: string): Promise<R>;
  list(customerId: string, page: PageQuery): Promise<PageResult<R>>;
}

export interface CustomerService {
  /** Creates the tenant and, unless `settings.feature_codes` is false, its default feature-code callflows. */
  create(input: S.CustomerCreate): Promise<S.Customer>;
  get(id: string): Promise<S.Customer>;
  list(page: PageQuery): Promise<PageResult<S.Customer>>;
  update(id: string, input: S.CustomerUpdate): Promise<S.Customer>;
  /** Removes the tenant and everything in it. */
  delete(id: string): Promise<S.Customer>;
}

export interface AccessKeyService {
  /** `customerId` nil + role admin → a platform-admin key. */
  create(customerId: string, role: 'admin' | 'customer', name?: string): Promise<S.AccessKeyWithSecret>;
  list(customerId: string, page: PageQuery): Promise<PageResult<S.AccessKey>>;
  get(customerId: string, id: string): Promise<S.AccessKey>;
  delete(customerId: string, id: string): Promise<S.AccessKey>;
  /** The principal of a secret key, from memory; undefined when unknown or revoked. */
  authenticate(secret: string): Principal | undefined;
}

export interface DirectoryApi {
  customers: CustomerService;
  accessKeys: AccessKeyService;
  users: ResourceService<S.User, S.UserCreate, S.UserUpdate>;
  devices: ResourceService<S.Device, S.DeviceCreate, S.DeviceUpdate>;
  groups: ResourceService<S.Group, S.GroupCreate, S.GroupUpdate>;
  callflows: ResourceService<S.Callflow, S.CallflowCreate, S.CallflowUpdate>;
  agents: ResourceService<S.Agent, S.AgentCreate, S.AgentUpdate>;
  queues: ResourceService<S.Queue, S.QueueCreate, S.QueueUpdate>;
  trunks: ResourceService<S.Trunk, S.TrunkCreate, S.TrunkUpdate>;
  groupcalls: ReadService<S.Groupcall>;
  calls: ReadService<S.Call>;
  /** Read-only, synchronous lookups for the call engine. */
  cache: DirectoryCache;
}

/** A device as the call engine needs it (credentials included; never sent over the API). */
export interface DeviceEntry {
  id: string;
  customerId: string;
  ownerId: string;
  sipUsername: string;
  ha1Md5: string;
  ha1Sha256: string;
  enabled: boolean;
}

export interface TenantEntry {
  id: string;
  domain: string;
  settings: S.CustomerSettings;
}

export interface CallflowMatch {
  callflow: S.Callflow;
  /** How it matched. */
  via: 'number' | 'pattern' | 'no_match';
  /** The winning capture (pattern matches), else the dialed number. */
  capture: string;
}

/**
 * In-memory indexes kept current on every write (api.md, issue 3): no query per call. All methods are
 * synchronous and O(1) or O(size of the answer), except `matchCallflow`, which is O(patterns) after an
 * O(1) number lookup.
 */
export interface DirectoryCache {
  tenantByDomain(domain: string): TenantEntry | undefined;
  tenant(customerId: string): TenantEntry | undefined;
  deviceBySipUsername(customerId: string, sipUsername: string): DeviceEntry | undefined;
  device(customerId: string, id: string): DeviceEntry | undefined;
  user(customerId: string, id: string): S.User | undefined;
  group(customerId: string, id: string): S.Group | undefined;
  callflow(customerId: string, id: string): S.Callflow | undefined;
  agent(customerId: string, id: string): S.Agent | undefined;
  queue(customerId: string, id: string): S.Queue | undefined;
  /** Devices a user owns, in creation order. */
  devicesOfUser(customerId: string, userId: string): readonly DeviceEntry[];
  /**
   * Device ids of a group: device members, devices of user members, members of nested groups (depth first,
   * in `endpoints` order), duplicates dropped, loops impossible. Memoized until the next directory write.
   */
  expandGroup(customerId: string, groupId: string): readonly string[];
  /** Groups (ids) a user is a member of, directly or through nested groups, or whose device it owns. */
  groupsOfUser(customerId: string, userId: string): readonly string[];
  /** Users whose `call_groups` contain `name` (case-sensitive). */
  usersInCallGroup(customerId: string, name: string): readonly string[];
  /** Every user of the tenant (pickup: names, monitor lists), O(users). */
  usersOf(customerId: string): Iterable<S.User>;
  /** Every callflow of the tenant (pickup: which ring groups a device is a member of), O(callflows). */
  callflowsOf(customerId: string): Iterable<S.Callflow>;
  /** Every group of the tenant (pickup: a group named in a star code), O(groups). */
  groupsOf(customerId: string): Iterable<S.Group>;
  /** callflows.md "Matching a dialed number". */
  matchCallflow(customerId: string, dialed: string): CallflowMatch | undefined;
  /** Bumped on every write; memoized answers are valid while it is unchanged. */
  readonly version: number;
}
