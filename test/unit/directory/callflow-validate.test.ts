import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  flowRefs,
  MAX_FLOW_DEPTH,
  MAX_FLOW_NODES,
  removeFromFlow,
  validateFlow,
  type RefExists,
} from '../../../src/directory/callflow-validate.ts';
import { DirectoryError } from '../../../src/directory/errors.ts';
import type { FlowNodeRow } from '../../../src/store/rows.ts';

const DEV = '6f1f1b2e-3c1a-4b8e-9a52-0a8f1b2c3d4e';
const USR = '7a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d';
const GRP = '8b3c4d5e-6f7a-4b2c-9d3e-4f5a6b7c8d9e';
const GONE = '9c4d5e6f-7a8b-4c3d-8e4f-5a6b7c8d9e0f';

const known: RefExists = (kind, id) =>
  (kind === 'device' && id === DEV) || (kind === 'user' && id === USR) || (kind === 'group' && id === GRP);

function refusal(flow: unknown, exists: RefExists = known): DirectoryError {
  try {
    validateFlow(flow, exists);
  } catch (e) {
    assert.ok(e instanceof DirectoryError);
    return e;
  }
  assert.fail('expected a refusal');
}

function chain(depth: number): Record<string, unknown> {
  let node: Record<string, unknown> = { module: 'hangup' };
  for (let i = 1; i < depth; i++) node = { module: 'play_tone', children: { _: node } };
  return node;
}

describe('callflow tree validation', () => {
  it('normalizes: data and children always present, data copied', () => {
    const data = { id: DEV };
    const out = validateFlow({ module: 'device', data, children: { _: { module: 'hangup' } } }, known);
    assert.deepEqual(out, {
      module: 'device',
      data: { id: DEV },
      children: { _: { module: 'hangup', data: {}, children: {} } },
    });
    assert.notEqual(out.data, data);
  });

  it('names the path of bad data in a nested node: /flow/children/_/data/timeout', () => {
    const e = refusal({
      module: 'user',
      data: { id: USR },
      children: { _: { module: 'device', data: { id: DEV, timeout: 0 } } },
    });
    assert.equal(e.reason, 'VALIDATION_FAILED');
    assert.equal(e.details[0].path, '/flow/children/_/data/timeout');
  });

  it('escapes child keys in paths (JSON pointer)', () => {
    const e = refusal({ module: 'hangup', children: { 'sip/486': { module: 'hangup', data: { code: 1 } } } });
    assert.equal(e.details[0].path, '/flow/children/sip~1486/data/code');
  });

  it('refuses an unknown module with UNKNOWN_MODULE naming it, path to /module', () => {
    const e = refusal({ module: 'hangup', children: { USER_BUSY: { module: 'voicemail' } } });
    assert.equal(e.status, 400);
    assert.equal(e.reason, 'UNKNOWN_MODULE');
    assert.equal(e.details[0].path, '/flow/children/USER_BUSY/module');
    assert.match(e.message, /voicemail/);
  });

  it('refuses extra node fields, missing or non-string module, non-object data/children/nodes', () => {
    assert.equal(refusal({ module: 'hangup', extra: 1 }).details[0].path, '/flow/extra');
    assert.equal(refusal({ data: {} }).details[0].path, '/flow/module');
    assert.equal(refusal({ module: 7 }).details[0].path, '/flow/module');
    assert.equal(refusal({ module: 'hangup', data: [] }).details[0].path, '/flow/data');
    assert.equal(refusal({ module: 'hangup', children: [] }).details[0].path, '/flow/children');
    assert.equal(refusal({ module: 'hangup', children: { _: 'x' } }).details[0].path, '/flow/children/_');
    assert.equal(refusal(null).details[0].path, '/flow');
  });

  it(`accepts depth ${MAX_FLOW_DEPTH}, refuses ${MAX_FLOW_DEPTH + 1}`, () => {
    validateFlow(chain(MAX_FLOW_DEPTH), known);
    const e = refusal(chain(MAX_FLOW_DEPTH + 1));
    assert.equal(e.reason, 'VALIDATION_FAILED');
    assert.match(e.message, /deeper than 32/);
    assert.equal(e.details[0].path, `/flow${'/children/_'.repeat(MAX_FLOW_DEPTH)}`);
  });

  it(`accepts ${MAX_FLOW_NODES} nodes, refuses ${MAX_FLOW_NODES + 1}`, () => {
    const wide = (n: number) => ({
      module: 'hangup',
      children: Object.fromEntries(Array.from({ length: n - 1 }, (_, i) => [`k${i}`, { module: 'hangup' }])),
    });
    validateFlow(wide(MAX_FLOW_NODES), known);
    const e = refusal(wide(MAX_FLOW_NODES + 1));
    assert.equal(e.details[0].path, '/flow');
    assert.match(e.message, /500 nodes/);
  });

  it('child keys have 1–64 characters', () => {
    validateFlow({ module: 'hangup', children: { ['k'.repeat(64)]: { module: 'hangup' } } }, known);
    assert.equal(
      refusal({ module: 'hangup', children: { '': { module: 'hangup' } } }).details[0].path,
      '/flow/children/',
    );
    const long = 'k'.repeat(65);
    assert.equal(
      refusal({ module: 'hangup', children: { [long]: { module: 'hangup' } } }).details[0].path,
      `/flow/children/${long}`,
    );
  });

  it('refuses ids missing from the tenant or of the wrong kind: REFERENCE_NOT_FOUND with the path', () => {
    let e = refusal({ module: 'device', data: { id: GONE } });
    assert.equal(e.reason, 'REFERENCE_NOT_FOUND');
    assert.equal(e.details[0].path, '/flow/data/id');
    e = refusal({ module: 'device', data: { id: USR } }); // a user id where a device is needed
    assert.equal(e.reason, 'REFERENCE_NOT_FOUND');
    e = refusal({
      module: 'hangup',
      children: {
        _: {
          module: 'ring_group',
          data: {
            endpoints: [
              { id: DEV, endpoint_type: 'device' },
              { id: GRP, endpoint_type: 'user' },
            ],
          },
        },
      },
    });
    assert.equal(e.details[0].path, '/flow/children/_/data/endpoints/1/id');
    e = refusal({ module: 'group_pickup', data: { group_id: GRP, approved_user_id: GONE } });
    assert.equal(e.details[0].path, '/flow/data/approved_user_id');
  });

  it('reports schema errors before references, and the first bad node in depth-first order', () => {
    const e = refusal({
      module: 'device',
      data: { id: GONE },
      children: { _: { module: 'nope' } },
    });
    assert.equal(e.reason, 'REFERENCE_NOT_FOUND');
  });

  it('flowRefs lists every reference with its full path', () => {
    const flow = validateFlow(
      {
        module: 'user',
        data: { id: USR },
        children: { _: { module: 'group_pickup', data: { group_id: GRP } } },
      },
      known,
    );
    assert.deepEqual(flowRefs(flow), [
      { path: '/flow/data/id', kind: 'user', id: USR },
      { path: '/flow/children/_/data/group_id', kind: 'group', id: GRP },
    ]);
  });
});

describe('removing a deleted resource from a flow (force delete)', () => {
  const node = (module: string, data: Record<string, unknown>, children: Record<string, FlowNodeRow> = {}) =>
    ({ module, data, children }) as FlowNodeRow;

  it('replaces a node whose required id is gone by its "_" child', () => {
    const tail = node('hangup', { code: 486 });
    const flow = node('user', { id: USR }, { _: tail, NO_ANSWER: node('play_tone', {}) });
    assert.deepEqual(removeFromFlow(flow, USR), tail);
  });

  it('replaces it by a hangup node when it has no "_" child', () => {
    assert.deepEqual(removeFromFlow(node('device', { id: DEV }), DEV), node('hangup', {}));
  });

  it('works deep in the tree and leaves unrelated flows untouched (same object)', () => {
    const flow = node('play_tone', {}, { _: node('queue', { id: GONE }, { _: node('hangup', {}) }) });
    assert.deepEqual(removeFromFlow(flow, GONE), node('play_tone', {}, { _: node('hangup', {}) }));
    assert.equal(removeFromFlow(flow, DEV), flow);
  });

  it('drops ring_group endpoint entries; the last one gone drops the node', () => {
    const rg = node('ring_group', {
      endpoints: [
        { id: DEV, endpoint_type: 'device' },
        { id: USR, endpoint_type: 'user' },
      ],
      timeout: 20,
    });
    const once = removeFromFlow(rg, DEV);
    assert.deepEqual(
      once,
      node('ring_group', { endpoints: [{ id: USR, endpoint_type: 'user' }], timeout: 20 }),
    );
    assert.deepEqual(removeFromFlow(once, USR), node('hangup', {}));
  });

  it('group_pickup: a scope id gone drops the node; approved_* naming it is removed', () => {
    const gp = node('group_pickup', { group_id: GRP, approved_device_id: DEV }, { _: node('play_tone', {}) });
    assert.deepEqual(
      removeFromFlow(gp, DEV),
      node('group_pickup', { group_id: GRP }, { _: node('play_tone', {}) }),
    );
    assert.deepEqual(removeFromFlow(gp, GRP), node('play_tone', {}));
    const gpf = node('group_pickup_feature', { type: 'extension', approved_user_id: USR });
    assert.deepEqual(removeFromFlow(gpf, USR), node('group_pickup_feature', { type: 'extension' }));
  });
});
