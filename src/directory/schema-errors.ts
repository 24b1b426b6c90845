/**
 * TypeBox validation errors → the directory's `ErrorDetail`s: one detail per offending JSON path, with a
 * message a person can act on (unknown fields and missing fields named, unions summarised).
 */
import type { TSchema } from 'typebox';
import Value from 'typebox/value';
import { invalid, type ErrorDetail } from './errors.ts';

/** Escapes one JSON-pointer segment (RFC 6901: `~` → `~0`, `/` → `~1`). */
export function pointerSegment(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Joins a base JSON pointer and segments: `pointer('/flow', 'data', 'id')` → `/flow/data/id`. */
export function pointer(base: string, ...segments: Array<string | number>): string {
  return base + segments.map((s) => `/${pointerSegment(s)}`).join('');
}

interface RawError {
  keyword: string;
  schemaPath: string;
  instancePath: string;
  params: Record<string, unknown>;
  message: string;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
}

function unionMessage(branch: RawError[]): string {
  if (branch.length > 0 && branch.every((e) => e.keyword === 'const')) {
    return `must be one of ${branch.map((e) => describe(e.params.allowedValue)).join(', ')}`;
  }
  const types = branch.filter((e) => e.keyword === 'type').map((e) => String(e.params.type));
  if (types.length === branch.length && types.length > 0) return `must be ${types.join(' or ')}`;
  return `must match one of: ${[...new Set(branch.map((e) => e.message))].join('; ')}`;
}

/**
 * The errors of `value` against `schema` as details whose paths are prefixed with `basePath` (e.g.
 * `/flow/data`). Empty when the value is valid.
 */
export function schemaErrors(schema: TSchema, value: unknown, basePath = ''): ErrorDetail[] {
  const raw = [...Value.Errors(schema, value)] as unknown as RawError[];
  if (raw.length === 0) return [];
  const consumed = new Set<RawError>();
  const replacement = new Map<RawError, ErrorDetail[]>();
  for (const u of raw) {
    if (u.keyword !== 'anyOf' && u.keyword !== 'oneOf') continue;
    const prefix = `${u.schemaPath}/${u.keyword}/`;
    const branch = raw.filter((e) => e !== u && e.schemaPath.startsWith(prefix));
    const deeper = branch.filter((e) => e.instancePath.length > u.instancePath.length);
    for (const e of branch) if (!deeper.includes(e)) consumed.add(e);
    if (deeper.length > 0) {
      consumed.add(u);
    } else {
      replacement.set(u, [{ path: basePath + u.instancePath, message: unionMessage(branch) }]);
    }
  }
  const out: ErrorDetail[] = [];
  for (const e of raw) {
    if (consumed.has(e)) continue;
    const path = basePath + e.instancePath;
    const replaced = replacement.get(e);
    if (replaced) {
      out.push(...replaced);
    } else if (e.keyword === 'boolean' && e.schemaPath.endsWith('/additionalProperties')) {
      continue; // reported once by the 'additionalProperties' error below
    } else if (e.keyword === 'additionalProperties') {
      for (const name of (e.params.additionalProperties as string[] | undefined) ?? []) {
        out.push({ path: pointer(path, name), message: `unknown field '${name}'` });
      }
    } else if (e.keyword === 'required') {
      for (const name of (e.params.requiredProperties as string[] | undefined) ?? []) {
        out.push({ path: pointer(path, name), message: `'${name}' is required` });
      }
    } else {
      out.push({ path, message: e.message });
    }
  }
  const seen = new Set<string>();
  return out.filter((d) => {
    const key = `${d.path}\u0000${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Throws 400 VALIDATION_FAILED naming every offending path when `value` does not match `schema`. */
export function checkInput(schema: TSchema, value: unknown, basePath = ''): void {
  const details = schemaErrors(schema, value, basePath);
  if (details.length > 0) {
    const first = details[0];
    throw invalid(details, `${first.path || 'body'}: ${first.message}`);
  }
}
