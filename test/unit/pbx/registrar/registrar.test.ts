/** Registrar rules of RFC 3261 §10.3, on a real store, in virtual time (stub authenticator). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { contactsOf, openEnv, T0 } from './helpers.ts';

const C1 = '<sip:alice-0x1@10.0.0.5:5060;transport=udp>';
const C2 = '<sip:alice-0x2@10.0.0.6:5062>';

describe('Registrar: REGISTER rules', () => {
  test('one contact: 200 OK listing it with expires (default 3600) and Date; binding from the source address', async () => {
    const e = await openEnv();
    try {
      const res = await e.register({ contacts: [C1] });
      assert.equal(res.status, 200, 'accepted');
      assert.deepEqual(contactsOf(res), ['<sip:alice-0x1@10.0.0.5:5060;transport=udp>;expires=3600']);
      assert.equal(res.get('date'), new Date(T0).toUTCString(), 'Date header');
      assert.ok(res.toTag, 'To tag added');
      const b = e.reg.contactsOf(e.customerId, e.deviceId);
      assert.equal(b.length, 1);
      assert.deepEqual(
        b[0].source,
        { address: '203.0.113.7', port: 40001, transport: 'UDP' },
        'NAT: the source',
      );
      assert.equal(b[0].userAgent, 'TestPhone/1.0');
      assert.equal(b[0].contact, 'sip:alice-0x1@10.0.0.5:5060;transport=udp');
      assert.equal(b[0].expiresAt, T0 + 3600_000);
      const rows = await e.store.repos.registrations.all();
      assert.equal(rows.length, 1, 'stored before the answer');
      assert.equal(rows[0].source_address, '203.0.113.7');
      assert.equal(rows[0].expires_at, T0 + 3600_000);
      assert.deepEqual(
        e.changes.map((c) => [c.op, c.cause]),
        [['add', 'register']],
      );
    } finally {
      await e.close();
    }
  });

  test('interval: contact expires param, else Expires header, else default; clamped to max', async () => {
    const e = await openEnv({ maxExpires: 1800, defaultExpires: 900 });
    try {
      let res = await e.register({ contacts: [C1 + ';expires=120'], expires: 600 });
      assert.deepEqual(
        contactsOf(res),
        ['<sip:alice-0x1@10.0.0.5:5060;transport=udp>;expires=120'],
        'param wins',
      );
      res = await e.register({ contacts: [C1], expires: 600 });
      assert.deepEqual(
        contactsOf(res),
        ['<sip:alice-0x1@10.0.0.5:5060;transport=udp>;expires=600'],
        'header',
      );
      res = await e.register({ contacts: [C1] });
      assert.deepEqual(
        contactsOf(res),
        ['<sip:alice-0x1@10.0.0.5:5060;transport=udp>;expires=900'],
        'default',
      );
      res = await e.register({ contacts: [C1], expires: 99999999999 });
      assert.deepEqual(
        contactsOf(res),
        ['<sip:alice-0x1@10.0.0.5:5060;transport=udp>;expires=1800'],
        'clamped',
      );
    } finally {
      await e.close();
    }
  });

  test('below Min-Expires → 423 with Min-Expires; nothing stored', async () => {
    const e = await openEnv({ minExpires: 60 });
    try {
      const res = await e.register({ contacts: [C1], expires: 30 });
      assert.equal(res.status, 423);
      assert.equal(res.reason, 'Interval Too Brief');
      assert.equal(res.get('min-expires'), '60');
      assert.equal(e.reg.contactsOf(e.customerId, e.deviceId).length, 0);
      assert.equal((await e.store.repos.registrations.all()).length, 0);
    } finally {
      await e.close();
    }
  });

  test('several contacts per device; expires=0 removes only that contact', async () => {
    const e = await openEnv();
    try {
      let res = await e.register({ contacts: [C1, C2 + ';expires=600'] });
      assert.equal(contactsOf(res).length, 2, 'both listed');
      res = await e.register({ contacts: [C2 + ';expires=0'] });
      assert.equal(res.status, 200);
      assert.deepEqual(
        contactsOf(res),
        ['<sip:alice-0x1@10.0.0.5:5060;transport=udp>;expires=3600'],
        'C1 left',
      );
      assert.equal((await e.store.repos.registrations.all()).length, 1, 'row of C2 deleted');
      assert.deepEqual(
        e.changes.map((c) => [c.op, c.cause]),
        [
          ['add', 'register'],
          ['add', 'register'],
          ['remove', 'unregister'],
        ],
      );
      res = await e.register({ contacts: ['<sip:nobody@10.9.9.9>;expires=0'] });
      assert.equal(res.status, 200, 'removing an unknown contact is harmless');
      assert.equal(contactsOf(res).length, 1);
    } finally {
      await e.close();
    }
  });

  test('Contact: * with Expires: 0 removes every binding of the device (only that device)', async () => {
    const e = await openEnv();
    try {
      await e.register({ contacts: [C1, C2] });
      await e.register({ user: 'bob', contacts: ['<sip:bob@10.0.0.9>'], callId: 'bob-1' });
      const res = await e.register({ contacts: ['*'], expires: 0, callId: 'other' });
      assert.equal(res.status, 200);
      assert.deepEqual(contactsOf(res), [], 'no contact left');
      assert.equal(e.reg.contactsOf(e.customerId, e.deviceId).length, 0);
      assert.equal(e.reg.contactsOf(e.customerId, e.otherDeviceId).length, 1, "bob's binding stays");
      assert.equal((await e.store.repos.registrations.all()).length, 1);
    } finally {
      await e.close();
    }
  });

  test('Contact: * with other contacts, non-zero or no Expires → 400', async () => {
    const e = await openEnv();
    try {
      await e.register({ contacts: [C1] });
      for (const o of [
        { contacts: ['*', C2], expires: 0 },
        { contacts: ['*'], expires: 60 },
        { contacts: ['*'] },
      ]) {
        const res = await e.register({ ...o, callId: 'x' });
        assert.equal(res.status, 400, `400 for ${JSON.stringify(o)}`);
      }
      assert.equal(e.reg.contactsOf(e.customerId, e.deviceId).length, 1, 'nothing removed');
    } finally {
      await e.close();
    }
  });

  test('same Call-ID with a lower or equal CSeq → 500, bindings unchanged; another Call-ID updates', async () => {
    const e = await openEnv();
    try {
      await e.register({ contacts: [C1], callId: 'c', cseq: 10, expires: 600 });
      for (const cseq of [10, 9]) {
        const res = await e.register({ contacts: [C1], callId: 'c', cseq, expires: 120 });
        assert.equal(res.status, 500, `CSeq ${cseq} refused`);
        assert.ok(res.get('retry-after'), 'Retry-After');
      }
      const star = await e.register({ contacts: ['*'], callId: 'c', cseq: 5, expires: 0 });
      assert.equal(star.status, 500, '* is aborted too when a binding has a higher CSeq');
      assert.equal(e.reg.contactsOf(e.customerId, e.deviceId)[0].expiresAt, T0 + 600_000, 'unchanged');
      const res = await e.register({ contacts: [C1], callId: 'reboot', cseq: 1, expires: 120 });
      assert.equal(res.status, 200, 'a new Call-ID (phone rebooted) updates whatever its CSeq');
      const b = e.reg.contactsOf(e.customerId, e.deviceId);
      assert.equal(b.length, 1, 'the same contact is updated, not duplicated');
      assert.equal(b[0].expiresAt, T0 + 120_000);
      assert.equal(b[0].callId, 'reboot');
      const ok = await e.register({ contacts: [C1], callId: 'reboot', cseq: 2, expires: 300 });
      assert.equal(ok.status, 200, 'a higher CSeq is accepted');
    } finally {
      await e.close();
    }
  });

  test('no Contact: a query listing the bindings, nothing changed', async () => {
    const e = await openEnv();
    try {
      await e.register({ contacts: [C1] });
      e.clock.advance(100_000);
      const res = await e.register({});
      assert.equal(res.status, 200);
      assert.deepEqual(contactsOf(res), ['<sip:alice-0x1@10.0.0.5:5060;transport=udp>;expires=3500']);
      assert.equal(e.changes.length, 1, 'no change');
    } finally {
      await e.close();
    }
  });

  test('contactsOf: highest q first, then most recent; contact URIs compared per RFC 3261 §19.1.4', async () => {
    const e = await openEnv();
    try {
      await e.register({ contacts: ['<sip:a@10.0.0.1>;q=0.5'] });
      e.clock.advance(1000);
      await e.register({ contacts: ['<sip:b@10.0.0.2>;q=0.5'] });
      e.clock.advance(1000);
      await e.register({ contacts: ['<sip:c@10.0.0.3>;q=1.0'] });
      e.clock.advance(1000);
      const res = await e.register({ contacts: ['<sip:a@10.0.0.1>;q=0.5'] });
      assert.equal(contactsOf(res).length, 3);
      assert.deepEqual(
        e.reg.contactsOf(e.customerId, e.deviceId).map((b) => b.contact),
        ['sip:c@10.0.0.3', 'sip:a@10.0.0.1', 'sip:b@10.0.0.2'],
      );
      await e.register({ contacts: ['<SIP:a@10.0.0.1>;expires=0'] });
      assert.equal(e.reg.contactsOf(e.customerId, e.deviceId).length, 2, 'equal URI (scheme case) removed');
    } finally {
      await e.close();
    }
  });

  test('malformed Expires, q or contact scheme → 400', async () => {
    const e = await openEnv();
    try {
      assert.equal((await e.register({ contacts: [C1], expires: 'soon' })).status, 400);
      assert.equal((await e.register({ contacts: [C1 + ';expires=-1'] })).status, 400);
      assert.equal((await e.register({ contacts: [C1 + ';q=2'] })).status, 400);
      assert.equal((await e.register({ contacts: ['<tel:+15551234>'] })).status, 400);
      assert.equal(e.reg.stats().bindings, 0);
    } finally {
      await e.close();
    }
  });

  test('more contacts than allowed → 403 Too Many Contacts', async () => {
    const e = await openEnv({ maxContactsPerDevice: 2 });
    try {
      await e.register({ contacts: [C1, C2] });
      const res = await e.register({ contacts: ['<sip:third@10.0.0.7>'] });
      assert.equal(res.status, 403);
      assert.equal(e.reg.stats().bindings, 2);
    } finally {
      await e.close();
    }
  });

  test('a Route to us (baresip outbound=) is accepted', async () => {
    const e = await openEnv();
    try {
      const res = await e.register({ contacts: [C1], headers: [['Route', '<sip:198.51.100.1:5060;lr>']] });
      assert.equal(res.status, 200);
    } finally {
      await e.close();
    }
  });

  test('an authentication refusal is answered as the authenticator says; nothing stored', async () => {
    const e = await openEnv();
    try {
      const res = await e.register({ user: 'mallory', contacts: [C1] });
      assert.equal(res.status, 403);
      assert.equal((await e.store.repos.registrations.all()).length, 0);
    } finally {
      await e.close();
    }
  });

  test('a TCP REGISTER is bound to its TCP source', async () => {
    const e = await openEnv();
    try {
      await e.register({ contacts: [C1], source: { address: '203.0.113.9', port: 51000, transport: 'TCP' } });
      assert.deepEqual(e.reg.contactsOf(e.customerId, e.deviceId)[0].source, {
        address: '203.0.113.9',
        port: 51000,
        transport: 'TCP',
      });
    } finally {
      await e.close();
    }
  });
});

describe('Registrar: expiry, persistence, directory, lists', () => {
  test('a binding disappears at expiresAt (virtual time); its row is deleted; refresh re-arms', async () => {
    const e = await openEnv();
    try {
      await e.register({ contacts: [C1], expires: 600 });
      await e.register({ contacts: [C2], expires: 300 });
      assert.deepEqual(e.reg.stats(), { bindings: 2, timers: 2, devices: 1, pending: 0 });
      e.clock.advance(299_999);
      assert.equal(e.reg.contactsOf(e.customerId, e.deviceId).length, 2, 'both live before 300 s');
      e.clock.advance(1);
      assert.equal(e.reg.contactsOf(e.customerId, e.deviceId).length, 1, 'C2 gone at 300 s');
      await e.reg.idle();
      assert.equal((await e.store.repos.registrations.all()).length, 1, 'its row deleted');
      assert.deepEqual(e.changes.at(-1)?.op, 'remove');
      assert.deepEqual(e.changes.at(-1)?.cause, 'expired');
      // Refresh C1 at 500 s for another 600 s: still there at 700 s (its first expiry).
      e.clock.advance(200_000);
      await e.register({ contacts: [C1], expires: 600 });
      e.clock.advance(200_000);
      assert.equal(e.reg.contactsOf(e.customerId, e.deviceId).length, 1, 'refreshed binding survives');
      e.clock.advance(400_000);
      assert.equal(e.reg.contactsOf(e.customerId, e.deviceId).length, 0, 'gone at 1100 s');
      await e.reg.idle();
      assert.deepEqual(e.reg.stats(), { bindings: 0, timers: 0, devices: 0, pending: 0 }, 'nothing left');
      assert.equal((await e.store.repos.registrations.all()).length, 0);
    } finally {
      await e.close();
    }
  });

  test('restart: a new Registrar on the same store gets the bindings back', async () => {
    const e = await openEnv();
    try {
      await e.register({ contacts: [C1 + ';q=0.7', C2], expires: 600 });
      const before = e.reg.contactsOf(e.customerId, e.deviceId);
      e.reg.close();
      const r2 = await e.restart();
      const after = r2.contactsOf(e.customerId, e.deviceId);
      assert.deepEqual(
        after.map((b) => ({ ...b })),
        before.map((b) => ({ ...b })),
        'same bindings (contact, source, expiry, UA, Call-ID, CSeq, q)',
      );
      assert.equal(r2.stats().timers, 2, 'timers armed');
      e.clock.advance(600_000);
      assert.equal(r2.contactsOf(e.customerId, e.deviceId).length, 0, 'and they still expire');
      const list = r2.list(e.customerId);
      assert.equal(list.result.length, 0);
    } finally {
      await e.close();
    }
  });

  test('restart: bindings that expired while down are gone and their rows deleted', async () => {
    const e = await openEnv();
    try {
      await e.register({ contacts: [C1], expires: 120 });
      await e.register({ contacts: [C2], expires: 3600 });
      e.reg.close();
      e.clock.advance(121_000); // "down": no registrar is running timers
      const r2 = await e.restart();
      assert.deepEqual(
        r2.contactsOf(e.customerId, e.deviceId).map((b) => b.contact),
        ['sip:alice-0x2@10.0.0.6:5062'],
      );
      const rows = await e.store.repos.registrations.all();
      assert.deepEqual(
        rows.map((r) => r.contact),
        ['sip:alice-0x2@10.0.0.6:5062'],
        'expired row deleted',
      );
    } finally {
      await e.close();
    }
  });

  test('a disabled or deleted device loses its bindings (directory.onChange)', async () => {
    const e = await openEnv();
    try {
      await e.register({ contacts: [C1] });
      await e.register({ user: 'bob', contacts: ['<sip:bob@10.0.0.9>'], callId: 'b' });
      await e.dir.devices.update(e.customerId, e.deviceId, { enabled: false });
      assert.equal(e.reg.contactsOf(e.customerId, e.deviceId).length, 0, 'disabled → dropped at once');
      await e.dir.devices.delete(e.customerId, e.otherDeviceId, { force: true });
      assert.equal(e.reg.contactsOf(e.customerId, e.otherDeviceId).length, 0, 'deleted → dropped');
      await e.reg.idle();
      assert.equal((await e.store.repos.registrations.all()).length, 0, 'rows deleted');
      assert.deepEqual(
        e.changes.filter((c) => c.op === 'remove').map((c) => c.cause),
        ['device', 'device'],
      );
    } finally {
      await e.close();
    }
  });

  test('list: newest first, paginated with an opaque token; views show source and seconds left', async () => {
    const e = await openEnv();
    try {
      for (let i = 0; i < 5; i++) {
        await e.register({ contacts: [`<sip:c${i}@10.0.1.${i}>`] });
        e.clock.advance(1000);
      }
      const p1 = e.reg.list(e.customerId, { page_size: 2 });
      assert.deepEqual(
        p1.result.map((v) => v.contact),
        ['sip:c4@10.0.1.4', 'sip:c3@10.0.1.3'],
      );
      assert.notEqual(p1.next_page_token, '');
      const p2 = e.reg.list(e.customerId, { page_size: 2, page_token: p1.next_page_token });
      const p3 = e.reg.list(e.customerId, { page_size: 2, page_token: p2.next_page_token });
      assert.deepEqual(
        [...p2.result, ...p3.result].map((v) => v.contact),
        ['sip:c2@10.0.1.2', 'sip:c1@10.0.1.1', 'sip:c0@10.0.1.0'],
      );
      assert.equal(p3.next_page_token, '', 'last page');
      const v = p1.result[0];
      assert.equal(v.sip_username, 'alice');
      assert.equal(v.source, 'udp:203.0.113.7:40001');
      assert.equal(v.user_agent, 'TestPhone/1.0');
      assert.equal(v.expires, 3599, 'registered 1 s ago for 3600 s');
      assert.match(v.tm_expire, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/);
      assert.equal(e.reg.list('00000000-0000-0000-0000-000000000001').result.length, 0, 'other tenant: none');
      assert.throws(() => e.reg.list(e.customerId, { page_token: 'garbage!' }), /page_token/);
    } finally {
      await e.close();
    }
  });

  test('close clears every timer; a REGISTER after close gets 503', async () => {
    const e = await openEnv();
    try {
      await e.register({ contacts: [C1, C2] });
      e.reg.close();
      assert.equal(e.clock.pendingTimers(), 0, 'no timer left on the clock');
      const res = await e.register({ contacts: [C1] });
      assert.equal(res.status, 503);
    } finally {
      await e.close();
    }
  });

  test('handle returns false for other methods', async () => {
    const e = await openEnv();
    try {
      const { SipRequest } = await import('../../../../src/sip/message/index.ts');
      const req = new SipRequest('OPTIONS', 'sip:x@y', [['Call-ID', 'x']]);
      assert.equal(e.reg.handle(req, {} as never, {} as never), false);
    } finally {
      await e.close();
    }
  });
});
