import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CALLFLOW_MODULES } from '../../../src/directory/callflow-modules.ts';
import { validateFlow } from '../../../src/directory/callflow-validate.ts';
import { DirectoryError } from '../../../src/directory/errors.ts';

const ID = '6f1f1b2e-3c1a-4b8e-9a52-0a8f1b2c3d4e';
const ID2 = '7a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d';
const everything = () => true;

function check(module: string, data: Record<string, unknown>): DirectoryError | undefined {
  try {
    validateFlow({ module, data }, everything);
    return undefined;
  } catch (e) {
    assert.ok(e instanceof DirectoryError);
    return e;
  }
}

/** [module, valid data[], invalid data → expected path under /flow/data] */
const table: Array<[string, Array<Record<string, unknown>>, Array<[Record<string, unknown>, string]>]> = [
  [
    'device',
    [{ id: ID }, { id: ID, timeout: 1, can_call_self: true, skip_module: false }, { id: ID, timeout: 600 }],
    [
      [{}, '/flow/data/id'],
      [{ id: 'nope' }, '/flow/data/id'],
      [{ id: ID, timeout: 0 }, '/flow/data/timeout'],
      [{ id: ID, timeout: 601 }, '/flow/data/timeout'],
      [{ id: ID, timeout: 2.5 }, '/flow/data/timeout'],
      [{ id: ID, can_call_self: 'yes' }, '/flow/data/can_call_self'],
      [{ id: ID, extra: 1 }, '/flow/data/extra'],
    ],
  ],
  [
    'user',
    [{ id: ID }, { id: ID, timeout: 30, strategy: 'single' }, { id: ID, strategy: 'simultaneous' }],
    [
      [{ id: ID, strategy: 'random' }, '/flow/data/strategy'],
      [{ timeout: 20 }, '/flow/data/id'],
    ],
  ],
  [
    'ring_group',
    [
      { endpoints: [{ id: ID, endpoint_type: 'device' }] },
      {
        endpoints: [
          { id: ID, endpoint_type: 'user', delay: 0, timeout: 600, weight: 100 },
          { id: ID2, endpoint_type: 'group', delay: 600, timeout: 1, weight: 1 },
        ],
        strategy: 'weighted_random',
        timeout: 20,
        repeats: 20,
        fail_on_single_reject: true,
        name: 'Sales',
      },
    ],
    [
      [{ endpoints: [] }, '/flow/data/endpoints'],
      [{}, '/flow/data/endpoints'],
      [{ endpoints: [{ id: ID, endpoint_type: 'queue' }] }, '/flow/data/endpoints/0/endpoint_type'],
      [{ endpoints: [{ id: ID, endpoint_type: 'device', delay: -1 }] }, '/flow/data/endpoints/0/delay'],
      [{ endpoints: [{ id: ID, endpoint_type: 'device', weight: 101 }] }, '/flow/data/endpoints/0/weight'],
      [{ endpoints: [{ id: ID, endpoint_type: 'device', foo: 1 }] }, '/flow/data/endpoints/0/foo'],
      [{ endpoints: [{ id: ID, endpoint_type: 'device' }], repeats: 21 }, '/flow/data/repeats'],
      [{ endpoints: [{ id: ID, endpoint_type: 'device' }], strategy: 'all' }, '/flow/data/strategy'],
      [
        { endpoints: Array.from({ length: 501 }, () => ({ id: ID, endpoint_type: 'device' })) },
        '/flow/data/endpoints',
      ],
    ],
  ],
  [
    'group_pickup',
    [
      { device_id: ID },
      { user_id: ID },
      { group_id: ID, approved_group_id: ID2 },
      { device_id: ID, approved_user_id: ID2 },
    ],
    [
      [{}, '/flow/data'],
      [{ approved_device_id: ID }, '/flow/data'],
      [{ group_id: 'x' }, '/flow/data/group_id'],
      [{ group_id: ID, approved_queue_id: ID }, '/flow/data/approved_queue_id'],
    ],
  ],
  [
    'group_pickup_feature',
    [
      {},
      { type: 'extension' },
      { type: 'device', approved_device_id: ID },
      { type: 'user' },
      { type: 'group' },
    ],
    [
      [{ type: 'queue' }, '/flow/data/type'],
      [{ approved_user_id: 'bob' }, '/flow/data/approved_user_id'],
    ],
  ],
  ['named_pickup', [{}, { skip_module: true }], [[{ name: 'x' }, '/flow/data/name']]],
  ['general_pickup', [{}], [[{ skip_module: 'no' }, '/flow/data/skip_module']]],
  ['queue', [{ id: ID }], [[{}, '/flow/data/id']]],
  ['callflow', [{ id: ID }], [[{ id: ID, depth: 2 }, '/flow/data/depth']]],
  [
    'play_tone',
    [
      {},
      { tone: 'busy', duration: 1 },
      { tone: 'failure', duration: 60000 },
      { tone: 'ring' },
      { tone: 'beep' },
    ],
    [
      [{ tone: 'siren' }, '/flow/data/tone'],
      [{ duration: 0 }, '/flow/data/duration'],
      [{ duration: 60001 }, '/flow/data/duration'],
    ],
  ],
  [
    'hangup',
    [{}, { code: 400 }, { code: 699, reason: 'Busy Here' }],
    [
      [{ code: 399 }, '/flow/data/code'],
      [{ code: 700 }, '/flow/data/code'],
      [{ cause: 'x' }, '/flow/data/cause'],
    ],
  ],
];

describe('callflow module registry', () => {
  it('knows exactly the modules of callflows.md and pickup.md', () => {
    assert.deepEqual([...CALLFLOW_MODULES.keys()].sort(), [
      'callflow',
      'device',
      'general_pickup',
      'group_pickup',
      'group_pickup_feature',
      'hangup',
      'named_pickup',
      'play_tone',
      'queue',
      'ring_group',
      'user',
    ]);
  });

  for (const [module, valid, invalidCases] of table) {
    describe(module, () => {
      for (const data of valid) {
        it(`accepts ${JSON.stringify(data).slice(0, 80)}`, () => {
          assert.equal(check(module, data), undefined);
        });
      }
      for (const [data, path] of invalidCases) {
        it(`refuses ${JSON.stringify(data).slice(0, 80)} at ${path}`, () => {
          const e = check(module, data);
          assert.ok(e, 'expected a refusal');
          assert.equal(e.status, 400);
          assert.equal(e.reason, 'VALIDATION_FAILED');
          assert.ok(
            e.details.some((d) => d.path === path),
            `paths ${JSON.stringify(e.details.map((d) => d.path))} should include ${path}`,
          );
        });
      }
      it('accepts skip_module', () => {
        const base = valid[0];
        assert.equal(check(module, { ...base, skip_module: true }), undefined);
      });
    });
  }

  it('group_pickup without device_id/user_id/group_id says the scope is empty', () => {
    const e = check('group_pickup', { approved_group_id: ID });
    assert.ok(e);
    assert.equal(e.reason, 'VALIDATION_FAILED');
    assert.equal(e.details[0].path, '/flow/data');
    assert.match(e.message, /scope/);
  });

  it('refs name every id with its kind and path relative to data', () => {
    const rg = CALLFLOW_MODULES.get('ring_group')!;
    assert.deepEqual(
      rg.refs({
        endpoints: [
          { id: ID, endpoint_type: 'user' },
          { id: ID2, endpoint_type: 'group' },
        ],
      }),
      [
        { path: '/endpoints/0/id', kind: 'user', id: ID },
        { path: '/endpoints/1/id', kind: 'group', id: ID2 },
      ],
    );
    const gp = CALLFLOW_MODULES.get('group_pickup')!;
    assert.deepEqual(gp.refs({ device_id: ID, approved_user_id: ID2 }), [
      { path: '/device_id', kind: 'device', id: ID },
      { path: '/approved_user_id', kind: 'user', id: ID2 },
    ]);
    assert.deepEqual(CALLFLOW_MODULES.get('queue')!.refs({ id: ID }), [
      { path: '/id', kind: 'queue', id: ID },
    ]);
    assert.deepEqual(CALLFLOW_MODULES.get('callflow')!.refs({ id: ID }), [
      { path: '/id', kind: 'callflow', id: ID },
    ]);
  });
});
