/**
 * Checks HTTP answers against the API's own OpenAPI document: finds the operation of a method + URL,
 * then validates the body of a response against the schema that operation documents for that status
 * (compiled with ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses). An undocumented status is a failure.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';

const addFormats = formatsModule.default;

interface MediaType {
  schema?: Record<string, unknown>;
}
interface ResponseObject {
  description?: string;
  content?: Record<string, MediaType>;
}
interface Operation {
  operationId?: string;
  responses: Record<string, ResponseObject>;
}
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components?: Record<string, unknown>;
}

export interface MatchedOperation {
  template: string;
  method: string;
  operation: Operation;
}

export class OpenApiChecker {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly routes: Array<{ template: string; re: RegExp }>;

  constructor(readonly doc: OpenApiDocument) {
    addFormats(this.ajv);
    this.routes = Object.keys(doc.paths).map((template) => ({
      template,
      re: new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`),
    }));
  }

  /** The operation of `method url` (query string ignored), or undefined when the document has none. */
  find(method: string, url: string): MatchedOperation | undefined {
    const path = url.split('?')[0];
    const m = method.toLowerCase();
    for (const r of this.routes) {
      const op = this.doc.paths[r.template][m];
      if (op && r.re.test(path)) return { template: r.template, method: m, operation: op };
    }
    return undefined;
  }

  /**
   * Problems with one answer of an operation, [] when it conforms: the status must be documented and the
   * JSON body must match the documented schema.
   */
  check(op: MatchedOperation, status: number, body: unknown): string[] {
    const where = `${op.method.toUpperCase()} ${op.template} → ${status}`;
    const response = op.operation.responses[String(status)];
    if (!response) {
      const documented = Object.keys(op.operation.responses).join(', ');
      return [`${where}: status not documented (documented: ${documented})`];
    }
    const schema = response.content?.['application/json']?.schema;
    if (!schema) return body === undefined || body === '' ? [] : [`${where}: body sent but none documented`];
    const key = `${op.method} ${op.template} ${status}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(schema);
      this.compiled.set(key, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).map((e) => `${where}: ${e.instancePath || '(root)'} ${e.message}`);
  }

  /** Every (operation, status) pair of the document, e.g. to check each has a schema. */
  *operations(): Generator<MatchedOperation> {
    for (const [template, methods] of Object.entries(this.doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) yield { template, method, operation };
    }
  }
}
