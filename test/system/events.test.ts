/**
 * Events end to end: the real `ringd` process, two SIP phones on ringd's own SIP core (digest REGISTER and
 * INVITE), a call from one to the other's extension hung up with BYE — and a WebSocket client of the
 * tenant sees every leg's `call_created` … `call_hangup` arrive over `GET /v1.0/events`, each `data` being
 * the Call as `GET /v1.0/calls/{id}` then returns it, while another tenant's connection sees nothing.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectEvents, type EventClient, type StreamMessage } from '../support/event-client.ts';
import { startRingdProcess, type RingdProcess } from '../support/ringd-process.ts';
import { startSipPhone, type SipPhone } from '../support/sip-phone.ts';

const DOMAIN = 'events.ringd.test';

async function rest(base: string, key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await res.json()) as Record<string, unknown>;
  assert.equal(res.status, 200, `${method} ${path}: ${JSON.stringify(json)}`);
  return json;
}

describe('events of a real call over the WebSocket (real ringd process)', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringd-events-'));
  let ringd: RingdProcess | undefined;
  const phones: SipPhone[] = [];
  const clients: EventClient[] = [];
  let key = '';
  let otherKey = '';

  before(async () => {
    ringd = await startRingdProcess({
      RINGD_DATA_DIR: dir,
      RINGD_RTP_PORT_MIN: '45000',
      RINGD_RTP_PORT_MAX: '45999',
    });
    const admin = ringd.adminKey;
    assert.ok(admin, ringd.output());
    const customer = await rest(ringd.http, admin, 'POST', '/v1.0/customers', {
      name: 'Events',
      domain: DOMAIN,
    });
    key = (await rest(ringd.http, admin, 'POST', '/v1.0/accesskeys', { customer_id: customer.id }))
      .key as string;
    const other = await rest(ringd.http, admin, 'POST', '/v1.0/customers', {
      name: 'Other',
      domain: 'other.ringd.test',
    });
    otherKey = (await rest(ringd.http, admin, 'POST', '/v1.0/accesskeys', { customer_id: other.id }))
      .key as string;
    for (const [name, ext] of [
      ['alice', '101'],
      ['bob', '102'],
    ]) {
      const user = await rest(ringd.http, key, 'POST', '/v1.0/users', { name });
      const device = await rest(ringd.http, key, 'POST', '/v1.0/devices', {
        name: `${name}'s phone`,
        owner_id: user.id,
        sip_username: name,
        sip_password: `pw-${name}-1234`,
      });
      await rest(ringd.http, key, 'POST', '/v1.0/callflows', {
        numbers: [ext],
        flow: { module: 'device', data: { id: device.id } },
      });
    }
  });
  after(async () => {
    for (const c of clients) c.ws.terminate();
    for (const p of phones) await p.close().catch(() => {});
    await ringd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('alice calls 102, bob answers, alice hangs up: every leg from call_created to call_hangup', async () => {
    const r = ringd!;
    const events = await connectEvents(r.http, { keyInQuery: key });
    const hangups = await connectEvents(r.http, { key, query: { type: 'call_hangup' } });
    const other = await connectEvents(r.http, { key: otherKey });
    clients.push(events, hangups, other);

    const proxy = { transport: 'UDP', address: '127.0.0.1', port: r.sipPort };
    const alice = await startSipPhone({
      user: 'alice',
      password: 'pw-alice-1234',
      domain: DOMAIN,
      proxy,
      rtpPort: 46000,
    });
    const bob = await startSipPhone({
      user: 'bob',
      password: 'pw-bob-1234',
      domain: DOMAIN,
      proxy,
      rtpPort: 46010,
    });
    phones.push(alice, bob);
    assert.equal(await bob.register(), 200, 'bob registers with digest');

    const session = await alice.call('102');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await session.bye();

    // Two legs: alice's (incoming) and bob's (outgoing, master_call_id = alice's), each ending in call_hangup.
    const isHangup = (m: StreamMessage) => m.type === 'call_hangup';
    await events.next(isHangup, 10_000);
    await events.next(isHangup, 10_000);
    const byLeg = new Map<string, StreamMessage[]>();
    for (const m of events.messages.slice(1)) {
      assert.equal(m.data.customer_id, events.messages[0].data.customer_id, 'only this tenant');
      // Groupcall events (the groupcall engine publishes through the same callback) are not legs.
      if (m.type.startsWith('call_')) byLeg.set(m.data.id, [...(byLeg.get(m.data.id) ?? []), m]);
    }
    assert.equal(byLeg.size, 2, JSON.stringify([...byLeg.keys()]));
    const legs = [...byLeg.values()];
    const caller = legs.find((l) => l[0].data.direction === 'incoming')!;
    const callee = legs.find((l) => l[0].data.direction === 'outgoing')!;
    assert.ok(caller && callee, 'an incoming and an outgoing leg');
    const types = (l: StreamMessage[]) => l.map((m) => m.type);
    assert.equal(types(caller)[0], 'call_created');
    assert.equal(types(caller).at(-1), 'call_hangup');
    assert.ok(types(caller).includes('call_progressing'), types(caller).join());
    assert.deepEqual(types(callee).slice(0, 4), [
      'call_created',
      'call_dialing',
      'call_ringing',
      'call_progressing',
    ]);
    assert.equal(types(callee).at(-1), 'call_hangup');
    assert.equal(callee[0].data.master_call_id, caller[0].data.id);
    assert.equal(caller.at(-1)!.data.hangup_by, 'remote', 'alice hung up');
    assert.equal(caller.at(-1)!.data.hangup_reason, 'normal');

    // `data` is the Call exactly as GET returns it (the record is written behind the call: poll until then).
    for (const leg of [caller, callee]) {
      const last = leg.at(-1)!;
      let got: Record<string, unknown> = {};
      for (let i = 0; i < 100; i++) {
        const res = await fetch(`${r.http}/v1.0/calls/${last.data.id}`, {
          headers: { authorization: `Bearer ${key}` },
        });
        got = (await res.json()) as Record<string, unknown>;
        if (res.status === 200 && got.status === 'hangup') break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.deepEqual(got, last.data);
      assert.deepEqual(Object.keys(JSON.parse(events.texts[events.messages.indexOf(last)]) as object), [
        'type',
        'data',
      ]);
    }

    // The type filter: only the two hangups; the other tenant: nothing at all.
    await hangups.next(isHangup);
    await hangups.next(isHangup);
    assert.deepEqual(types(hangups.messages.slice(1)), ['call_hangup', 'call_hangup']);
    other.send({ type: 'ping' });
    await other.next((m) => m.type === 'pong');
    assert.deepEqual(
      types(other.messages),
      ['subscribed', 'pong'],
      "another tenant never sees this tenant's call",
    );
  });

  it('GET /metrics after that call: SIP messages by method and class, nothing left, Node metrics', async () => {
    const res = await fetch(`${ringd!.http}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const value = (series: string): number | undefined => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    const req = (direction: string, method: string) =>
      value(`ringd_sip_requests_total{direction="${direction}",method="${method}"}`) ?? 0;
    const res_ = (direction: string, cls: string) =>
      value(`ringd_sip_responses_total{direction="${direction}",class="${cls}"}`) ?? 0;
    assert.ok(req('in', 'REGISTER') >= 1, 'bob registered');
    assert.ok(req('in', 'INVITE') >= 1, "alice's INVITE");
    assert.equal(req('out', 'INVITE'), 1, 'one INVITE to bob');
    assert.equal(req('in', 'BYE'), 1, "alice's BYE");
    assert.equal(req('out', 'BYE'), 1, 'relayed to bob');
    assert.ok(res_('out', '2xx') >= 3, 'REGISTER, INVITE and BYE answered 200');
    assert.ok(res_('in', '2xx') >= 2, "bob's 200 to the INVITE and to the BYE");
    assert.ok(res_('out', '4xx') >= 1, 'the digest challenges');
    assert.equal(value('ringd_calls'), 0, 'no call left');
    assert.equal(value('ringd_pickups_total{result="picked"}'), 0);
    assert.ok((value('ringd_registrations') ?? 0) >= 1);
    assert.equal(value('ringd_sip_transaction_events_total{event="timeout"}') ?? 0, 0);
    assert.ok(value('nodejs_eventloop_lag_seconds') !== undefined, 'event loop lag');
    assert.ok(value('ringd_rtp_sockets') !== undefined);
    // Overload control's probe runs in the real process: an idle ringd reads its queue in well under 100 ms.
    const delay = value('ringd_sip_queue_delay_seconds');
    assert.ok(delay !== undefined && delay >= 0 && delay < 0.1, `queue delay ${delay}`);
    assert.equal(value('ringd_calls_refused_overload_total'), 0);
    assert.ok(!text.includes('ringd_call_legs{'), 'no leg in any state');
  });

  it('SIGTERM with event clients connected: each gets 1001 SHUTTING_DOWN and ringd exits 0', async () => {
    const open = clients.filter((c) => c.ws.readyState === c.ws.OPEN);
    assert.equal(open.length, 3);
    const r = ringd!;
    ringd = undefined;
    assert.equal(await r.stop(), 0, r.output());
    for (const c of open) {
      const closed = await c.closed;
      assert.equal(closed.code, 1001);
      assert.match(closed.reason, /^SHUTTING_DOWN: /);
    }
  });
});
