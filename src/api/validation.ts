/**
 * Request validation: two ajv instances compiled once per route schema (fastify's habit).
 *
 * - bodies: strict — no type coercion, unknown fields refused (never silently removed), every error
 *   reported, no defaults injected (the directory applies its own defaults and knows what was sent);
 * - querystring and path params: coercing (`?page_size=10` is a string on the wire) with defaults.
 *
 * JSON Schema 2020-12 (what TypeBox 1.x emits), `ajv-formats` for `uuid`.
 */
import { Ajv2020, type ErrorObject, type Options } from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';
import type { FastifySchemaValidationError } from 'fastify';
import type { ErrorDetail } from '../directory/errors.ts';
import type { ApiInstance } from './types.ts';

const addFormats = formatsModule.default;

const COMMON: Options = {
  allErrors: true,
  strict: true,
  strictTypes: false,
  strictTuples: false,
  messages: true,
};

/** The ajv instance for request bodies: `coerceTypes: false, removeAdditional: false, useDefaults: false`. */
export function createBodyAjv(): Ajv2020 {
  const ajv = new Ajv2020({ ...COMMON, coerceTypes: false, removeAdditional: false, useDefaults: false });
  addFormats(ajv, ['uuid', 'date-time', 'uri']);
  return ajv;
}

/** The ajv instance for querystrings and path params: `coerceTypes: true, useDefaults: true`. */
export function createParamsAjv(): Ajv2020 {
  const ajv = new Ajv2020({ ...COMMON, coerceTypes: true, removeAdditional: false, useDefaults: true });
  addFormats(ajv, ['uuid', 'date-time', 'uri']);
  return ajv;
}

/** Installs the two compilers on an instance (bodies strict, everything else coercing). */
export function installValidation(app: ApiInstance): void {
  const body = createBodyAjv();
  const params = createParamsAjv();
  app.setValidatorCompiler(({ schema, httpPart }) =>
    httpPart === 'body' ? body.compile(schema) : params.compile(schema),
  );
}

/** Escapes one JSON-pointer segment (RFC 6901). */
function pointerSegment(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

function quote(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : JSON.stringify(v);
}

type AjvError = FastifySchemaValidationError | ErrorObject;

/**
 * One detail per ajv error: the path is the `instancePath`, with `/<property>` appended for `required` and
 * `additionalProperties` so it names the field. A failed union (`anyOf`) whose branches failed only on
 * `type` or `const` at the same path becomes one detail ("must be array or string", "must be one of
 * 'device', 'user'") instead of one per branch.
 */
export function validationDetails(errors: readonly AjvError[]): ErrorDetail[] {
  const byPath = new Map<string, AjvError[]>();
  for (const e of errors) {
    const list = byPath.get(e.instancePath) ?? [];
    list.push(e);
    byPath.set(e.instancePath, list);
  }
  /** Paths whose errors are one union of types/literals: path → its combined message. */
  const unions = new Map<string, string>();
  for (const [path, list] of byPath) {
    if (!list.some((e) => e.keyword === 'anyOf')) continue;
    if (!list.every((e) => e.keyword === 'anyOf' || e.keyword === 'type' || e.keyword === 'const')) continue;
    const types = [...new Set(list.filter((e) => e.keyword === 'type').map((e) => String(e.params.type)))];
    const consts = list.filter((e) => e.keyword === 'const').map((e) => quote(e.params.allowedValue));
    const parts = [];
    if (types.length) parts.push(types.join(' or '));
    if (consts.length) parts.push(`one of ${consts.join(', ')}`);
    unions.set(path, `must be ${parts.join(' or ')}`);
  }

  const details: ErrorDetail[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    let path = e.instancePath;
    let message = e.message ?? 'is invalid';
    const params = e.params as Record<string, unknown>;
    const union = unions.get(path);
    if (union !== undefined) {
      if (e.keyword !== 'anyOf') continue;
      message = union;
    } else if (e.keyword === 'required') {
      const name = String(params.missingProperty);
      path = `${path}/${pointerSegment(name)}`;
      message = `missing required field '${name}'`;
    } else if (e.keyword === 'additionalProperties') {
      const name = String(params.additionalProperty);
      path = `${path}/${pointerSegment(name)}`;
      message = `unknown field '${name}'`;
    } else if (e.keyword === 'const') {
      message = `must be ${quote(params.allowedValue)}`;
    } else if (e.keyword === 'enum') {
      message = `must be one of ${(params.allowedValues as unknown[]).map(quote).join(', ')}`;
    } else if (e.keyword === 'format') {
      message = `must be a ${String(params.format)}`;
    }
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    details.push({ path, message });
  }
  return details;
}
