/** The brute-force throttle in virtual time: window, cooldown, doubling, reset on success, memory cap. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuthThrottle } from '../../../../src/pbx/auth/throttle.ts';
import { FakeClock } from '../../../../src/sip/testing/index.ts';

const A = '192.0.2.1';
const U = 'tenant:alice';

function fail(t: AuthThrottle, n: number, address = A, user: string | undefined = U): void {
  for (let i = 0; i < n; i++) t.recordFailure(address, user);
}

describe('AuthThrottle', () => {
  test('ten failures within the window block the address and the username; nine do not', () => {
    const clock = new FakeClock();
    const t = new AuthThrottle(clock);
    fail(t, 9);
    assert.equal(t.check(A, U), undefined, 'nine failures are below the limit');
    fail(t, 1);
    assert.equal(t.check(A, U), 'username', 'the tenth failure blocks the username');
    assert.equal(t.check(A, 'tenant:bob'), 'address', 'and the address for other usernames');
    assert.equal(t.check('192.0.2.99', U), 'username', 'the username is blocked from any address');
    assert.equal(t.check('192.0.2.99', 'tenant:bob'), undefined, 'others are not affected');
  });

  test('failures older than the window do not count (sliding window)', () => {
    const clock = new FakeClock();
    const t = new AuthThrottle(clock);
    fail(t, 5);
    clock.advance(30_000);
    fail(t, 4);
    clock.advance(30_001); // the first five are now older than 60 s
    fail(t, 1);
    assert.equal(t.check(A, U), undefined, 'only five failures lie within the last 60 s');
    fail(t, 5);
    assert.equal(t.check(A, U), 'username', 'ten within the window block');
  });

  test('the cooldown ends by itself, then doubles on repeat up to the cap', () => {
    const clock = new FakeClock();
    const logs: Array<{ msg: string; o?: object }> = [];
    const t = new AuthThrottle(clock, { maxCooldownMs: 200_000 }, (msg, o) => logs.push({ msg, o }));
    const durations: number[] = [];
    for (let round = 0; round < 4; round++) {
      fail(t, 10);
      const start = clock.now();
      assert.equal(t.check(A, U), 'username', `blocked in round ${round}`);
      let ms = 0;
      while (t.check(A, U) !== undefined) {
        clock.advance(1000);
        ms += 1000;
      }
      durations.push(ms);
      assert.ok(clock.now() - start <= 200_000, 'never longer than the cap');
    }
    assert.deepEqual(durations, [60_000, 120_000, 200_000, 200_000], 'cooldown 60 s, doubling, capped');
    const starts = logs.filter((l) => l.msg === 'auth throttle started');
    assert.equal(starts.length, 8, 'every start is logged (address and username, 4 rounds)');
    assert.deepEqual(
      starts[1].o,
      { scope: 'username', address: A, username: U, count: 10, cooldownMs: 60_000 },
      'the log names address, username and count',
    );
  });

  test('a long quiet period forgives earlier strikes', () => {
    const clock = new FakeClock();
    const t = new AuthThrottle(clock, { maxCooldownMs: 900_000 });
    fail(t, 10);
    clock.advance(60_000);
    clock.advance(900_001 + 1);
    fail(t, 10);
    let ms = 0;
    while (t.check(A, U) !== undefined) {
      clock.advance(1000);
      ms += 1000;
    }
    assert.equal(ms, 60_000, 'the cooldown is back to the first step');
  });

  test('a success resets the username counter', () => {
    const clock = new FakeClock();
    const t = new AuthThrottle(clock);
    fail(t, 9, '198.51.100.1');
    t.recordSuccess(A, U);
    fail(t, 9, '198.51.100.2');
    assert.equal(t.check('203.0.113.5', U), undefined, 'nine after the success: not blocked');
  });

  test('a device that authenticated from an address is not locked out by that address (office NAT)', () => {
    const clock = new FakeClock();
    const t = new AuthThrottle(clock);
    t.recordSuccess(A, 'tenant:carol');
    fail(t, 10, A, 'tenant:mallory');
    assert.equal(t.check(A, 'tenant:dave'), 'address', 'unknown usernames from the address are blocked');
    assert.equal(t.check(A, undefined), 'address', 'and requests without a username');
    assert.equal(t.check(A, 'tenant:carol'), undefined, 'the known good device keeps working');
  });

  test('memory is bounded: the least recently used entries are evicted', () => {
    const clock = new FakeClock();
    const t = new AuthThrottle(clock, { maxEntries: 100 });
    for (let i = 0; i < 1000; i++) t.recordFailure(`10.0.${i >> 8}.${i & 255}`, `tenant:u${i}`);
    for (let i = 0; i < 1000; i++) t.recordSuccess(`10.1.${i >> 8}.${i & 255}`, `tenant:v${i}`);
    const size = t.size;
    assert.ok(size.addresses <= 100, `addresses ${size.addresses} ≤ 100`);
    assert.ok(size.usernames <= 100, `usernames ${size.usernames} ≤ 100`);
    assert.ok(size.trusted <= 100, `trusted pairs ${size.trusted} ≤ 100`);
  });

  test('a burst of 16 wrong attempts (baresip) blocks for one cooldown only', () => {
    const clock = new FakeClock();
    const t = new AuthThrottle(clock);
    let refused = 0;
    for (let i = 0; i < 16; i++) {
      if (t.check(A, U) !== undefined) refused++;
      else t.recordFailure(A, U);
    }
    assert.equal(refused, 6, 'the 11th to 16th attempts are refused without counting');
    clock.advance(60_000);
    assert.equal(t.check(A, U), undefined, 'allowed again after 60 s');
  });
});
