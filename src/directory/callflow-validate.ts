/**
 * Validation of a callflow's flow tree (callflows.md "Document"), node by node, failing at the first bad
 * node in depth-first order with its JSON path:
 * - each node is `{ module, data?, children? }` and nothing else; depth ≤ 32, ≤ 500 nodes, children keys
 *   1–64 characters;
 * - `module` is in the registry (else 400 UNKNOWN_MODULE at `<node>/module`);
 * - `data` matches the module's schema and extra checks (400 VALIDATION_FAILED at `<node>/data/<field>`);
 * - ids in `data` exist in the tenant with the right kind (400 REFERENCE_NOT_FOUND at their path).
 * The result is the normalized tree (`data` and `children` always present).
 */
import type { FlowNodeRow } from '../store/rows.ts';
import { CALLFLOW_MODULES, type CallflowModule, type FlowRef, type FlowRefKind } from './callflow-modules.ts';
import { DirectoryError, invalid } from './errors.ts';
import { pointer, schemaErrors } from './schema-errors.ts';

export const MAX_FLOW_DEPTH = 32;
export const MAX_FLOW_NODES = 500;
export const MAX_CHILD_KEY_LENGTH = 64;

/** True when the tenant has a resource of that kind with that id. */
export type RefExists = (kind: FlowRefKind, id: string) => boolean;

const NODE_FIELDS = new Set(['module', 'data', 'children']);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validates and normalizes a flow tree; throws `DirectoryError` (400) naming the path of the first problem. */
export function validateFlow(
  flow: unknown,
  exists: RefExists,
  basePath = '/flow',
  modules: ReadonlyMap<string, CallflowModule> = CALLFLOW_MODULES,
): FlowNodeRow {
  let count = 0;
  const visit = (node: unknown, path: string, depth: number): FlowNodeRow => {
    if (depth > MAX_FLOW_DEPTH) {
      throw invalid([{ path, message: `the flow is deeper than ${MAX_FLOW_DEPTH} levels` }]);
    }
    if (++count > MAX_FLOW_NODES) {
      throw invalid([{ path: basePath, message: `the flow has more than ${MAX_FLOW_NODES} nodes` }]);
    }
    if (!isPlainObject(node)) throw invalid([{ path, message: 'a flow node must be an object' }]);
    for (const key of Object.keys(node)) {
      if (!NODE_FIELDS.has(key)) {
        throw invalid([
          { path: pointer(path, key), message: `unknown field '${key}' (a node has module, data, children)` },
        ]);
      }
    }
    const name = node.module;
    if (typeof name !== 'string' || name.length === 0 || name.length > 64) {
      throw invalid([{ path: `${path}/module`, message: 'module must be a string of 1–64 characters' }]);
    }
    const mod = modules.get(name);
    if (!mod) {
      const known = [...modules.keys()].join(', ');
      throw new DirectoryError(400, 'UNKNOWN_MODULE', `unknown callflow module '${name}' (known: ${known})`, [
        { path: `${path}/module`, message: `unknown module '${name}'` },
      ]);
    }
    const data = node.data ?? {};
    const dataPath = `${path}/data`;
    if (!isPlainObject(data)) throw invalid([{ path: dataPath, message: 'data must be an object' }]);
    const errors = schemaErrors(mod.schema, data, dataPath);
    if (errors.length === 0 && mod.check) {
      errors.push(...mod.check(data).map((d) => ({ ...d, path: dataPath + d.path })));
    }
    if (errors.length > 0) throw invalid(errors, `${errors[0].path}: ${errors[0].message}`);
    for (const ref of mod.refs(data)) {
      if (!exists(ref.kind, ref.id)) {
        const message = `${ref.kind} ${ref.id} not found`;
        throw new DirectoryError(400, 'REFERENCE_NOT_FOUND', `${dataPath + ref.path}: ${message}`, [
          { path: dataPath + ref.path, message, ids: [ref.id] },
        ]);
      }
    }
    const rawChildren = node.children ?? {};
    if (!isPlainObject(rawChildren))
      throw invalid([{ path: `${path}/children`, message: 'children must be an object' }]);
    const children: Record<string, FlowNodeRow> = {};
    for (const [key, child] of Object.entries(rawChildren)) {
      if (key.length === 0 || key.length > MAX_CHILD_KEY_LENGTH) {
        throw invalid([
          {
            path: pointer(`${path}/children`, key),
            message: `a child key has 1–${MAX_CHILD_KEY_LENGTH} characters`,
          },
        ]);
      }
      children[key] = visit(child, pointer(`${path}/children`, key), depth + 1);
    }
    return { module: name, data: structuredClone(data), children };
  };
  return visit(flow, basePath, 1);
}

/** Every reference of a (stored, valid) flow, with full paths from `basePath`. */
export function flowRefs(
  flow: FlowNodeRow,
  basePath = '/flow',
  modules: ReadonlyMap<string, CallflowModule> = CALLFLOW_MODULES,
): FlowRef[] {
  const out: FlowRef[] = [];
  const visit = (node: FlowNodeRow, path: string): void => {
    const mod = modules.get(node.module);
    if (mod) for (const r of mod.refs(node.data ?? {})) out.push({ ...r, path: `${path}/data${r.path}` });
    for (const [key, child] of Object.entries(node.children ?? {}))
      visit(child, pointer(`${path}/children`, key));
  };
  visit(flow, basePath);
  return out;
}

/** What a node becomes when it cannot run without a deleted resource and has no `"_"` child. */
export const HANGUP_NODE: FlowNodeRow = Object.freeze({
  module: 'hangup',
  data: {},
  children: {},
}) as FlowNodeRow;

/**
 * The flow with references to a force-deleted `id` removed (api.md deletes): a node whose required id is
 * gone (`device`, `user`, `queue`, `callflow`, a `group_pickup` scope, the last `ring_group` endpoint) is
 * replaced by its `"_"` child, or by `{ module: 'hangup' }` when it has none; `ring_group` endpoints and
 * `approved_*` fields naming it are removed — note that removing the only `approved_*` field opens the
 * pickup to everyone in the tenant. Returns the same object when nothing changed.
 */
export function removeFromFlow(
  flow: FlowNodeRow,
  id: string,
  modules: ReadonlyMap<string, CallflowModule> = CALLFLOW_MODULES,
): FlowNodeRow {
  const visit = (node: FlowNodeRow): FlowNodeRow => {
    let changed = false;
    const children: Record<string, FlowNodeRow> = {};
    for (const [key, child] of Object.entries(node.children ?? {})) {
      children[key] = visit(child);
      if (children[key] !== child) changed = true;
    }
    const mod = modules.get(node.module);
    const data = node.data ?? {};
    if (mod && mod.refs(data).some((r) => r.id === id)) {
      const next = mod.without?.(data, id);
      if (next === undefined) return children._ ?? { module: 'hangup', data: {}, children: {} };
      return { module: node.module, data: next, children };
    }
    return changed ? { module: node.module, data, children } : node;
  };
  return visit(flow);
}
