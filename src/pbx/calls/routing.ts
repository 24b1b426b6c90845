/**
 * Where a dialed number rings (issue 4): the tenant's callflow for the number, whose root module is
 * `device` (that device) or `user` (the user's devices), then every live registration of those devices.
 * Other modules need the callflow executor (issue 5) and are refused with 480 for now.
 */
import type { DeviceEntry, DirectoryCache } from '../../directory/contract.ts';
import type { Callflow } from '../../directory/schemas/callflow.ts';
import type { Binding, RegistrarLookup } from '../registrar/types.ts';

/** One contact to ring. */
export interface Target {
  device: DeviceEntry;
  binding: Binding;
}

/** A routing decision: targets and ring timeout, or the status to refuse the caller with. */
export type Route =
  | { ok: true; callflow: Callflow; targets: Target[]; timeoutS: number }
  | { ok: false; status: number; reason: string; why: string };

interface Node {
  module: string;
  data: Record<string, unknown>;
  children: Record<string, unknown>;
}

function asNode(v: unknown): Node | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.module !== 'string') return undefined;
  const obj = (x: unknown) => (typeof x === 'object' && x !== null ? (x as Record<string, unknown>) : {});
  return { module: o.module, data: obj(o.data), children: obj(o.children) };
}

/** The node that runs first: the root, or its `"_"` child while `skip_module` is set (bounded). */
function firstNode(flow: unknown): Node | undefined {
  let node = asNode(flow);
  for (let i = 0; i < 64 && node?.data.skip_module === true; i++) node = asNode(node.children['_']);
  return node;
}

/**
 * Routes `dialed` in tenant `customerId` for the device `callerId`. The calling device itself is left out
 * unless the `device` node allows `can_call_self`.
 */
export function routeCall(
  dir: DirectoryCache,
  registrar: RegistrarLookup,
  customerId: string,
  dialed: string,
  callerId: string,
  defaultTimeoutS: number,
): Route {
  const match = dir.matchCallflow(customerId, dialed);
  if (match === undefined) return { ok: false, status: 404, reason: 'Not Found', why: 'no callflow' };
  const node = firstNode(match.callflow.flow);
  if (node === undefined)
    return { ok: false, status: 480, reason: 'Temporarily Unavailable', why: 'no node' };
  let devices: readonly DeviceEntry[];
  const id = typeof node.data.id === 'string' ? node.data.id : '';
  if (node.module === 'device') {
    const d = dir.device(customerId, id);
    devices = d === undefined ? [] : [d];
  } else if (node.module === 'user') {
    devices = dir.devicesOfUser(customerId, id);
  } else {
    return {
      ok: false,
      status: 480,
      reason: 'Temporarily Unavailable',
      why: `module ${node.module} needs the callflow executor`,
    };
  }
  const canCallSelf = node.data.can_call_self === true;
  const targets: Target[] = [];
  for (const device of devices) {
    if (!device.enabled || (device.id === callerId && !canCallSelf)) continue;
    for (const binding of registrar.contactsOf(customerId, device.id)) targets.push({ device, binding });
  }
  if (targets.length === 0)
    return { ok: false, status: 480, reason: 'Temporarily Unavailable', why: 'no registered contact' };
  const t = node.data.timeout;
  const timeoutS = typeof t === 'number' && Number.isFinite(t) && t > 0 ? t : defaultTimeoutS;
  return { ok: true, callflow: match.callflow, targets, timeoutS };
}
