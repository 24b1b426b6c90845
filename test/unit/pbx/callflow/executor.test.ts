/**
 * The callflow executor against a fake `FlowCall` (callflows.md "Execution"): the order nodes run in,
 * `skip_module`, continue / failed / stop / usurp, the failure key order (cause, `sip:<code>`, `"_"`), an
 * action that throws, sub-flows and their nesting bound, the call going away.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DirectoryCache } from '../../../../src/directory/contract.ts';
import type { Callflow } from '../../../../src/directory/schemas/callflow.ts';
import {
  ActionRegistry,
  FlowExecutor,
  MAX_CALLFLOW_DEPTH,
  type ActionResult,
  type FlowCall,
  type FlowEnv,
} from '../../../../src/pbx/callflow/index.ts';

type Node = { module: string; data?: Record<string, unknown>; children?: Record<string, Node> };

function callflow(id: string, flow: Node): Callflow {
  return {
    id,
    customer_id: 'c',
    name: id,
    numbers: [],
    patterns: [],
    flow: flow as unknown as Record<string, unknown>,
    feature_code: '',
    tm_create: '',
    tm_update: '',
    tm_delete: '',
  };
}

/** A world where module `step` records its `data.n` and returns `data.result` (default continue). */
function world(flows: Callflow[] = []) {
  const ran: string[] = [];
  const logs: Array<{ level: string; msg: string; fields?: object }> = [];
  const call = { id: 'call-1', customerId: 'c', status: 'unanswered' } as FlowCall & { status: string };
  const actions = new ActionRegistry()
    .register('step', async (ctx) => {
      ran.push(String(ctx.node.data.n));
      if (ctx.node.data.gone === true) (call as { status: string }).status = 'gone';
      return (ctx.node.data.result as ActionResult | undefined) ?? { kind: 'continue' };
    })
    .register('boom', async () => {
      throw new Error('boom');
    })
    .register('callflow', async (ctx) => {
      const end = await ctx.runCallflow(String(ctx.node.data.id));
      ran.push(`sub:${end}`);
      return end === 'aborted' ? { kind: 'stop' } : { kind: 'continue' };
    });
  const byId = new Map(flows.map((f) => [f.id, f]));
  const env: FlowEnv = {
    directory: { callflow: (_c: string, id: string) => byId.get(id) } as unknown as DirectoryCache,
    registrar: { contactsOf: () => [] },
    ringTimeoutS: 20,
    random: Math.random,
    log: (level, msg, fields) => logs.push({ level, msg, fields }),
  };
  return { ran, logs, call, exec: new FlowExecutor(actions, env) };
}

const step = (n: string, extra: Record<string, unknown> = {}, children?: Record<string, Node>): Node => ({
  module: 'step',
  data: { n, ...extra },
  ...(children ? { children } : {}),
});

describe('FlowExecutor', () => {
  test('runs "_" children in order and stops where there is none', async () => {
    const w = world();
    const end = await w.exec.run(
      w.call,
      callflow('a', step('1', {}, { _: step('2', {}, { _: step('3') }) })),
      '',
    );
    assert.equal(end, 'stop');
    assert.deepEqual(w.ran, ['1', '2', '3']);
  });

  test('continue(key) takes that child, a missing key falls back to "_"', async () => {
    const w = world();
    const flow = step(
      '1',
      { result: { kind: 'continue', key: 'x' } },
      {
        x: step('x', { result: { kind: 'continue', key: 'nope' } }, { _: step('x_') }),
        _: step('1_'),
      },
    );
    await w.exec.run(w.call, callflow('a', flow), '');
    assert.deepEqual(w.ran, ['1', 'x', 'x_']);
  });

  test('skip_module: the node does not run, its "_" child does; without "_" the flow stops', async () => {
    const w = world();
    await w.exec.run(
      w.call,
      callflow('a', step('1', { skip_module: true }, { _: step('2'), x: step('no') })),
      '',
    );
    assert.deepEqual(w.ran, ['2']);
    const v = world();
    assert.equal(
      await v.exec.run(v.call, callflow('a', step('1', { skip_module: true }, { x: step('no') })), ''),
      'stop',
    );
    assert.deepEqual(v.ran, []);
  });

  test('failed: the cause child, else sip:<code>, else "_"', async () => {
    const busy = { kind: 'failed', failure: { cause: 'USER_BUSY', sipCode: 486 } };
    const children = { USER_BUSY: step('cause'), 'sip:486': step('sip'), _: step('default') };
    for (const [kids, expected] of [
      [children, 'cause'],
      [{ 'sip:486': children['sip:486'], _: children._ }, 'sip'],
      [{ _: children._, NO_ANSWER: step('other') }, 'default'],
    ] as const) {
      const w = world();
      await w.exec.run(w.call, callflow('a', step('1', { result: busy }, kids)), '');
      assert.deepEqual(w.ran, ['1', expected]);
    }
  });

  test('stop and usurp end the flow at once', async () => {
    for (const kind of ['stop', 'usurp'] as const) {
      const w = world();
      const end = await w.exec.run(
        w.call,
        callflow('a', step('1', { result: { kind } }, { _: step('2') })),
        '',
      );
      assert.equal(end, kind);
      assert.deepEqual(w.ran, ['1']);
    }
  });

  test('an action that throws is logged with the call id; execution goes on to "_"', async () => {
    const w = world();
    await w.exec.run(w.call, callflow('a', { module: 'boom', children: { _: step('after') } }), '');
    assert.deepEqual(w.ran, ['after']);
    const line = w.logs.find((l) => l.msg === 'callflow action threw');
    assert.ok(line);
    assert.equal((line.fields as { callId: string; module: string }).callId, 'call-1');
    assert.equal((line.fields as { module: string }).module, 'boom');
  });

  test('a module without an action is logged and skipped to "_"', async () => {
    const w = world();
    await w.exec.run(w.call, callflow('a', { module: 'teleport', children: { _: step('after') } }), '');
    assert.deepEqual(w.ran, ['after']);
    assert.ok(w.logs.some((l) => l.msg === 'callflow module without an action'));
  });

  test('the call going away ends the flow before the next node', async () => {
    const w = world();
    await w.exec.run(w.call, callflow('a', step('1', { gone: true }, { _: step('2') })), '');
    assert.deepEqual(w.ran, ['1']);
  });

  test('a sub-flow runs and returns to the caller node', async () => {
    const sub = callflow('sub', step('s1', {}, { _: step('s2') }));
    const w = world([sub]);
    await w.exec.run(
      w.call,
      callflow('a', { module: 'callflow', data: { id: 'sub' }, children: { _: step('back') } }),
      '',
    );
    assert.deepEqual(w.ran, ['s1', 's2', 'sub:stop', 'back']);
  });

  test(`nesting is bounded (${MAX_CALLFLOW_DEPTH}): a callflow calling itself is aborted, not run forever`, async () => {
    const loop = callflow('loop', {
      module: 'callflow',
      data: { id: 'loop' },
      children: { _: step('after') },
    });
    const w = world([loop]);
    const end = await w.exec.run(w.call, loop, '');
    assert.equal(end, 'aborted');
    assert.equal(w.ran.filter((r) => r === 'sub:aborted').length, MAX_CALLFLOW_DEPTH + 1);
    assert.equal(w.ran.includes('after'), false, 'nothing runs after the abort');
    assert.ok(w.logs.some((l) => l.msg.includes('nesting too deep')));
  });

  test('depth 50 is allowed', async () => {
    const flows = Array.from({ length: MAX_CALLFLOW_DEPTH }, (_, i) =>
      callflow(
        `f${i + 1}`,
        i + 1 < MAX_CALLFLOW_DEPTH ? { module: 'callflow', data: { id: `f${i + 2}` } } : step('deepest'),
      ),
    );
    const w = world(flows);
    const end = await w.exec.run(w.call, callflow('f0', { module: 'callflow', data: { id: 'f1' } }), '');
    assert.equal(end, 'stop');
    assert.equal(w.ran[0], 'deepest');
  });
});
