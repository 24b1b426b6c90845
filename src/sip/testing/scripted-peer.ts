/**
 * A scripted remote party on a {@link FakeNetwork}: it collects what it receives in an inbox, lets a test
 * take messages out in order and answer them, and can answer requests automatically (a phone that rings and
 * never answers, a registrar that always says 200…).
 */
import type { IdSource } from '../ids.ts';
import { sequentialIds } from '../ids.ts';
import { SipRequest, SipResponse, createResponse } from '../message/index.ts';
import type { Endpoint } from '../message/types.ts';
import type { InboundMessage } from '../transport/types.ts';
import type { FakeNetwork } from './fake-network.ts';
import type { FakeEndpointOptions, FakeTransportLayer } from './fake-transport-layer.ts';

/** A received request with its typed message. */
export type InboundRequest = InboundMessage & { message: SipRequest };
/** A received response with its typed message. */
export type InboundResponse = InboundMessage & { message: SipResponse };

/** What an auto-responder answers: a status (and reason), or nothing to leave the request in the inbox. */
export type AutoAnswer =
  number | { status: number; reason?: string; headers?: Array<[string, string]> } | undefined;

/** A test double for a phone, proxy or registrar on the fake network. */
export class ScriptedPeer {
  /** Messages received and not taken yet, oldest first. */
  readonly inbox: InboundMessage[] = [];
  private auto: ((req: SipRequest) => AutoAnswer | AutoAnswer[]) | undefined;
  private readonly toTags = new Map<string, string>();

  constructor(
    /** The peer's transport endpoint. */
    readonly layer: FakeTransportLayer,
    private readonly ids: IdSource = sequentialIds(`${layer.address}-`),
  ) {
    layer.onMessage = (m) => this.receive(m);
  }

  /** Attaches a new endpoint to `net` and scripts it. */
  static attach(net: FakeNetwork, options: FakeEndpointOptions, ids?: IdSource): ScriptedPeer {
    return new ScriptedPeer(net.attach(options), ids);
  }

  /**
   * Answers every request for which `fn` returns a status (or several, sent in order: `[180, 200]`); the
   * request is then not put in the inbox. ACKs are never answered. `undefined` removes the responder.
   */
  autoAnswer(fn: ((req: SipRequest) => AutoAnswer | AutoAnswer[]) | undefined): this {
    this.auto = fn;
    return this;
  }

  /** Takes the oldest received request (of `method`, when given); throws when there is none. */
  takeRequest(method?: string): InboundRequest {
    const i = this.inbox.findIndex(
      (m) => m.message instanceof SipRequest && (method === undefined || m.message.method === method),
    );
    if (i < 0)
      throw new Error(
        `ScriptedPeer ${this.layer.address}: no ${method === undefined ? '' : method + ' '}request received`,
      );
    return this.inbox.splice(i, 1)[0] as InboundRequest;
  }

  /** Takes the oldest received response (with `status`, when given); throws when there is none. */
  takeResponse(status?: number): InboundResponse {
    const i = this.inbox.findIndex(
      (m) => m.message instanceof SipResponse && (status === undefined || m.message.status === status),
    );
    if (i < 0)
      throw new Error(
        `ScriptedPeer ${this.layer.address}: no ${status === undefined ? '' : String(status) + ' '}response received`,
      );
    return this.inbox.splice(i, 1)[0] as InboundResponse;
  }

  /**
   * Answers a received request (§8.2.6): the same To tag for every response to the same request, a new
   * one per request. Returns the response sent.
   */
  reply(
    req: InboundRequest,
    status: number,
    reason?: string,
    opts: { headers?: Array<[string, string]>; body?: Buffer | string } = {},
  ): SipResponse {
    const key = (req.message.branch ?? '') + '|' + req.message.method;
    let tag = this.toTags.get(key);
    if (tag === undefined) {
      tag = this.ids.tag();
      this.toTags.set(key, tag);
    }
    const res = createResponse(req.message, status, reason, { toTag: tag, ...opts });
    this.layer.sendResponse(res, req.connectionId);
    return res;
  }

  /** Sends a request as it is (the caller built its Via with `layer.localEndpoint`). */
  send(req: SipRequest, dest: Endpoint): void {
    this.layer.sendRequest(req, dest);
  }

  /** A fresh Via value for a request from this peer on `transport`. */
  via(transport: 'UDP' | 'TCP' = 'UDP'): string {
    const l = this.layer.localEndpoint(transport);
    return `SIP/2.0/${l.transport} ${l.address}:${l.port};branch=${this.ids.branch()};rport`;
  }

  private receive(m: InboundMessage): void {
    const msg = m.message;
    if (this.auto !== undefined && msg instanceof SipRequest && msg.method !== 'ACK') {
      const answer = this.auto(msg);
      const list = Array.isArray(answer) ? answer : [answer];
      if (list.length > 0 && list[0] !== undefined) {
        for (const a of list) {
          if (a === undefined) continue;
          if (typeof a === 'number') this.reply(m as InboundRequest, a);
          else this.reply(m as InboundRequest, a.status, a.reason, { headers: a.headers });
        }
        return;
      }
    }
    this.inbox.push(m);
  }
}
