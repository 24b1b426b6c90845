/**
 * A ring group of three real phones (issue 5): four baresip processes register with digest; alice dials the
 * group's number, bob, carol and dave ring at once, carol answers and hears alice's 440 Hz through ringd's
 * relay (frequency checked on carol's recording), bob and dave are cancelled and never get media. The
 * groupcall and its legs are checked over REST and the WebSocket events at the end.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectEvents } from '../support/event-client.ts';
import { dominantFrequency } from './support/audio.ts';
import { startBaresip, type Baresip } from './support/baresip.ts';
import { sleep } from './support/phone-process.ts';
import { eventOf, NIL_UUID, timeline, type CallJson, type GroupcallJson } from './support/group-node.ts';
import { startPhoneNode, type PhoneNode } from './support/phone-node.ts';

const TALK_MS = 2_000;
const USERS = ['alice', 'bob', 'carol', 'dave'] as const;

describe('a ring group of three baresip phones through ringd', { timeout: 90_000 }, () => {
  let node: PhoneNode;
  const ids = new Map<string, string>();

  async function post<T>(path: string, body: unknown): Promise<T> {
    const res = await fetch(`${node.ringd.http}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${node.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 200, `POST ${path}: ${await res.clone().text()}`);
    return (await res.json()) as T;
  }

  before(async () => {
    node = await startPhoneNode(USERS.map((user, i) => ({ user, extension: String(101 + i) })));
    const devices = await node.get<{ result: Array<{ id: string; sip_username: string }> }>('/v1.0/devices');
    for (const d of devices.result) ids.set(d.sip_username, d.id);
    await post('/v1.0/callflows', {
      numbers: ['600'],
      flow: {
        module: 'ring_group',
        data: {
          name: 'Support',
          strategy: 'simultaneous',
          endpoints: ['bob', 'carol', 'dave'].map((u) => ({ id: ids.get(u), endpoint_type: 'device' })),
        },
      },
    });
  });
  after(async () => {
    await node?.stop();
  });

  test('alice calls the group; carol answers and hears alice’s 440 Hz; bob and dave are cancelled', async (t) => {
    const account = (user: string) => {
      const a = node.accounts.get(user)!;
      return { user: a.user, password: a.password, domain: node.domain, registrar: node.sipAddress };
    };
    const tones: Record<string, number> = { alice: 440, bob: 520, carol: 880, dave: 660 };
    const phones = new Map<string, Baresip>();
    t.after(() => Promise.allSettled([...phones.values()].map((p) => p.stop())));
    for (const user of USERS)
      phones.set(
        user,
        await startBaresip({ name: user, account: account(user), tone: { freq: tones[user] } }),
      );
    const [alice, bob, carol, dave] = USERS.map((u) => phones.get(u)!);
    for (const p of phones.values()) await p.waitFor('REGISTER_OK', 5_000);
    const events = await connectEvents(node.ringd.http, { key: node.apiKey });
    t.after(() => events.close());

    assert.ok((await alice.dial(`sip:600@${node.domain}`)).ok, 'dial accepted');
    for (const p of [bob, carol, dave]) await p.waitFor('CALL_INCOMING', 5_000);
    await alice.waitFor('CALL_RINGING', 5_000);
    assert.ok((await carol.accept()).ok, 'carol accepts');
    await alice.waitFor('CALL_ESTABLISHED', 5_000);
    await carol.waitFor('CALL_ESTABLISHED', 5_000);
    const bobClosed = await bob.waitFor('CALL_CLOSED', 5_000);
    const daveClosed = await dave.waitFor('CALL_CLOSED', 5_000);
    await carol.waitFor('CALL_RTPESTAB', 5_000);
    await sleep(TALK_MS);
    assert.ok((await alice.hangup()).ok, 'alice hangs up');
    await alice.waitFor('CALL_CLOSED', 5_000);
    await carol.waitFor('CALL_CLOSED', 5_000);

    const [atCarol] = await carol.recordings(5_000);
    const heard = await dominantFrequency(atCarol);
    assert.ok(heard.seconds >= 1, `carol's recording is too short (${heard.seconds.toFixed(2)} s)`);
    assert.ok(heard.rms > 0.05, `carol's recording is (nearly) silent (rms ${heard.rms.toFixed(4)})`);
    assert.ok(Math.abs(heard.freq - 440) <= 5, `carol heard ${heard.freq.toFixed(1)} Hz, expected 440 ± 5`);
    for (const p of [bob, dave]) {
      assert.equal(
        p.events().filter((e) => e.type === 'CALL_ESTABLISHED').length,
        0,
        `${p.name} never answered`,
      );
      assert.deepEqual(p.recordingPaths(), [], `${p.name} got no media`);
    }
    t.diagnostic(
      `bob's call closed with "${bobClosed.param ?? ''}", dave's with "${daveClosed.param ?? ''}"`,
    );

    const created = await eventOf(events, (m) => m.type === 'groupcall_created');
    const id: string = created.data.id;
    await eventOf(events, (m) => m.type === 'groupcall_hangup' && m.data.id === id);
    const gc = await node.get<GroupcallJson>(`/v1.0/groupcalls/${id}`);
    const legs: CallJson[] = [];
    for (const c of gc.call_ids) legs.push(await finished(c));
    const legOf = (user: string) => legs.find((l) => l.destination.target === ids.get(user))!;
    assert.deepEqual(
      gc.call_ids,
      ['bob', 'carol', 'dave'].map((u) => legOf(u)?.id),
    );
    assert.deepEqual(
      [gc.status, gc.ring_method, gc.answer_call_id, gc.call_count, gc.master_groupcall_id],
      ['hangup', 'ring_all', legOf('carol').id, 0, NIL_UUID],
    );
    assert.equal(gc.source.target, ids.get('alice'));
    assert.deepEqual(
      gc.destinations.map((d) => [d.type, d.target_name]),
      [
        ['device', 'bob'],
        ['device', 'carol'],
        ['device', 'dave'],
      ],
    );
    assert.deepEqual([legOf('carol').hangup_by, legOf('carol').hangup_reason], ['local', 'normal']);
    for (const u of ['bob', 'dave'])
      assert.deepEqual([legOf(u).hangup_by, legOf(u).hangup_reason], ['local', 'cancel'], u);
    assert.deepEqual(timeline(events.messages, id), [
      'groupcall_created',
      'groupcall_progressing',
      'groupcall_hangup',
    ]);
  });

  async function finished(callId: string): Promise<CallJson> {
    for (let i = 0; i < 50; i++) {
      const c = await node.get<CallJson>(`/v1.0/calls/${callId}`);
      if (c.status === 'hangup') return c;
      await sleep(100);
    }
    throw new Error(`call ${callId} did not end`);
  }
});
