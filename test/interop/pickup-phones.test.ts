/**
 * Call pickup with real phones through ringd (issue 6, pickup.md): baresip phones register with digest;
 * alice calls the ring group 600 (bob, carol, dave ring), and a fourth phone picks the call up by dialing a
 * pickup code: `*87600` (directed at the ring group's number), `*87` (general: the picker is a member of
 * the ring group it picks from), `88sales` (named: the ringing users are pickable in `sales`, the picker
 * may pick up from it); `*87600` with linphonec as the picker; and the REST door, `POST
 * /v1.0/calls/{id}/pickup`, ringing erin's phone, which she answers. Each time alice's tone (440 Hz) is
 * heard by the picker and the picker's tone by alice (frequency checked on the recordings), the members'
 * calls are cancelled without being answered, and a `call_pickup` event is emitted.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { connectEvents, type EventClient } from '../support/event-client.ts';
import { dominantFrequency, makeToneWav, waitWavFinished, type ToneAnalysis } from './support/audio.ts';
import { startBaresip, type Baresip } from './support/baresip.ts';
import { sleep } from './support/phone-process.ts';
import { eventOf } from './support/group-node.ts';
import { LINPHONE_EVENTS, startLinphone, type Linphone } from './support/linphone.ts';
import { startPhoneNode, type PhoneNode } from './support/phone-node.ts';
import { updateUser } from './support/pickup.ts';

const TALK_MS = 2_000;
const BARESIP_USERS = ['alice', 'bob', 'carol', 'dave', 'erin'] as const;
const TONES: Record<string, number> = { alice: 440, bob: 520, carol: 580, dave: 660, erin: 880, frank: 600 };
/** The ring group every test calls; erin is a member only of 601 (for the general pickup). */
const GROUP = '600';
const GROUP_WITH_ERIN = '601';

function assertTone(a: ToneAnalysis, freq: number, what: string): void {
  assert.ok(a.seconds >= 1, `${what}: recording too short (${a.seconds.toFixed(2)} s)`);
  assert.ok(a.rms > 0.05, `${what}: recording is (nearly) silent (rms ${a.rms.toFixed(4)})`);
  assert.ok(
    Math.abs(a.freq - freq) <= 5,
    `${what}: dominant frequency ${a.freq.toFixed(1)} Hz, expected ${freq} ± 5`,
  );
}

describe('call pickup with real phones through ringd', { timeout: 240_000 }, () => {
  let node: PhoneNode;
  let work: string;
  const devices = new Map<string, string>();
  const users = new Map<string, string>();
  const phones = new Map<string, Baresip>();

  async function post(path: string, body: unknown): Promise<void> {
    const res = await fetch(`${node.ringd.http}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${node.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 200, `POST ${path}: ${await res.text()}`);
  }

  const account = (user: string) => {
    const a = node.accounts.get(user)!;
    return { user: a.user, password: a.password, domain: node.domain, registrar: node.sipAddress };
  };

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'ringd-pickup-phones-'));
    node = await startPhoneNode(
      [...BARESIP_USERS, 'frank'].map((user, i) => ({ user, extension: String(101 + i) })),
    );
    const ds = await node.get<{ result: Array<{ id: string; sip_username: string }> }>('/v1.0/devices');
    for (const d of ds.result) devices.set(d.sip_username, d.id);
    const us = await node.get<{ result: Array<{ id: string; name: string }> }>('/v1.0/users');
    for (const u of us.result) users.set(u.name, u.id);
    const endpoint = (u: string, extra: object = {}) => ({
      id: devices.get(u),
      endpoint_type: 'device',
      ...extra,
    });
    await post('/v1.0/callflows', {
      numbers: [GROUP],
      flow: {
        module: 'ring_group',
        data: {
          name: 'Sales',
          strategy: 'simultaneous',
          endpoints: ['bob', 'carol', 'dave'].map((u) => endpoint(u)),
        },
      },
    });
    // erin is a member of this group too (so `*87` finds its calls), but rings only after a long delay.
    await post('/v1.0/callflows', {
      numbers: [GROUP_WITH_ERIN],
      flow: {
        module: 'ring_group',
        data: {
          name: 'Support',
          strategy: 'simultaneous',
          endpoints: [...['bob', 'carol', 'dave'].map((u) => endpoint(u)), endpoint('erin', { delay: 120 })],
        },
      },
    });
    for (const user of BARESIP_USERS)
      phones.set(
        user,
        await startBaresip({ name: user, account: account(user), tone: { freq: TONES[user] } }),
      );
    for (const p of phones.values()) await p.waitFor('REGISTER_OK', 5_000);
  });
  after(async () => {
    await Promise.allSettled([...phones.values()].map((p) => p.stop()));
    await node?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** The recording `phone` makes during `during` (a new dump file), once complete. */
  async function newRecording(phone: Baresip, seen: Set<string>): Promise<string> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const fresh = phone.recordingPaths().filter((p) => !seen.has(p));
      if (fresh.length > 0) {
        await waitWavFinished(fresh, Math.max(1, deadline - Date.now()));
        return fresh[fresh.length - 1];
      }
      if (Date.now() > deadline) throw new Error(`${phone.name} made no new recording`);
      await sleep(50);
    }
  }

  /** alice calls `number`; resolves once bob, carol and dave ring (and alice hears ringing). */
  async function ringTheGroup(number: string): Promise<void> {
    const alice = phones.get('alice')!;
    assert.ok((await alice.dial(`sip:${number}@${node.domain}`)).ok, 'alice dials');
    for (const u of ['bob', 'carol', 'dave']) await phones.get(u)!.waitFor('CALL_INCOMING', 5_000);
    await alice.waitFor('CALL_RINGING', 5_000);
  }

  /** After a pickup: the members' calls close unanswered. */
  async function membersCancelled(t: TestContext): Promise<void> {
    for (const u of ['bob', 'carol', 'dave']) {
      const closed = await phones.get(u)!.waitFor('CALL_CLOSED', 5_000);
      t.diagnostic(`${u}'s call closed with "${closed.param ?? ''}"`);
    }
  }

  /** Checks the call_pickup event (its kind, the picker's device) and that no member ever answered. */
  async function pickedUp(events: EventClient, t: TestContext, kind: string, picker: string): Promise<void> {
    const e = await eventOf(events, (m) => m.type === 'call_pickup');
    t.diagnostic(`call_pickup: ${JSON.stringify(e.data)}`);
    assert.deepEqual(
      [e.data.kind, e.data.picker_device_id, e.data.picker_user_id],
      [kind, devices.get(picker), users.get(picker)],
    );
    for (const u of ['bob', 'carol', 'dave'])
      assert.equal(
        phones
          .get(u)!
          .events()
          .filter((x) => x.type === 'CALL_ESTABLISHED').length,
        0,
        `${u} never answered`,
      );
  }

  /**
   * While alice's call to `number` rings the group, the baresip picker (erin) picks it up — by dialing
   * `code`, or as `pick` does it — and both sides hear each other.
   */
  async function baresipPickup(
    t: TestContext,
    number: string,
    code: string | ((erin: Baresip, events: EventClient) => Promise<void>),
    kind: string,
  ): Promise<void> {
    const alice = phones.get('alice')!;
    const erin = phones.get('erin')!;
    const events = await connectEvents(node.ringd.http, { key: node.apiKey });
    t.after(() => events.close());
    const seenAlice = new Set(alice.recordingPaths());
    const seenErin = new Set(erin.recordingPaths());
    await ringTheGroup(number);

    if (typeof code === 'string')
      assert.ok((await erin.dial(`sip:${code}@${node.domain}`)).ok, `erin dials ${code}`);
    else await code(erin, events);
    await erin.waitFor('CALL_ESTABLISHED', 5_000);
    await alice.waitFor('CALL_ESTABLISHED', 5_000);
    await membersCancelled(t);
    await erin.waitFor('CALL_RTPESTAB', 5_000);
    await sleep(TALK_MS);
    assert.ok((await erin.hangup()).ok, 'erin hangs up');
    await erin.waitFor('CALL_CLOSED', 5_000);
    await alice.waitFor('CALL_CLOSED', 5_000);

    assertTone(
      await dominantFrequency(await newRecording(erin, seenErin)),
      440,
      "alice's tone heard by erin",
    );
    assertTone(
      await dominantFrequency(await newRecording(alice, seenAlice)),
      880,
      "erin's tone heard by alice",
    );
    await pickedUp(events, t, kind, 'erin');
  }

  test(
    '*87<group number>: erin picks up alice’s call to the ring group and hears alice’s 440 Hz',
    { timeout: 45_000 },
    (t) => baresipPickup(t, GROUP, `*87${GROUP}`, 'directed'),
  );

  test('*87 (general): erin, a member of the ring group, picks up its call', { timeout: 45_000 }, (t) =>
    baresipPickup(t, GROUP_WITH_ERIN, '*87', 'general'),
  );

  test(
    '*87<group number> with linphonec as the picker: frank hears alice’s 440 Hz, alice frank’s 600 Hz',
    { timeout: 60_000 },
    async (t) => {
      const alice = phones.get('alice')!;
      const tone = join(work, 'frank-600.wav');
      const heard = join(work, 'frank-heard.wav');
      await makeToneWav(tone, TONES.frank, 8);
      const frank: Linphone = await startLinphone({
        name: 'frank',
        account: { ...account('frank'), proxy: node.sipAddress },
        playFile: tone,
        recordFile: heard,
      });
      t.after(() => frank.stop());
      await frank.waitRegistered(8_000);
      const events = await connectEvents(node.ringd.http, { key: node.apiKey });
      t.after(() => events.close());
      const seenAlice = new Set(alice.recordingPaths());
      await ringTheGroup(GROUP);

      frank.call(`sip:*87${GROUP}@${node.domain}`);
      await frank.waitFor(LINPHONE_EVENTS.connected, 5_000);
      await alice.waitFor('CALL_ESTABLISHED', 5_000);
      await membersCancelled(t);
      await sleep(TALK_MS + 500);
      frank.terminate();
      await frank.waitFor(LINPHONE_EVENTS.ended, 5_000);
      await alice.waitFor('CALL_CLOSED', 5_000);

      assertTone(
        await dominantFrequency(await frank.recording(5_000)),
        440,
        "alice's tone heard by linphonec",
      );
      assertTone(
        await dominantFrequency(await newRecording(alice, seenAlice)),
        TONES.frank,
        "linphonec's tone heard by alice",
      );
      await pickedUp(events, t, 'directed', 'frank');
    },
  );

  test(
    '88sales (named groups): bob, carol and dave are pickable in sales, erin may pick up from it',
    { timeout: 45_000 },
    async (t) => {
      for (const u of ['bob', 'carol', 'dave']) {
        const r = await updateUser({ http: node.ringd.http, apiKey: node.apiKey }, users.get(u)!, {
          call_groups: ['sales'],
        });
        assert.deepEqual(r.call_groups, ['sales']);
      }
      const r = await updateUser({ http: node.ringd.http, apiKey: node.apiKey }, users.get('erin')!, {
        pickup_groups: 'sales',
      });
      assert.deepEqual(r.pickup_groups, ['sales'], 'a comma-separated string is stored as a list');
      await baresipPickup(t, GROUP, '88sales', 'named');
    },
  );

  test(
    'POST /v1.0/calls/{id}/pickup: erin’s phone rings, she answers, and she is talking with alice',
    { timeout: 45_000 },
    (t) =>
      baresipPickup(
        t,
        GROUP,
        async (erin, events) => {
          const created = await eventOf(
            events,
            (m) => m.type === 'call_created' && m.data.direction === 'incoming',
          );
          const res = await fetch(`${node.ringd.http}/v1.0/calls/${created.data.id}/pickup`, {
            method: 'POST',
            headers: { authorization: `Bearer ${node.apiKey}`, 'content-type': 'application/json' },
            body: JSON.stringify({ device_id: devices.get('erin') }),
          });
          const body = (await res.json()) as { status?: string };
          assert.equal(res.status, 200, JSON.stringify(body));
          assert.equal(body.status, 'progressing', 'the groupcall ringing erin');
          await erin.waitFor('CALL_INCOMING', 5_000);
          assert.ok((await erin.accept()).ok, 'erin answers');
        },
        'api',
      ),
  );
});
