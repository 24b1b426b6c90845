/**
 * Call pickup through the real ringd process (issue 6), on top of group-node.ts: SIPp pickers (registered
 * devices dialing a pickup code with digest, `uac-auth-pickup.xml`), a SIPp caller whose call is picked up
 * and then hung up by the far end (`uac-auth-picked.xml`), the answers the spec's table gives a picker, and
 * user updates for named call/pickup groups.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { callerArgs, PASSWORD } from '../../../bench/support/ringd-bench.ts';
import type { EventClient, StreamMessage } from '../../support/event-client.ts';
import { summary, type GroupNode, type Phone } from './group-node.ts';
import { describeRun, startSipp, type SippProcess, type SippRun } from './sipp.ts';

/** The answers pickup.md's table gives a picker ("Outcomes for the picker"), status and phrase. */
export const PICKED = '200 OK';
export const NOT_PERMITTED = '403 Pickup Not Permitted';
export const NO_TARGET = '404 No Pickup Target';
export const NO_CALL = '480 No Call To Pick Up';

/** Bound of every SIPp process of a pickup test. */
const SIPP_TIMEOUT_MS = 20_000;

/** `domain;user;` injection file for a device's SIPp (written once per user into the node's directory). */
export function injectionFile(g: GroupNode, user: string): string {
  const path = join(g.node.dir, `inf-${user}.csv`);
  writeFileSync(path, `SEQUENTIAL\n${g.node.domain};${user};\n`);
  return path;
}

/**
 * `picker` dials `code` with digest from the port it registered from (`uac-auth-pickup.xml`); when it is
 * answered it holds `holdMs`, then hangs up itself. Resolves once SIPp started; `done` when it ends.
 */
export function startPicker(g: GroupNode, picker: Phone, code: string, holdMs = 300): Promise<SippProcess> {
  return startSipp({
    scenario: 'uac-auth-pickup.xml',
    remote: g.sipAddress,
    transport: 'udp',
    port: picker.port || undefined,
    calls: 1,
    service: code,
    timeoutMs: SIPP_TIMEOUT_MS,
    logs: true,
    extraArgs: [
      '-au',
      picker.name,
      '-ap',
      PASSWORD,
      '-auth_uri',
      `${code}@${g.node.domain}`,
      '-inf',
      injectionFile(g, picker.name),
      '-d',
      String(holdMs),
    ],
  });
}

/** {@link startPicker} run to its end. */
export async function pick(g: GroupNode, picker: Phone, code: string, holdMs = 300): Promise<SippRun> {
  return (await startPicker(g, picker, code, holdMs)).done;
}

/** The final answer a picker got, `"<code> <phrase>"` (from its FINAL log line); fails when it got none. */
export function finalAnswer(run: SippRun): string {
  const line = run.logs.find((l) => l.startsWith('FINAL '));
  assert.ok(line !== undefined, `the picker got no final answer: ${describeRun(run)}`);
  return line.slice('FINAL '.length).trim();
}

/**
 * The SIPp caller dials `number` with digest, rings, and waits to be answered (by a pickup) and then hung
 * up by ringd (`uac-auth-picked.xml`). Resolves once SIPp started.
 */
export function startPickedCaller(g: GroupNode, number: string): Promise<SippProcess> {
  return startSipp({
    scenario: 'uac-auth-picked.xml',
    remote: g.sipAddress,
    transport: 'udp',
    calls: 1,
    service: number,
    timeoutMs: SIPP_TIMEOUT_MS,
    logs: true,
    extraArgs: callerArgs(g.node, 0, number), // the scenario's pauses are explicit
  });
}

/** The SIPp caller dials `number`, rings, and cancels after `afterMs` (`uac-auth-cancel.xml`). */
export function startCancellingCaller(g: GroupNode, number: string, afterMs: number): Promise<SippProcess> {
  return startSipp({
    scenario: 'uac-auth-cancel.xml',
    remote: g.sipAddress,
    transport: 'udp',
    calls: 1,
    service: number,
    timeoutMs: SIPP_TIMEOUT_MS,
    extraArgs: callerArgs(g.node, afterMs, number),
  });
}

/**
 * Waits until `count` legs of the caller call to `number` ring (a `call_ringing` event for each outgoing
 * leg whose master is that call); resolves with the caller call's id and the ringing legs' ids. With
 * `caller` (its SIPp) and `g`, a caller that ends before the legs ring fails the wait at once, and any
 * failure says what the caller's SIPp saw, ringd's log, its SIP counters and overload control's figures.
 */
export async function ringing(
  events: EventClient,
  number: string,
  count: number,
  o: { caller?: SippProcess; g?: GroupNode; timeoutMs?: number } = {},
): Promise<{ callerCallId: string; legIds: string[] }> {
  const timeoutMs = o.timeoutMs ?? 10_000;
  let ended: SippRun | undefined;
  void o.caller?.done.then((r) => (ended = r));
  const deadline = Date.now() + timeoutMs;
  const calls = (m: StreamMessage) =>
    m.type === 'call_created' &&
    m.data.direction === 'incoming' &&
    m.data.destination?.target === number &&
    !events.messages.some((h) => h.type === 'call_hangup' && h.data.id === m.data.id);
  const legsOf = (callerCallId: string) =>
    [
      ...new Set(
        events.messages
          .filter(
            (m: StreamMessage) =>
              m.type === 'call_ringing' &&
              m.data.direction === 'outgoing' &&
              m.data.master_call_id === callerCallId,
          )
          .map((m) => m.data.id as string),
      ),
    ].sort();
  let callerCallId: string | undefined;
  for (;;) {
    callerCallId ??= events.messages.find(calls)?.data.id as string | undefined;
    const legs = callerCallId === undefined ? [] : legsOf(callerCallId);
    if (callerCallId !== undefined && legs.length >= count) return { callerCallId, legIds: legs };
    const what =
      callerCallId === undefined
        ? `no call to ${number} was created`
        : `only ${legs.length} of ${count} legs of ${callerCallId} rang`;
    if (ended !== undefined)
      throw new Error(`${what} before the caller ended; ${await notRinging(events, o)}`);
    if (Date.now() > deadline)
      throw new Error(`${what} within ${timeoutMs} ms; ${await notRinging(events, o)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** What {@link ringing} reports when the legs did not ring: the events, the caller's SIPp, ringd's side. */
async function notRinging(events: EventClient, o: { caller?: SippProcess; g?: GroupNode }): Promise<string> {
  const parts = [`received: ${summary(events.messages)}`];
  if (o.caller !== undefined) {
    o.caller.kill();
    parts.push(`the caller's SIPp: ${describeRun(await o.caller.done)}`);
  }
  if (o.g !== undefined) {
    const metrics = await fetch(`${o.g.http}/metrics`)
      .then((r) => r.text())
      .catch((e: Error) => `(GET /metrics failed: ${e.message})`);
    const sip = metrics
      .split('\n')
      .filter((l) => /^ringd_(calls_refused|sip_queue|sip_requests|sip_responses|sip_inbound)/.test(l))
      .filter((l) => !l.endsWith(' 0') || l.startsWith('ringd_calls_refused'));
    parts.push(
      `ringd's SIP counters (those not 0), overload control's refusals and queue delay: ${sip.join('; ')}`,
    );
    parts.push(`ringd's log (last 3000 characters): ${o.g.node.ringd.output().slice(-3000)}`);
  }
  return parts.join('\n');
}

/** `PUT /v1.0/users/{id}` with the tenant's key; anything but 200 throws with the answer. */
export async function updateUser(g: GroupNode | { http: string; apiKey: string }, id: string, body: object) {
  const res = await fetch(`${g.http}/v1.0/users/${id}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${g.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`PUT /v1.0/users/${id} → ${res.status}: ${text}`);
  return JSON.parse(text) as { id: string; call_groups: string[]; pickup_groups: string[] };
}

/** A promise bounded by `ms` (rejects with `what` when it takes longer). */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Runs `fn` after `n` microtask turns: still in the current tick, but after what the tick queued before. */
export function inMicrotasks(n: number, fn: () => void): void {
  let p = Promise.resolve();
  for (let i = 0; i < n; i++) p = p.then(() => undefined);
  void p.then(fn);
}
