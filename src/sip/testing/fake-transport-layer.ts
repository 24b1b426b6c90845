/**
 * A {@link TransportLayer} on a {@link FakeNetwork}: what the upper layers get in component tests. It
 * serializes what it sends and parses what it receives with the real parser, and applies the same inbound
 * rules as `SipTransportLayer` (received/rport stamping, stateless 400s, response Via check) through the
 * shared `processInbound`.
 *
 * Exceptions thrown by `onMessage`/`onError` propagate out of `clock.advance()` (unlike the real layer,
 * which logs them) so that a bug in the code under test fails the test loudly.
 */
import type { SipRequest, SipResponse } from '../message/index.ts';
import type { Endpoint } from '../message/types.ts';
import { processInbound } from '../transport/inbound.ts';
import type { InboundMessage, TransportError, TransportLayer } from '../transport/types.ts';
import { SentBySet, isReliableTransport, responseTarget } from '../transport/via-rules.ts';
import type { FakeNetwork } from './fake-network.ts';

/** Where an endpoint sits on the fake network. */
export interface FakeEndpointOptions {
  /** Fake IP address (any string; `10.0.0.1`…). */
  address: string;
  /** UDP port. Default 5060. */
  udpPort?: number;
  /** TCP port. Default 5060. */
  tcpPort?: number;
  /** Host advertised in `localEndpoint()` (sent-by/Contact). Default `address`. */
  advertisedHost?: string;
}

/** An endpoint of a {@link FakeNetwork}. Create it with `net.attach(...)`. */
export class FakeTransportLayer implements TransportLayer {
  /** Upper layer hook for accepted inbound messages. */
  onMessage: (m: InboundMessage) => void = () => {};
  /** Upper layer hook for delivery failures. */
  onError: (err: TransportError) => void = () => {};
  /** Fake address of this endpoint. */
  readonly address: string;
  readonly udpPort: number;
  readonly tcpPort: number;
  /** Messages this endpoint dropped on receipt, with the reason (for assertions). */
  readonly drops: Array<{ reason: string; detail?: string; bytes: Buffer }> = [];
  private readonly advertisedHost: string;
  private readonly sentBy = new SentBySet();
  private closed = false;

  /** @internal use `FakeNetwork.attach`. */
  constructor(
    private readonly net: FakeNetwork,
    options: FakeEndpointOptions,
  ) {
    this.address = options.address;
    this.udpPort = options.udpPort ?? 5060;
    this.tcpPort = options.tcpPort ?? 5060;
    this.advertisedHost = options.advertisedHost ?? options.address;
    this.sentBy
      .addHost(this.address)
      .addHost(this.advertisedHost)
      .addPort(this.udpPort)
      .addPort(this.tcpPort);
  }

  /** Whether {@link close} was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  localEndpoint(transport: string): Endpoint {
    const t = transport.toUpperCase();
    if (t === 'UDP') return { transport: 'UDP', address: this.advertisedHost, port: this.udpPort };
    if (t === 'TCP') return { transport: 'TCP', address: this.advertisedHost, port: this.tcpPort };
    throw new Error(`unsupported transport ${transport}`);
  }

  isReliable(transport: string): boolean {
    return isReliableTransport(transport);
  }

  sendRequest(req: SipRequest, dest: Endpoint): Buffer | undefined {
    const bytes = req.toBuffer();
    this.sendTo(dest, bytes, req);
    return bytes;
  }

  sendResponse(res: SipResponse, connectionId?: number): Buffer | undefined {
    const bytes = res.toBuffer();
    // §18.2.2: a reliable transport answers on the request's connection while it is open.
    if (connectionId !== undefined && this.net.sendOn(this, connectionId, bytes)) return bytes;
    const via = res.topVia;
    if (via === undefined) {
      this.failLater({ transport: 'UDP', address: '', port: 0 }, new Error('response without Via'), res);
      return undefined;
    }
    this.sendTo(responseTarget(via), bytes, res);
    return bytes;
  }

  /** Detaches from the network; in-flight packets to it are lost. Idempotent. */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.net.detach(this);
    }
    return Promise.resolve();
  }

  /** @internal bytes arriving from the network. */
  receive(bytes: Buffer, source: Endpoint, local: Endpoint, connectionId: number | undefined): void {
    if (this.closed) return;
    const outcome = processInbound(bytes, {
      source,
      local,
      connectionId,
      datagram: connectionId === undefined,
      sentBy: this.sentBy,
      toTag: () => this.net.ids.tag(),
    });
    if (outcome.kind === 'deliver') this.onMessage(outcome.inbound);
    else if (outcome.kind === 'reply' && outcome.toSource !== undefined) {
      const bytes = outcome.response.toBuffer();
      if (connectionId === undefined || !this.net.sendOn(this, connectionId, bytes))
        this.sendTo(outcome.toSource, bytes, outcome.response);
    } else if (outcome.kind === 'reply') this.sendResponse(outcome.response, connectionId);
    else this.drops.push({ reason: outcome.reason, detail: outcome.detail, bytes });
  }

  private sendTo(dest: Endpoint, bytes: Buffer, message: SipRequest | SipResponse): void {
    if (this.closed) {
      this.failLater(dest, new Error('transport closed'), message);
      return;
    }
    const t = dest.transport.toUpperCase();
    if (t === 'UDP') this.net.sendDatagram(this, bytes, dest);
    else if (t === 'TCP') this.net.sendStream(this, bytes, dest, (cause) => this.fail(dest, cause, message));
    else this.failLater(dest, new Error(`unsupported transport ${dest.transport}`), message);
  }

  private failLater(dest: Endpoint, cause: Error, message: SipRequest | SipResponse): void {
    this.net.clock.setTimer(0, () => this.fail(dest, cause, message));
  }

  private fail(dest: Endpoint, cause: Error, message: SipRequest | SipResponse): void {
    this.onError({ dest, cause, message });
  }
}
