/** Reading callflow nodes (stored JSON, validated on save) defensively: a bad shape is "no node". */
import type { FlowNode } from './types.ts';

const obj = (x: unknown): Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : {};

/** The node in `v`, normalized, or undefined when `v` is not a node. */
export function asNode(v: unknown): FlowNode | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.module !== 'string') return undefined;
  return { module: o.module, data: obj(o.data), children: obj(o.children) };
}

/** The child of `node` under `key`. */
export function childOf(node: FlowNode, key: string): FlowNode | undefined {
  return Object.hasOwn(node.children, key) ? asNode(node.children[key]) : undefined;
}

/** A number field of node data (positive and finite), else `fallback`. */
export function numberField(data: Record<string, unknown>, key: string, fallback: number): number {
  const v = data[key];
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fallback;
}

/** A string field of node data, else `fallback`. */
export function stringField(data: Record<string, unknown>, key: string, fallback = ''): string {
  const v = data[key];
  return typeof v === 'string' ? v : fallback;
}
