/**
 * The OpenAPI document and the reference: `/openapi.json` is a valid OpenAPI 3.1 document with the
 * version, security schemes, tags, operation ids and every error status each route can answer; `/docs`
 * serves swagger-ui from local assets; docs/api.md names every reason code the API can emit.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { FastifyInstance } from 'fastify';
import { allReasons, API_REASONS } from '../../src/api/errors.ts';
import { TAGS } from '../../src/api/openapi.ts';
import { buildApi } from '../../src/api/server.ts';
import { DIRECTORY_REASONS, type DirectoryApi } from '../../src/directory/index.ts';
import { EventBus } from '../../src/events/index.ts';
import type { OpenApiDocument } from '../support/openapi.ts';

const PUBLIC = new Set(['/healthz', '/readyz']);

describe('OpenAPI document and reference', () => {
  let app: FastifyInstance;
  let doc: OpenApiDocument & Record<string, unknown>;
  before(async () => {
    // The document depends only on the routes, not on the directory's data.
    app = await buildApi({
      directory: {} as DirectoryApi,
      version: '9.8.7-test',
      events: { bus: new EventBus(), pingIntervalMs: 0 },
    });
    const r = await app.inject({ url: '/openapi.json' });
    assert.equal(r.statusCode, 200);
    doc = r.json();
  });
  after(() => app.close());

  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc as unknown as Parameters<Validator['validate']>[0]);
    assert.deepEqual(result, { valid: true }, JSON.stringify(result.errors, null, 2)?.slice(0, 4000));
    assert.match(doc.openapi, /^3\.1\./);
    assert.equal(doc.info.version, '9.8.7-test');
  });

  it('declares the bearer and accesskey schemes, applied by default; public routes opt out', () => {
    const components = doc.components as {
      securitySchemes: Record<string, { type: string; scheme?: string }>;
    };
    assert.equal(components.securitySchemes.bearer.type, 'http');
    assert.equal(components.securitySchemes.bearer.scheme, 'bearer');
    assert.equal(components.securitySchemes.accesskey.type, 'apiKey');
    assert.deepEqual(doc.security, [{ bearer: [] }, { accesskey: [] }]);
    for (const p of PUBLIC)
      assert.deepEqual((doc.paths[p].get as unknown as { security: unknown }).security, []);
  });

  it('every operation: a unique operationId, a known tag, and the statuses it can answer', () => {
    const tags = new Set<string>(TAGS.map((t) => t.name));
    const ids = new Set<string>();
    let count = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        count++;
        const o = op as unknown as {
          operationId: string;
          tags: string[];
          responses: Record<string, unknown>;
        };
        const where = `${method.toUpperCase()} ${path}`;
        assert.ok(o.operationId, `${where} has an operationId`);
        assert.ok(!ids.has(o.operationId), `${where}: duplicate operationId ${o.operationId}`);
        ids.add(o.operationId);
        assert.equal(o.tags.length, 1, where);
        assert.ok(tags.has(o.tags[0]), `${where}: unknown tag ${o.tags[0]}`);
        const statuses = Object.keys(o.responses);
        // A WebSocket route answers its upgrade with 101 (and a plain GET with 426).
        const websocket = statuses.includes('101');
        assert.ok(
          statuses.includes(websocket ? '426' : '200'),
          `${where} documents ${websocket ? 426 : 200}`,
        );
        if (PUBLIC.has(path)) continue;
        for (const s of ['400', '401', '403', '500'])
          assert.ok(statuses.includes(s), `${where} documents ${s}`);
        if (path.endsWith('{id}')) assert.ok(statuses.includes('404'), `${where} documents 404`);
        if (method !== 'get') {
          for (const s of ['413', '415']) assert.ok(statuses.includes(s), `${where} documents ${s}`);
        }
        if (method === 'post' || method === 'put') {
          const body = (op as unknown as { requestBody?: unknown }).requestBody;
          assert.ok(body, `${where} documents its body`);
        }
      }
    }
    // 7 CRUD resources × 5, customers 5, accesskeys 4, groupcalls/calls 2 × 2, health 2, events 1
    assert.equal(count, 7 * 5 + 5 + 4 + 2 * 2 + 2 + 1);
    assert.deepEqual(
      [
        ...new Set(
          Object.values(doc.paths).flatMap((m) =>
            Object.values(m).flatMap((o) => (o as unknown as { tags: string[] }).tags),
          ),
        ),
      ].sort(),
      [...tags].sort(),
      'every tag is used',
    );
  });

  it('write-only fields are documented on input and absent from outputs', () => {
    const text = JSON.stringify(doc.paths['/v1.0/devices'].post);
    assert.match(text, /sip_password/);
    const out = JSON.stringify(doc.paths['/v1.0/devices/{id}'].get.responses['200']);
    assert.ok(!out.includes('sip_password'));
    const trunk = JSON.stringify(doc.paths['/v1.0/trunks/{id}'].get.responses['200']);
    assert.ok(!trunk.includes('"password"'));
  });

  it('/docs serves the reference page with local assets only', async () => {
    const page = await app.inject({ url: '/docs' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.match(page.body, /swagger-ui/i);
    assert.ok(!/(src|href)="https?:\/\//.test(page.body), 'no asset from the network');
    const css = await app.inject({ url: '/docs/static/swagger-ui.css' });
    assert.equal(css.statusCode, 200);
    const init = await app.inject({ url: '/docs/static/swagger-initializer.js' });
    assert.equal(init.statusCode, 200);
    assert.match(init.body, /validatorUrl: null/, 'no call to the online validator');
    assert.match(init.body, /url: resolveUrl\('\.\/json'\)/, 'the document comes from this server');
  });

  it('docs/api.md documents every reason code the API can emit, with its status', () => {
    const md = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
    const reasons = allReasons();
    for (const r of [...Object.keys(API_REASONS), ...DIRECTORY_REASONS]) assert.ok(reasons.includes(r));
    const missing = reasons.filter((r) => !new RegExp(`\\b${r}\\b`).test(md));
    assert.deepEqual(missing, [], `docs/api.md lacks ${missing.join(', ')}`);
    for (const [reason, { status }] of Object.entries(API_REASONS)) {
      const line = md.split('\n').find((l) => l.includes(`\`${reason}\``) && l.trim().startsWith('|'));
      assert.ok(line, `docs/api.md has a table row for ${reason}`);
      assert.ok(line.includes(String(status)), `the row of ${reason} gives its status ${status}`);
    }
  });
});
