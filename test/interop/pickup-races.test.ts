/**
 * The races of pickup.md step 4 over real sockets, through the real ringd process (the setup of
 * support/pickup-suite.ts): two pickers at the same moment, a picker and a member answering at the same
 * moment, the caller hanging up while the pickup is in flight. Each race runs several rounds; every round
 * must end with exactly one winner told on the wire, and nothing left live.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it, type TestContext } from 'node:test';
import { PASSWORD } from '../../bench/support/ringd-bench.ts';
import { header, SipUa } from '../../bench/support/sip-ua.ts';
import { connectEvents, type EventClient } from '../support/event-client.ts';
import {
  assertPassed,
  cancelReason,
  COMPLETED_ELSEWHERE,
  eventOf,
  type GroupNode,
  sleep,
  summary,
  type CallJson,
  type GroupcallJson,
  type Phone,
} from './support/group-node.ts';
import {
  finalAnswer,
  NO_CALL,
  pick,
  PICKED,
  ringing,
  startPickedCaller,
  startPicker,
  inMicrotasks,
  within,
} from './support/pickup.ts';
import { GROUP, pickupSuite } from './support/pickup-suite.ts';
import { WireCaller, WireMember } from './support/wire-ua.ts';
import type { SippProcess, SippRun } from './support/sipp.ts';

describe('pickup races through ringd, SIPp and wire UAs', { timeout: 300_000 }, () => {
  const suite = pickupSuite();
  let g: GroupNode;
  let m1: Phone;
  let m2: Phone;
  let m3: Phone;
  let picker: Phone;
  let picker2: Phone;
  let events: EventClient;
  const { ringMembers, bound, incomingCallOf } = suite;
  beforeEach(() => {
    ({ g, m1, m2, m3, picker, picker2, events } = suite);
  });

  /** What one race round started: stopped (SIPp killed, UAs closed) when the round ends. */
  type Owned = { kill(): void; done: Promise<unknown> } | { close(): void };

  /**
   * `n` rounds of `round(r, own)`; what it hands to `own` is stopped after its round, pass or fail. Each
   * round starts with a fresh events stream (the next caller call is found by its `call_created`), and the
   * rounds' outcomes go to the test's diagnostic.
   */
  async function rounds(
    t: TestContext,
    n: number,
    round: (r: number, own: <T extends Owned>(x: T) => T) => Promise<string>,
  ): Promise<void> {
    const outcomes: string[] = [];
    for (let i = 0; i < n; i++) {
      const owned: Owned[] = [];
      try {
        outcomes.push(await round(i, (x) => (owned.push(x), x)));
      } finally {
        for (const x of owned) {
          if ('kill' in x) x.kill();
          else x.close();
        }
        await Promise.all(owned.map((x) => ('done' in x ? x.done : undefined)));
      }
      await events.close();
      suite.events = events = await connectEvents(g.http, { key: g.apiKey });
    }
    t.diagnostic(`outcomes by round: ${outcomes.join(', ')}`);
  }

  /** Each member's SIPp passed, and its CANCEL said "completed elsewhere" (`first` = its number). */
  async function cancelledElsewhere(members: SippProcess[], r: string, first = 1): Promise<void> {
    for (const [i, run] of (await Promise.all(members.map((m) => m.done))).entries()) {
      assertPassed(`m${i + first} of ${r}`, run);
      assert.equal(cancelReason(run), COMPLETED_ELSEWHERE, `m${i + first} of ${r}`);
    }
  }

  it('two pickers whose authenticated INVITEs leave in the same tick: exactly one gets 200, the other 480 (5 rounds)', async (t) => {
    // SIPp processes start a few ms apart, which may let the first pickup finish before the second
    // arrives; two UAs of this process that send their credentials in the same tick put both INVITEs in
    // ringd's socket together, so the second is handled while the first is in flight.
    const server = g.sipAddress;
    const uas = await Promise.all(
      [picker, picker2].map((p) =>
        SipUa.open({ server, domain: g.node.domain, user: p.name, password: PASSWORD }),
      ),
    );
    t.after(() => uas.forEach((u) => u.close()));
    await rounds(t, 5, async (round, own) => {
      const members = await Promise.all([m1, m2, m3].map((p) => g.member(p, { kind: 'ring' }).then(own)));
      const caller = own(await startPickedCaller(g, GROUP));
      await ringing(events, GROUP, 3, { caller, g });
      let arrived = 0;
      let release!: () => void;
      const both = new Promise<void>((r) => (release = r));
      const barrier = () => {
        if (++arrived === 2) release();
        return both;
      };
      const results = await Promise.all(uas.map((u) => u.invite(`*87${GROUP}`, { beforeAuth: barrier })));
      const answers = results.map((r) => `${r.final.status} ${r.final.reason}`);
      assert.deepEqual(
        [...answers].sort(),
        [PICKED, NO_CALL].sort(),
        `round ${round + 1}: ${answers.join(' / ')}`,
      );
      const winner = results.findIndex((r) => r.final.status === 200);
      await sleep(200);
      assert.equal(await uas[winner].bye(results[winner].dialog!), 200, 'the winner hangs up');
      assertPassed(`caller of round ${round + 1}`, await caller.done);
      await cancelledElsewhere(members, `round ${round + 1}`);
      return winner === 0 ? 'picker' : 'picker2';
    });
  });

  it('two pickers for one ringing call at the same moment: exactly one gets 200, the other 480 (5 rounds)', async (t) => {
    await rounds(t, 5, async (round, own) => {
      const members = await Promise.all([m1, m2, m3].map((p) => g.member(p, { kind: 'ring' }).then(own)));
      const caller = own(await startPickedCaller(g, GROUP));
      await ringing(events, GROUP, 3, { caller, g });
      const pickers = await Promise.all([
        startPicker(g, picker, `*87${GROUP}`).then(own),
        startPicker(g, picker2, `*87${GROUP}`).then(own),
      ]);
      const runs: SippRun[] = await Promise.all(pickers.map((p) => p.done));
      runs.forEach((r, i) => assertPassed(`picker ${i + 1} of round ${round + 1}`, r));
      const answers = runs.map(finalAnswer);
      assert.deepEqual(
        [...answers].sort(),
        [PICKED, NO_CALL].sort(),
        `round ${round + 1}: ${answers.join(' / ')}`,
      );
      assertPassed(`caller of round ${round + 1}`, await caller.done);
      await cancelledElsewhere(members, `round ${round + 1}`);
      return answers[0] === PICKED ? 'picker' : 'picker2';
    });
  });

  /** Opens the picker's own UA (closed when the test ends). */
  async function pickerUa(t: TestContext, p: Phone = picker): Promise<SipUa> {
    const ua = await SipUa.open({
      server: g.sipAddress,
      domain: g.node.domain,
      user: p.name,
      password: PASSWORD,
    });
    t.after(() => ua.close());
    return ua;
  }

  /** Every call record of the node is `hangup` (polled: records are written behind the call path). */
  async function nothingLive(what: string): Promise<void> {
    let calls: CallJson[] = [];
    for (let i = 0; i < 50; i++) {
      calls = (await g.api<{ result: CallJson[] }>('GET', '/v1.0/calls?page_size=100')).result;
      if (calls.every((c) => c.status === 'hangup')) return;
      await sleep(100);
    }
    assert.fail(`${what}: calls not hung up: ${JSON.stringify(calls.filter((c) => c.status !== 'hangup'))}`);
  }

  it('a picker and a member answering in the same tick: exactly one is bridged, the loser is told on the wire (6 rounds)', async (t) => {
    // m1 is a UA of this process on the port it registered from, so its 200 leaves in the very tick the
    // picker's authenticated INVITE does: before it in even rounds, just after it (a few microtasks) in odd.
    const ua = await pickerUa(t);
    await rounds(t, 6, async (round, own) => {
      const r = `round ${round + 1}`;
      const member = own(await WireMember.open(g.sipAddress, m1.port));
      const others = await Promise.all([m2, m3].map((p) => g.member(p, { kind: 'ring' }).then(own)));
      const caller = own(await startPickedCaller(g, GROUP));
      const { callerCallId, legIds } = await ringing(events, GROUP, 3, { caller, g });
      await member.invited();
      const m1Leg = (
        await eventOf(
          events,
          (m) =>
            m.type === 'call_ringing' &&
            legIds.includes(m.data.id as string) &&
            m.data.destination?.target === m1.id,
        )
      ).data.id as string;
      assert.ok(m1Leg, `${r}: one of the legs rings m1: ${legIds.join(', ')}`);

      const memberFirst = round % 2 === 0;
      let answered = false;
      const result = await within(
        ua.invite(`*87${GROUP}`, {
          beforeAuth: () => {
            if (memberFirst) answered = member.answer();
            else inMicrotasks(8, () => (answered = member.answer()));
            return Promise.resolve();
          },
        }),
        10_000,
        `${r}: the picker's INVITE`,
      );
      assert.ok(answered, `${r}: m1 sent its 200 (no CANCEL came before): ${member.wire()}`);
      const answer = `${result.final.status} ${result.final.reason}`;
      const pickerWon = result.final.status === 200;
      let outcome = `${pickerWon ? 'picker' : 'member'}${memberFirst ? ' (200 first)' : ' (INVITE first)'}`;
      if (pickerWon) {
        // m1's 200 lost: ringd ACKs and BYEs it, after a CANCEL saying why when the CANCEL crossed the 200.
        await member.waitFor((m) => m.method === 'BYE', `${r}: ringd hangs up m1's late 200`);
        const seq = member.requestsIn();
        assert.ok(
          ['INVITE,ACK,BYE', 'INVITE,CANCEL,ACK,BYE'].includes(seq.join()),
          `${r}: m1 (lost): ${member.wire()}`,
        );
        const cancel = member.trace.find((l) => l.dir === '<' && l.msg.method === 'CANCEL');
        outcome += ` [m1: ${seq.join(' ')}]`;
        if (cancel) assert.equal(header(cancel.msg, 'reason'), COMPLETED_ELSEWHERE, `${r}: ${member.wire()}`);
        await sleep(200);
        assert.equal(await within(ua.bye(result.dialog!), 8_000, `${r}: picker's BYE`), 200);
      } else {
        assert.equal(answer, NO_CALL, `${r}: the picker lost to m1's answer`);
        await member.waitFor((m) => m.method === 'ACK', `${r}: ringd ACKs m1's 200`);
        await sleep(200);
        assert.deepEqual(member.requestsIn(), ['INVITE', 'ACK'], `${r}: m1 (won): ${member.wire()}`);
        assert.equal(await member.bye(), 200, `${r}: m1 hangs up`);
      }

      const callerRun = await caller.done;
      assertPassed(`caller of ${r} (answered, then BYE from ringd)`, callerRun);
      assert.deepEqual(callerRun.logs, ['ANSWERED', 'BYE']);
      await cancelledElsewhere(others, r, 2);

      const created = await eventOf(
        events,
        (m) => m.type === 'groupcall_created' && m.data.master_call_id === callerCallId,
      );
      const id = created.data.id as string;
      await eventOf(events, (m) => m.type === 'groupcall_hangup' && m.data.id === id);
      const gc = await g.api<GroupcallJson>('GET', `/v1.0/groupcalls/${id}`);
      const winner = pickerWon ? await incomingCallOf(picker) : m1Leg;
      assert.equal(gc.answer_call_id, winner, `${r} (${answer}): ${JSON.stringify(gc)}`);
      const pickups = events.messages.filter((m) => m.type === 'call_pickup');
      assert.equal(pickups.length, pickerWon ? 1 : 0, `${r}: ${summary(events.messages)}`);
      const callerLeg = await g.finishedCall(callerCallId);
      assert.deepEqual([callerLeg.hangup_by, callerLeg.hangup_reason], ['local', 'normal'], r);
      const m1Record = await g.finishedCall(m1Leg);
      if (!pickerWon) assert.deepEqual([m1Record.hangup_by, m1Record.hangup_reason], ['remote', 'normal'], r);
      await nothingLive(r);
      return outcome;
    });
  });

  it('the caller cancels in the tick the picker’s INVITE leaves: 480 and 487, or 200 and BYE; nothing is left (6 rounds)', async (t) => {
    const ua = await pickerUa(t);
    await rounds(t, 6, async (round, own) => {
      const r = `round ${round + 1}`;
      const members = await Promise.all([m1, m2, m3].map((p) => g.member(p, { kind: 'ring' }).then(own)));
      const caller = own(
        await WireCaller.open(g.sipAddress, {
          domain: g.node.domain,
          user: 'caller',
          password: PASSWORD,
          number: GROUP,
        }),
      );
      await caller.call();
      const { callerCallId } = await ringing(events, GROUP, 3, { g });
      const cancelFirst = round % 2 === 0;
      let byeToPicker!: (at: bigint) => void;
      const pickerHungUp = new Promise<bigint>((res) => (byeToPicker = res));
      const result = await within(
        ua.invite(`*87${GROUP}`, {
          onBye: () => byeToPicker(process.hrtime.bigint()),
          beforeAuth: () => {
            if (cancelFirst) caller.cancel();
            else inMicrotasks(8, () => caller.cancel());
            return Promise.resolve();
          },
        }),
        10_000,
        `${r}: the picker's INVITE`,
      );
      const answer = `${result.final.status} ${result.final.reason}`;
      const final = await caller.final();
      const cancelAnswer = await caller.cancelAnswer();
      const wire = `picker: ${answer}; caller: ${caller.wire()}`;
      let outcome = `${answer}${cancelFirst ? ' (CANCEL first)' : ' (INVITE first)'}`;
      if (result.final.status === 200) {
        // The pickup claimed the call and answered the caller before its CANCEL was handled: the CANCEL
        // gets 200 but the INVITE 200 too (RFC 3261 §9.2: the CANCEL has no effect then); the caller ACKs
        // and hangs up at once (§9.1), and ringd hangs up the picker.
        assert.equal(final.status, 200, `${r}: ${wire}`);
        const pickup = await eventOf(events, (m) => m.type === 'call_pickup');
        assert.equal(pickup.data.caller_call_id, callerCallId, `${r}: this round's call was picked`);
        const byeAt = await within(pickerHungUp, 8_000, `${r}: ringd hangs up the picker (${wire})`);
        const afterMs = Number(byeAt - result.finalAt) / 1e6;
        await caller.waitFor(
          (m) => m.status === 200 && header(m, 'cseq').endsWith('BYE'),
          `${r}: the caller's BYE is answered`,
        );
        outcome += ` + BYE after ${afterMs.toFixed(1)} ms, caller ${final.status}`;
      } else {
        assert.equal(answer, NO_CALL, `${r}: ${wire}`);
        // The caller's CANCEL was handled first: 200 + 487 for it; nothing was picked up.
        assert.equal(final.status, 487, `${r}: ${wire}`);
        assert.equal(
          events.messages.filter((m) => m.type === 'call_pickup').length,
          0,
          `${r}: ${summary(events.messages)}`,
        );
      }
      assert.equal(cancelAnswer.status, 200, `${r}: the CANCEL is answered 200: ${wire}`);
      for (const [i, run] of (await Promise.all(members.map((m) => m.done))).entries()) {
        assertPassed(`m${i + 1} of ${r} (rings until cancelled)`, run);
        const why = cancelReason(run);
        if (result.final.status === 200) assert.equal(why, COMPLETED_ELSEWHERE, `m${i + 1} of ${r}`);
        else assert.notEqual(why, COMPLETED_ELSEWHERE, `m${i + 1} of ${r}: not picked up`);
      }
      await nothingLive(`${r}: ${wire}`);
      return outcome;
    });

    // ringd is still well: an ordinary pickup right after works.
    const members = await ringMembers(t);
    const caller = await startPickedCaller(g, GROUP);
    bound(t, [caller]);
    await ringing(events, GROUP, 3, { caller, g });
    const run = await pick(g, picker, `*87${GROUP}`, 300);
    assertPassed('picker after the races', run);
    assert.equal(finalAnswer(run), PICKED);
    assertPassed('caller after the races', await caller.done);
    for (const m of await Promise.all(members.map((p) => p.done))) assertPassed('member after the races', m);
  });
});
