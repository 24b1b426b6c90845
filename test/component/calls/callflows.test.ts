/**
 * The callflow executor on real calls (callflows.md "Execution"): `skip_module`, failure branches by cause,
 * by SIP code and `"_"`, `play_tone` and `hangup` on failure branches, the `callflow` sub-flow and its
 * nesting bound, an action that throws, the `no_match` callflow and patterns — asserted on the wire.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { defaultActions } from '../../../src/pbx/callflow/index.ts';
import { Harness, RINGD, type HarnessOptions } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** alice (caller, 10.0.0.1), carol (.4) and dave (.5), ringing without answering. */
async function setup(opts?: HarnessOptions) {
  h = await Harness.create(opts);
  await h.device('carol');
  await h.device('dave');
  const alice = h.phone('alice', '10.0.0.1', 'alice');
  const carol = h.phone('carol', '10.0.0.4', 'carol');
  const dave = h.phone('dave', '10.0.0.5', 'dave');
  carol.behaviour = 'ring';
  dave.behaviour = 'ring';
  const ring = (name: string, extra: Record<string, unknown> = {}) => ({
    module: 'device',
    data: { id: h!.devices[name].id, ...extra },
  });
  return { h, alice, carol, dave, ring };
}

describe('walking the tree', () => {
  test('skip_module: the node is not run, its "_" child is', async () => {
    const { h, alice, carol, dave, ring } = await setup();
    await h.callflow(['800'], { ...ring('carol', { skip_module: true }), children: { _: ring('dave') } });
    h.dial(alice, '800');
    await h.run(50);
    assert.deepEqual([carol.invites.length, dave.invites.length], [0, 1]);
    await h.engine.hangup(h.tenantId, h.callerLeg());
    await h.assertClean();
  });

  test('skip_module on a node without "_": the flow stops, the caller gets 480', async () => {
    const { h, alice, carol, ring } = await setup();
    await h.callflow(['801'], ring('carol', { skip_module: true }));
    const v = h.dial(alice, '801');
    await h.run(50);
    assert.equal(v.failure, 480);
    assert.equal(carol.invites.length, 0);
    await h.assertClean();
  });

  test('a failure branches on its cause before its SIP code before "_"', async () => {
    const { h, alice, carol, dave, ring } = await setup();
    carol.behaviour = 'busy';
    await h.callflow(['802'], {
      ...ring('carol'),
      children: {
        'sip:486': { module: 'hangup', data: { code: 603 } },
        USER_BUSY: ring('dave'),
        _: { module: 'hangup', data: { code: 404 } },
      },
    });
    h.dial(alice, '802');
    await h.run(50);
    assert.equal(dave.invites.length, 1, 'USER_BUSY won over sip:486 and "_"');
    await h.engine.hangup(h.tenantId, h.callerLeg());
    await h.assertClean();
  });

  test('the SIP code branch when no cause child matches; "_" when neither does', async () => {
    const { h, alice, carol, dave, ring } = await setup();
    carol.behaviour = 'decline';
    dave.behaviour = (inv) => inv.reject(404, 'Not Found');
    await h.callflow(['803'], {
      ...ring('carol'),
      children: {
        'sip:603': {
          ...ring('dave'),
          children: {
            USER_BUSY: { module: 'hangup', data: { code: 486 } },
            _: { module: 'hangup', data: { code: 503 } },
          },
        },
      },
    });
    const v = h.dial(alice, '803');
    await h.run(50);
    assert.equal(dave.invites.length, 1, 'sip:603 branch');
    assert.equal(v.failure, 503, 'dave answered 404: neither UNALLOCATED_NUMBER nor sip:404 → "_"');
    await h.assertClean();
  });

  test('no child for the failure and no "_": the caller gets the mapped final (603)', async () => {
    const { h, alice, carol, ring } = await setup();
    carol.behaviour = 'decline';
    await h.callflow(['804'], ring('carol'));
    const v = h.dial(alice, '804');
    await h.run(50);
    assert.equal(v.failure, 603);
    await h.assertClean();
  });

  test('a failure branch playing the busy tone: ringd answers, plays it, then hangs up', async () => {
    const { h, alice, carol, ring } = await setup();
    carol.behaviour = 'busy';
    await h.callflow(['805'], {
      ...ring('carol'),
      children: { USER_BUSY: { module: 'play_tone', data: { tone: 'busy', duration: 2000 } } },
    });
    const v = h.dial(alice, '805');
    await h.run(50);
    assert.ok(v.session, 'answered by ringd');
    const callerEp = h.media.facing('10.0.0.1');
    assert.deepEqual(callerEp.playing(), ['busy'], 'the caller hears the busy tone');
    assert.equal(h.media.plays.at(-1)!.opts.codec.name, 'PCMU');
    await h.run(1_900);
    assert.deepEqual(v.ended, [], 'still playing');
    await h.run(200);
    assert.deepEqual(v.ended, ['remote-bye'], 'the flow ended: BYE from ringd');
    await h.assertClean();
    const [caller] = await h.rows();
    assert.deepEqual([caller.status, caller.hangup_by, caller.hangup_reason], ['hangup', 'local', 'normal']);
  });

  test('the caller hanging up during a tone ends the flow', async () => {
    const { h, alice, ring } = await setup();
    await h.callflow(['806'], {
      module: 'play_tone',
      data: { tone: 'ring', duration: 60_000 },
      children: { _: ring('carol') },
    });
    const v = h.dial(alice, '806');
    await h.run(50);
    assert.deepEqual(h.media.all[0].playing(), ['ringback']);
    void v.session!.bye();
    await h.run(100);
    assert.equal(h.phones[1].invites.length, 0, 'the "_" child never ran');
    await h.assertClean();
  });

  test('hangup with a code; hangup without one uses the last failure', async () => {
    const { h, alice, carol, ring } = await setup();
    carol.behaviour = 'busy';
    await h.callflow(['807'], { module: 'hangup', data: { code: 486, reason: 'Nobody Home' } });
    await h.callflow(['808'], { ...ring('carol'), children: { _: { module: 'hangup', data: {} } } });
    const a = h.dial(alice, '807');
    const b = h.dial(alice, '808');
    await h.run(50);
    assert.equal(a.failure, 486);
    const res = h
      .packets(RINGD, '10.0.0.1')
      .find((p) => p.message?.kind === 'response' && (p.message as { status: number }).status === 486);
    assert.match(res?.message?.kind === 'response' ? res.message.reason : '', /Nobody Home/);
    assert.equal(b.failure, 486, 'busy → 486');
    await h.assertClean();
  });
});

describe('sub-flows', () => {
  test('a callflow node runs the other callflow, then its own "_" child', async () => {
    const { h, alice, carol, dave, ring } = await setup();
    carol.behaviour = 'busy';
    const sub = await h.callflow(['810'], ring('carol'));
    await h.callflow(['811'], { module: 'callflow', data: { id: sub }, children: { _: ring('dave') } });
    h.dial(alice, '811');
    await h.run(50);
    assert.deepEqual([carol.invites.length, dave.invites.length], [1, 1]);
    dave.answer(dave.invites[0]);
    await h.run(50);
    void h.engine.hangup(h.tenantId, h.callerLeg());
    await h.assertClean();
  });

  test('a sub-flow that bridged the call: the parent stops there', async () => {
    const { h, alice, carol, dave, ring } = await setup();
    carol.behaviour = 'answer';
    const sub = await h.callflow(['812'], ring('carol'));
    await h.callflow(['813'], { module: 'callflow', data: { id: sub }, children: { _: ring('dave') } });
    const v = h.dial(alice, '813');
    await h.run(50);
    assert.ok(v.session);
    void v.session!.bye();
    await h.run(50);
    assert.equal(dave.invites.length, 0);
    await h.assertClean();
  });

  test('a loop of callflows is cut at 50 levels: the call is refused, nobody is rung 50 times', async () => {
    const { h, alice, dave, ring } = await setup();
    const a = await h.callflow(['814'], { module: 'hangup', data: {} });
    // Now make it call itself, with a ring on the way back.
    await h.dir.callflows.update(h.tenantId, a, {
      flow: { module: 'callflow', data: { id: a }, children: { _: ring('dave') } },
    });
    const v = h.dial(alice, '814');
    await h.run(50);
    assert.equal(v.failure, 480);
    assert.equal(dave.invites.length, 0, 'the aborted execution rings nobody');
    assert.ok(h.logs.some((l) => l.msg.includes('nesting too deep')));
    await h.assertClean();
  });
});

describe('robustness', () => {
  test('an action that throws is logged with the call id and treated as continue("_")', async () => {
    const actions = defaultActions().register('play_tone', async () => {
      throw new Error('boom');
    });
    const { h, alice, dave, ring } = await setup({ actions });
    await h.callflow(['820'], { module: 'play_tone', data: {}, children: { _: ring('dave') } });
    h.dial(alice, '820');
    await h.run(50);
    assert.equal(dave.invites.length, 1, 'the "_" child ran');
    const line = h.logs.find((l) => l.msg === 'callflow action threw');
    assert.ok(line, 'logged');
    assert.equal((line.fields as { callId: string }).callId, h.callerLeg());
    await h.engine.hangup(h.tenantId, h.callerLeg());
    await h.assertClean();
  });
});

describe('matching', () => {
  test('the no_match callflow takes unmatched all-digit numbers only', async () => {
    const { h, alice, dave, ring } = await setup();
    await h.callflow(['no_match'], ring('dave'));
    const digits = h.dial(alice, '55501');
    const letters = h.dial(alice, 'sales');
    await h.run(50);
    assert.equal(dave.invites.length, 1, 'digits → no_match');
    assert.equal(letters.failure, 404, 'letters → 404');
    assert.equal(digits.failure, undefined);
    await h.engine.hangup(h.tenantId, h.callerLeg());
    await h.assertClean();
  });

  test('a pattern callflow rings', async () => {
    const { h, alice, carol, ring } = await setup();
    await h.callflow([], ring('carol'), ['^9(\\d{3})$']);
    h.dial(alice, '9123');
    await h.run(50);
    assert.equal(carol.invites.length, 1);
    assert.equal(h.request('INVITE', carol.address).get('To'), '<sip:9123@acme.example>');
    await h.engine.hangup(h.tenantId, h.callerLeg());
    await h.assertClean();
  });
});
