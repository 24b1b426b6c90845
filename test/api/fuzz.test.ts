/**
 * Fuzz-ish (fast-check): random JSON bodies, random near-valid bodies (known field names, random values,
 * random callflow trees) and random raw payloads to every POST and PUT route. The answer is always 2xx or
 * 4xx with the envelope, and matches the OpenAPI document (the client checks both, and that no answer is
 * a 500).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { ok, type ApiClient, type ApiResponse } from '../support/api-client.ts';
import { availableDialects } from '../support/databases.ts';
import { bodies, UNKNOWN_ID, useEnv, useTenant } from './harness.ts';

const RUNS = 100;

const FIELDS: Record<string, string[]> = {
  users: ['name', 'call_groups', 'pickup_groups', 'monitor'],
  devices: ['name', 'owner_id', 'sip_username', 'sip_password', 'enabled'],
  groups: ['name', 'endpoints'],
  callflows: ['name', 'numbers', 'patterns', 'flow'],
  agents: ['name', 'owner_id', 'addresses', 'ring_method', 'status'],
  queues: ['name', 'agent_ids', 'strategy', 'ring_timeout', 'wait_timeout', 'music'],
  trunks: ['name', 'uri', 'username', 'password', 'prefixes'],
  customers: ['name', 'domain', 'settings'],
  accesskeys: ['name', 'customer_id'],
};

const MODULES = [
  'device',
  'user',
  'ring_group',
  'group_pickup',
  'group_pickup_feature',
  'named_pickup',
  'general_pickup',
  'queue',
  'callflow',
  'play_tone',
  'hangup',
  'voicemail',
];

function expectHandled(r: ApiResponse): void {
  assert.ok(r.status >= 200 && r.status < 500, `answered ${r.status}: ${r.text}`);
  if (r.status >= 400) assert.equal(typeof r.body.error.reason, 'string', r.text);
}

for (const dialect of await availableDialects()) {
  describe(`fuzz: random bodies to every POST and PUT (${dialect})`, () => {
    const env = useEnv(dialect);
    const t = useTenant(env);
    const ids: Record<string, string> = {};
    before(async () => {
      ids.users = ok(await t.api.post('/v1.0/users', bodies.user())).id;
      ids.devices = ok(await t.api.post('/v1.0/devices', bodies.device({ owner_id: ids.users }))).id;
      ids.groups = ok(
        await t.api.post('/v1.0/groups', bodies.group({ endpoints: { [ids.users]: { type: 'user' } } })),
      ).id;
      ids.callflows = ok(await t.api.post('/v1.0/callflows', bodies.callflow())).id;
      ids.agents = ok(await t.api.post('/v1.0/agents', bodies.agent())).id;
      ids.queues = ok(await t.api.post('/v1.0/queues', bodies.queue({ agent_ids: [ids.agents] }))).id;
      ids.trunks = ok(await t.api.post('/v1.0/trunks', bodies.trunk())).id;
      ids.customers = t.customer.id;
    });

    /** Ids worth guessing: real ones of the tenant, unknown ones, and junk. */
    const anId = () =>
      fc.oneof(
        fc.constantFrom(...Object.values(ids), UNKNOWN_ID, '00000000-0000-0000-0000-000000000000', '*', ''),
        fc.uuid(),
        fc.string(),
      );
    const value = () => fc.oneof(fc.jsonValue({ maxDepth: 2 }), anId(), fc.array(anId(), { maxLength: 4 }));
    const flowNode = fc.letrec((tie) => ({
      node: fc.record(
        {
          module: fc.oneof(fc.constantFrom(...MODULES), fc.string()),
          data: fc.dictionary(
            fc.constantFrom(
              'id',
              'timeout',
              'endpoints',
              'user_id',
              'group_id',
              'device_id',
              'type',
              'code',
              'skip_module',
              'x',
            ),
            value(),
            { maxKeys: 3 },
          ),
          children: fc.dictionary(fc.oneof(fc.constant('_'), fc.string()), tie('node'), {
            maxKeys: 2,
            depthIdentifier: 'flow',
          }),
        },
        { requiredKeys: ['module'] },
      ),
    })).node;

    function nearValid(path: string) {
      const names = FIELDS[path];
      return fc.dictionary(
        fc.oneof(
          { weight: 5, arbitrary: fc.constantFrom(...names) },
          { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
        ),
        path === 'callflows' ? fc.oneof(value(), flowNode) : value(),
        { maxKeys: names.length + 1 },
      );
    }

    /** Answers by status, to check the generators reach past the schema into the directory. */
    const statuses = new Map<number, number>();
    async function send(api: ApiClient, method: 'POST' | 'PUT', url: string, body: unknown): Promise<void> {
      const r = await api.request({ method, url, body });
      expectHandled(r);
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    }

    for (const path of Object.keys(FIELDS)) {
      const api = () => (path === 'customers' ? env.admin : t.api);
      const collection = `/v1.0/${path}`;
      const item = () => `/v1.0/${path}/${ids[path] ?? UNKNOWN_ID}`;

      it(`POST ${collection}: random and near-valid bodies`, async () => {
        await fc.assert(
          fc.asyncProperty(fc.oneof(fc.jsonValue(), nearValid(path)), async (body) =>
            send(api(), 'POST', collection, body),
          ),
          { numRuns: RUNS },
        );
      });

      if (path !== 'accesskeys') {
        it(`PUT ${collection}/{id}: random and near-valid bodies`, async () => {
          await fc.assert(
            fc.asyncProperty(fc.oneof(fc.jsonValue(), nearValid(path)), async (body) =>
              send(api(), 'PUT', item(), body),
            ),
            { numRuns: RUNS },
          );
        });
      }
    }

    it('the bodies reached the directory: some were accepted, some refused beyond the schema', () => {
      assert.ok((statuses.get(200) ?? 0) > 0, `no 2xx at all: ${JSON.stringify([...statuses])}`);
      assert.ok((statuses.get(400) ?? 0) > 0, `no 400 at all: ${JSON.stringify([...statuses])}`);
    });

    it('random raw payloads and content types', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...Object.keys(FIELDS)),
          fc.oneof(
            fc.string(),
            fc.json(),
            fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('latin1')),
          ),
          fc.constantFrom(
            'application/json',
            'application/json; charset=utf-8',
            'text/plain',
            'application/octet-stream',
          ),
          async (path, payload, type) => {
            const api = path === 'customers' ? env.admin : t.api;
            const r = await api.request({
              method: 'POST',
              url: `/v1.0/${path}`,
              payload,
              headers: { 'content-type': type },
            });
            expectHandled(r);
          },
        ),
        { numRuns: RUNS * 2 },
      );
    });
  });
}
