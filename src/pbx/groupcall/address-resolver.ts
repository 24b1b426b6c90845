/**
 * Destinations of an API groupcall or call (groupcall.md "Address"), resolved into members at creation: an
 * unknown type or target is refused with a 400 naming the JSON path (reference bug 7: an extension with a
 * wrong name never becomes a groupcall that rings nobody).
 *
 * | type | target | rings |
 * |---|---|---|
 * | `sip` | a `sip:`/`sips:` URI | that URI (a leg) |
 * | `tel` | `+?[0-9]{3,15}` | that number through the tenant's trunk with the longest matching prefix (`NO_TRUNK` when none) |
 * | `extension` | `target_name`, or `target` (the seed's `test11@test` form: the user part) = a device `sip_username` or a callflow number | the device's contacts, or the devices the callflow rings first (nested) |
 * | `device` / `user` / `group` | an id | the device's contacts / the user's devices / the group's devices (nested) |
 * | `agent` | an id | the agent's addresses with its `ring_method` (nested, `owner_type: agent`) |
 */
import type { DeviceEntry, DirectoryCache } from '../../directory/contract.ts';
import { DirectoryError, invalid } from '../../directory/errors.ts';
import type { AddressInput } from '../../directory/schemas/common.ts';
import { formatUri, parseUri } from '../../sip/message/index.ts';
import type { Uri } from '../../sip/message/index.ts';
import { contactLegs, deviceMember, devicesMember, fullAddress, type MemberContext } from './members.ts';
import type { Address, Member, MemberOptions } from './types.ts';

/** A trunk as the resolver needs it. */
export interface TrunkRoute {
  id: string;
  uri: string;
  prefixes: readonly string[];
}

/** Everything destinations are resolved against. */
export interface ResolveContext extends MemberContext {
  trunks: readonly TrunkRoute[];
  /** Ring timeout of every leg. */
  options: MemberOptions;
}

const MAX_AGENT_DEPTH = 3;

function refNotFound(path: string, message: string): DirectoryError {
  return new DirectoryError(400, 'REFERENCE_NOT_FOUND', message, [{ path, message }]);
}

function sipUri(text: string): Uri | undefined {
  try {
    const u = parseUri(text.trim());
    return (u.scheme === 'sip' || u.scheme === 'sips') && u.host !== '' ? u : undefined;
  } catch {
    return undefined;
  }
}

/** The trunk for `number`: longest matching prefix (`[]` matches everything, as the shortest). */
export function pickTrunk(trunks: readonly TrunkRoute[], number: string): TrunkRoute | undefined {
  const digits = number.replace(/^\+/, '');
  let best: { t: TrunkRoute; len: number } | undefined;
  for (const t of trunks) {
    const lens =
      t.prefixes.length === 0
        ? [0]
        : t.prefixes
            .map((p) => p.replace(/^\+/, ''))
            .filter((p) => digits.startsWith(p))
            .map((p) => p.length);
    for (const len of lens) if (best === undefined || len > best.len) best = { t, len };
  }
  return best?.t;
}

/** The devices a callflow rings first: its first `device` / `user` / `ring_group` node, depth first. */
export function devicesOfFlow(
  dir: DirectoryCache,
  customerId: string,
  flow: unknown,
  depth = 0,
): DeviceEntry[] {
  if (depth > 32 || typeof flow !== 'object' || flow === null) return [];
  const node = flow as {
    module?: unknown;
    data?: Record<string, unknown>;
    children?: Record<string, unknown>;
  };
  const data = node.data ?? {};
  const id = typeof data.id === 'string' ? data.id : '';
  if (data.skip_module !== true) {
    if (node.module === 'device') {
      const d = dir.device(customerId, id);
      return d ? [d] : [];
    }
    if (node.module === 'user') return [...dir.devicesOfUser(customerId, id)];
    if (node.module === 'ring_group' && Array.isArray(data.endpoints)) {
      const seen = new Map<string, DeviceEntry>();
      for (const e of data.endpoints as Array<{ id?: string; endpoint_type?: string }>) {
        for (const d of endpointDevices(dir, customerId, String(e?.endpoint_type), String(e?.id)))
          if (!seen.has(d.id)) seen.set(d.id, d);
      }
      return [...seen.values()];
    }
  }
  for (const child of Object.values(node.children ?? {})) {
    const found = devicesOfFlow(dir, customerId, child, depth + 1);
    if (found.length > 0) return found;
  }
  return [];
}

/** The devices of one ring-group endpoint. */
export function endpointDevices(
  dir: DirectoryCache,
  customerId: string,
  type: string,
  id: string,
): DeviceEntry[] {
  if (type === 'device') {
    const d = dir.device(customerId, id);
    return d ? [d] : [];
  }
  if (type === 'user') return [...dir.devicesOfUser(customerId, id)];
  if (type === 'group')
    return dir
      .expandGroup(customerId, id)
      .map((d) => dir.device(customerId, d))
      .filter((d): d is DeviceEntry => d !== undefined);
  return [];
}

/** The extension name of an address: `target_name`, else `target` (`name@domain` → `name`, `sip:` dropped). */
function extensionName(a: AddressInput): string {
  const raw = (a.target_name || a.target || '').trim().replace(/^sips?:/i, '');
  const at = raw.indexOf('@');
  return at >= 0 ? raw.slice(0, at) : raw;
}

/** Resolves one destination; throws a 400 `DirectoryError` whose detail path is under `path`. */
export function resolveAddress(ctx: ResolveContext, a: AddressInput, path: string, depth = 0): Member {
  const address: Address = fullAddress(a.type, a);
  const { directory: dir, customerId, options } = ctx;
  const target = (a.target ?? '').trim();
  switch (a.type) {
    case 'sip': {
      const uri = sipUri(target);
      if (uri === undefined)
        throw invalid([{ path: `${path}/target`, message: `'${target}' is not a sip: or sips: URI` }]);
      return { kind: 'leg', address, target: { kind: 'uri', uri: formatUri(uri) }, options };
    }
    case 'tel': {
      if (!/^\+?[0-9]{3,15}$/.test(target))
        throw invalid([
          { path: `${path}/target`, message: `'${target}' is not a telephone number (+?[0-9]{3,15})` },
        ]);
      const trunk = pickTrunk(ctx.trunks, target);
      if (trunk === undefined) {
        const message = `no trunk of the tenant serves ${target} (configure one: POST /v1.0/trunks)`;
        throw new DirectoryError(400, 'NO_TRUNK', message, [{ path: `${path}/target`, message }]);
      }
      const gw = parseUri(trunk.uri);
      const uri = formatUri({ ...gw, user: target, password: undefined, headers: {} });
      return { kind: 'leg', address, target: { kind: 'uri', uri }, options };
    }
    case 'extension': {
      const name = extensionName(a);
      const field = a.target_name ? 'target_name' : 'target';
      const device = name ? dir.deviceBySipUsername(customerId, name) : undefined;
      if (device !== undefined) {
        const legs = contactLegs(ctx, device, options);
        const members: Member[] = legs.length > 0 ? legs : [deviceMember(ctx, device, options)];
        return { kind: 'nested', address, options, group: { ringMethod: 'ring_all', members } };
      }
      const match = name ? dir.matchCallflow(customerId, name) : undefined;
      if (match?.via === 'number') {
        const devices = devicesOfFlow(dir, customerId, match.callflow.flow);
        if (devices.length > 0) return devicesMember(ctx, address, devices, options);
      }
      throw refNotFound(
        `${path}/${field}`,
        `extension '${name}' is neither a device sip_username nor a callflow number (ringing devices) of the tenant`,
      );
    }
    case 'device': {
      const device = dir.device(customerId, target);
      if (device === undefined)
        throw refNotFound(`${path}/target`, `device ${target} not found in the tenant`);
      return deviceMember(ctx, device, options, address);
    }
    case 'user': {
      if (dir.user(customerId, target) === undefined)
        throw refNotFound(`${path}/target`, `user ${target} not found in the tenant`);
      return devicesMember(ctx, address, dir.devicesOfUser(customerId, target), options);
    }
    case 'group': {
      if (dir.group(customerId, target) === undefined)
        throw refNotFound(`${path}/target`, `group ${target} not found in the tenant`);
      const devices = endpointDevices(dir, customerId, 'group', target);
      return devicesMember(ctx, address, devices, options, { groupId: target });
    }
    case 'agent': {
      const agent = dir.agent(customerId, target);
      if (agent === undefined) throw refNotFound(`${path}/target`, `agent ${target} not found in the tenant`);
      if (depth >= MAX_AGENT_DEPTH)
        throw invalid([{ path, message: `agent ${target}: agents nested deeper than ${MAX_AGENT_DEPTH}` }]);
      const members = agent.addresses.map((x, i) => {
        try {
          return resolveAddress(ctx, x as AddressInput, path, depth + 1);
        } catch (e) {
          if (e instanceof DirectoryError)
            throw new DirectoryError(400, e.reason, `agent ${target}, address ${i}: ${e.message}`, e.details);
          throw e;
        }
      });
      return {
        kind: 'nested',
        address,
        options,
        group: {
          ringMethod: agent.ring_method === 'linear' ? 'linear' : 'ring_all',
          members,
          ownerType: 'agent',
          ownerId: agent.id,
        },
      };
    }
    default:
      throw invalid([{ path: `${path}/type`, message: `unknown address type '${String(a.type)}'` }]);
  }
}
