/**
 * Ring groups and groupcalls through the real ringd process (issue 5): a node of bench/support/ringd-bench.ts
 * (a tenant with a `caller` device), provisioned further over its REST API — member devices, users and
 * callflows — with SIPp processes as the members (each registered with digest from a port of its own, then
 * a UAS started on that port per test), a SIPp caller dialing with digest, and the checks every test shares:
 * the groupcall JSON field by field, the Call records of its legs, and the events of the WebSocket
 * `/v1.0/events` grouped per resource.
 */
import assert from 'node:assert/strict';
import { NIL_UUID, NOT_YET, TIMESTAMP_PATTERN } from '../../../src/store/timestamp.ts';
import { callerArgs, PASSWORD, startBenchNode, type BenchNode } from '../../../bench/support/ringd-bench.ts';
import type { EventClient, StreamMessage } from '../../support/event-client.ts';
import { freePort } from './ports.ts';
import { describeRun, runSipp, startSipp, type SippProcess, type SippRun } from './sipp.ts';

export { NIL_UUID, NOT_YET };

/** The CANCEL `Reason` of the members that lost to an answer (RFC 3326, groupcall.md). */
export const COMPLETED_ELSEWHERE = 'SIP;cause=200;text="Call completed elsewhere"';

/** An address as the seed's struct has it: every field present. */
export interface AddressJson {
  type: string;
  target: string;
  target_name: string;
  name: string;
  detail: string;
}

/** `GET /v1.0/groupcalls/{id}`. */
export interface GroupcallJson {
  id: string;
  customer_id: string;
  owner_type: string;
  owner_id: string;
  status: string;
  flow_id: string;
  source: AddressJson;
  destinations: AddressJson[];
  master_call_id: string;
  master_groupcall_id: string;
  ring_method: string;
  answer_method: string;
  answer_call_id: string;
  call_ids: string[];
  answer_groupcall_id: string;
  groupcall_ids: string[];
  call_count: number;
  groupcall_count: number;
  dial_index: number;
  tm_create: string;
  tm_update: string;
  tm_delete: string;
}

/** `GET /v1.0/calls/{id}`. */
export interface CallJson {
  id: string;
  customer_id: string;
  flow_id: string;
  master_call_id: string;
  chained_call_ids: string[];
  groupcall_id: string;
  source: AddressJson;
  destination: AddressJson;
  status: string;
  direction: string;
  hangup_by: string;
  hangup_reason: string;
  tm_ringing: string;
  tm_progressing: string;
  tm_hangup: string;
}

/** A device provisioned for the tests; `port` is where its SIPp registered (members only). */
export interface Phone {
  id: string;
  name: string;
  port: number;
}

/** What a SIPp member does with the INVITE it gets. */
export type MemberBehaviour =
  /** 180, then 200 after `afterMs`; ACK; waits for BYE (uas-answer.xml). */
  | { kind: 'answer'; afterMs: number }
  /** 180, then 200 at once; after `holdMs` it hangs up itself (uas-answer-bye.xml). */
  | { kind: 'answer-hangup'; holdMs: number }
  /** 200 at once, no provisional; ACK; waits for BYE; logs when ACK and BYE came (uas-answer-now.xml). */
  | { kind: 'answer-now' }
  /** 180, then waits for CANCEL → 200 + 487 → ACK; logs the CANCEL's Reason (uas-ring-cancel.xml). */
  | { kind: 'ring' }
  /** 180 → 486 → ACK (uas-busy.xml). */
  | { kind: 'busy' };

const SCENARIO: Record<MemberBehaviour['kind'], string> = {
  answer: 'uas-answer.xml',
  'answer-hangup': 'uas-answer-bye.xml',
  'answer-now': 'uas-answer-now.xml',
  ring: 'uas-ring-cancel.xml',
  busy: 'uas-busy.xml',
};

/** How the caller's call ends (its scenario). */
export type CallerOutcome =
  /** Answered; BYE after `holdMs` (uac-auth-call.xml). */
  | { kind: 'answered'; holdMs: number }
  /** 486 Busy Here (uac-auth-busy.xml). */
  | { kind: 'busy' }
  /** 180, then CANCEL after `afterMs` (uac-auth-cancel.xml). */
  | { kind: 'cancel'; afterMs: number };

const CALLER_SCENARIO: Record<CallerOutcome['kind'], string> = {
  answered: 'uac-auth-call.xml',
  busy: 'uac-auth-busy.xml',
  cancel: 'uac-auth-cancel.xml',
};

/** Bound of every SIPp process of a test (it fails when its scenario does not complete by then). */
const SIPP_TIMEOUT_MS = 20_000;

/** A ringd node with REST provisioning and SIPp members. */
export class GroupNode {
  readonly customerId: string;
  readonly caller: Phone;

  private constructor(
    readonly node: BenchNode,
    caller: { id: string; customer_id: string },
  ) {
    this.customerId = caller.customer_id;
    this.caller = { id: caller.id, name: 'caller', port: 0 };
  }

  static async start(): Promise<GroupNode> {
    const node = await startBenchNode({ RINGD_LOG_LEVEL: 'warn' });
    try {
      const page = await rest<{ result: Array<{ id: string; customer_id: string; sip_username: string }> }>(
        node,
        'GET',
        '/v1.0/devices?page_size=10',
      );
      const caller = page.result.find((d) => d.sip_username === 'caller');
      assert.ok(caller, 'the bench node has a caller device');
      return new GroupNode(node, caller);
    } catch (e) {
      await node.stop();
      throw e;
    }
  }

  get http(): string {
    return this.node.ringd.http;
  }

  get apiKey(): string {
    return this.node.apiKey;
  }

  /** A REST request with the tenant's key; anything but 200 throws with the answer. */
  api<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    return rest<T>(this.node, method, path, body);
  }

  async user(name: string): Promise<string> {
    return (await this.api<{ id: string }>('POST', '/v1.0/users', { name })).id;
  }

  /** A device; registered with digest from a fresh port (where its SIPp member will listen) unless `register: false`. */
  async phone(name: string, opts: { ownerId?: string; register?: boolean } = {}): Promise<Phone> {
    const d = await this.api<{ id: string }>('POST', '/v1.0/devices', {
      name,
      sip_username: name,
      sip_password: PASSWORD,
      ...(opts.ownerId ? { owner_id: opts.ownerId } : {}),
    });
    if (opts.register === false) return { id: d.id, name, port: 0 };
    const port = await freePort();
    const reg = await runSipp({
      scenario: 'register-auth.xml',
      remote: this.sipAddress,
      transport: 'udp',
      port,
      service: name,
      timeoutMs: 10_000,
      extraArgs: ['-au', name, '-ap', PASSWORD, '-auth_uri', this.node.domain, '-inf', this.node.calleeInf],
    });
    assert.equal(reg.code, 0, `${name} REGISTER with digest: ${describeRun(reg)}`);
    return { id: d.id, name, port };
  }

  async callflow(numbers: string[], flow: unknown): Promise<string> {
    return (await this.api<{ id: string }>('POST', '/v1.0/callflows', { numbers, flow })).id;
  }

  get sipAddress(): string {
    return `127.0.0.1:${this.node.ringd.sipPort}`;
  }

  /** Starts the SIPp UAS of `phone` (one call) on the port it registered from. */
  member(phone: Phone, b: MemberBehaviour): Promise<SippProcess> {
    const pause = b.kind === 'answer' ? b.afterMs : b.kind === 'answer-hangup' ? b.holdMs : 0;
    return startSipp({
      scenario: SCENARIO[b.kind],
      transport: 'udp',
      port: phone.port,
      calls: 1,
      timeoutMs: SIPP_TIMEOUT_MS,
      logs: b.kind === 'ring' || b.kind === 'answer-now',
      extraArgs: ['-d', String(pause)],
    });
  }

  /** The caller dials `number` with digest and runs to the end of its scenario. */
  call(number: string, outcome: CallerOutcome): Promise<SippRun> {
    const pause =
      outcome.kind === 'answered' ? outcome.holdMs : outcome.kind === 'cancel' ? outcome.afterMs : 0;
    return runSipp({
      scenario: CALLER_SCENARIO[outcome.kind],
      remote: this.sipAddress,
      transport: 'udp',
      calls: 1,
      service: number,
      timeoutMs: SIPP_TIMEOUT_MS,
      extraArgs: callerArgs(this.node, pause, number),
    });
  }

  /** A Call record once it is `hangup` (records are written behind the call path: polled, bounded). */
  async finishedCall(id: string): Promise<CallJson> {
    let last: unknown;
    for (let i = 0; i < 60; i++) {
      const res = await fetch(`${this.http}/v1.0/calls/${id}`, {
        headers: { authorization: `Bearer ${this.apiKey}` },
      });
      last = await res.json();
      if (res.status === 200 && (last as CallJson).status === 'hangup') return last as CallJson;
      await sleep(100);
    }
    throw new Error(`call ${id} did not reach hangup: ${JSON.stringify(last)}`);
  }

  async stop(): Promise<void> {
    await this.node.stop();
  }
}

async function rest<T>(
  node: BenchNode,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${node.ringd.http}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${node.apiKey}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** Every SIPp process exited 0 (the whole scenario ran), with its output when not. */
export function assertPassed(what: string, run: SippRun): void {
  assert.equal(run.code, 0, `${what}: ${describeRun(run)}`);
}

/** The Reason header of the CANCEL a `ring` member got ('' when it had none). */
export function cancelReason(run: SippRun): string {
  const line = run.logs.find((l) => l.startsWith('CANCEL Reason:'));
  assert.ok(line !== undefined, `no CANCEL was logged: ${describeRun(run)}`);
  return line.slice('CANCEL Reason:'.length).trim();
}

/** A device's address as a groupcall lists it among its destinations. */
export function deviceAddress(p: Phone): AddressJson {
  return { type: 'device', target: p.id, target_name: p.name, name: '', detail: '' };
}

/** An address with the fields given, the others empty. */
export function addressOf(type: string, fields: Partial<Omit<AddressJson, 'type'>> = {}): AddressJson {
  return { type, target: '', target_name: '', name: '', detail: '', ...fields };
}

const GROUPCALL_FIELDS = [
  'id',
  'customer_id',
  'owner_type',
  'owner_id',
  'status',
  'flow_id',
  'source',
  'destinations',
  'master_call_id',
  'master_groupcall_id',
  'ring_method',
  'answer_method',
  'answer_call_id',
  'call_ids',
  'answer_groupcall_id',
  'groupcall_ids',
  'call_count',
  'groupcall_count',
  'dial_index',
  'tm_create',
  'tm_update',
  'tm_delete',
];

/**
 * The groupcall JSON, field by field: exactly the seed's fields, each equal to `expected`; the timestamps
 * in the seed's format, `tm_update` set (it changed after creation) and not before `tm_create`,
 * `tm_delete` not yet.
 */
export function assertGroupcall(
  actual: GroupcallJson,
  expected: Omit<GroupcallJson, 'tm_create' | 'tm_update' | 'tm_delete'>,
): void {
  assert.deepEqual(Object.keys(actual).sort(), [...GROUPCALL_FIELDS].sort(), 'the seed’s fields, no more');
  for (const [field, value] of Object.entries(expected))
    assert.deepEqual(
      actual[field as keyof GroupcallJson],
      value,
      `groupcall ${actual.id} field ${field}: ${JSON.stringify(actual, null, 1)}`,
    );
  assert.match(actual.tm_create, TIMESTAMP_PATTERN);
  assert.match(actual.tm_update, TIMESTAMP_PATTERN);
  assert.notEqual(actual.tm_update, NOT_YET, 'tm_update: the record changed after its creation');
  assert.ok(actual.tm_update >= actual.tm_create, 'tm_update is not before tm_create');
  assert.equal(actual.tm_delete, NOT_YET);
}

/**
 * The first event matching `match` among all received so far, or the next one to arrive (bounded); unlike
 * `EventClient.next`, events already read by an earlier wait count too.
 */
export async function eventOf(
  client: EventClient,
  match: (m: StreamMessage) => boolean,
  timeoutMs = 15_000,
): Promise<StreamMessage> {
  const seen = client.messages.find(match);
  if (seen !== undefined) return seen;
  try {
    return await client.next(match, timeoutMs);
  } catch {
    throw new Error(`no such event within ${timeoutMs} ms; received: ${summary(client.messages)}`);
  }
}

/** `type id` of each message, for failure messages. */
export function summary(msgs: readonly StreamMessage[]): string {
  return msgs.map((m) => `${m.type} ${m.data?.id ?? ''}`).join(', ');
}

/** The types of the events about resource `id`, in the order they arrived. */
export function timeline(messages: readonly StreamMessage[], id: string): string[] {
  return messages.filter((m) => m.data?.id === id).map((m) => m.type);
}

/** The last event of `type` about `id`. */
export function lastEvent(messages: readonly StreamMessage[], id: string, type: string): StreamMessage {
  const found = messages.filter((m) => m.data?.id === id && m.type === type).at(-1);
  assert.ok(found, `no ${type} event for ${id}`);
  return found;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
