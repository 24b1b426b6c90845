/**
 * The production transport layer (RFC 3261 §18): one UDP socket and one TCP listener on the configured
 * host, the inbound rules of `inbound.ts`, response routing by top Via (§18.2.2), and connection reuse.
 */
import type { Clock } from '../clock.ts';
import { systemClock } from '../clock.ts';
import type { IdSource } from '../ids.ts';
import { randomIds } from '../ids.ts';
import { SipParseError, SipRequest, parseMessage } from '../message/index.ts';
import { ipFamily } from '../message/ip.ts';
import type { SipResponse } from '../message/index.ts';
import type { Endpoint } from '../message/types.ts';
import { isKeepAlive, processInbound, statelessReply } from './inbound.ts';
import type { InboundContext, InboundOutcome } from './inbound.ts';
import type { FramingError } from './stream-framer.ts';
import type { TcpConnection } from './tcp-connection.ts';
import { TcpTransport } from './tcp-transport.ts';
import type { InboundMessage, TransportError, TransportLayer, TransportLogger } from './types.ts';
import { noopLogger } from './types.ts';
import { SipMessageCounts } from './message-counts.ts';
import { UdpTransport } from './udp-transport.ts';
import { SentBySet, bareHost, isReliableTransport, responseTarget } from './via-rules.ts';

/** Options of a {@link SipTransportLayer}; every field is optional. */
export interface SipTransportLayerOptions {
  /** Address both sockets bind to. Default `127.0.0.1`. */
  host?: string;
  /** UDP port; 0 lets the OS pick (read the result from `udpPort`). Default 0. */
  udpPort?: number;
  /** TCP port; 0 lets the OS pick (read the result from `tcpPort`). Default 0. */
  tcpPort?: number;
  /** Host put in our Via sent-by and Contact (e.g. a public address). Default: `host`. */
  advertisedHost?: string;
  /** Further host names/addresses a response's top Via may name and still be ours (§18.1.2). Default none. */
  aliases?: string[];
  /**
   * UDP socket buffers to ask the kernel for (receive and send), in bytes. Default 4 MiB; Linux grants at
   * most net.core.rmem_max / wmem_max (raise those on a busy server). 0 keeps the system default.
   */
  udpBufferBytes?: number;
  /** Largest header block accepted (parser and TCP framer). Default 16 384 bytes. */
  maxHeaderBytes?: number;
  /** Largest body accepted. Default 65 536 bytes. */
  maxBodyBytes?: number;
  /** Inbound TCP connections beyond this many are refused. Default 4 096. */
  maxTcpConnections?: number;
  /** A TCP connection without traffic for this long is closed. Default 300 000 ms. */
  tcpIdleTimeoutMs?: number;
  /** A TCP connection holding an incomplete message for this long is closed. Default 32 000 ms. */
  incompleteMessageTimeoutMs?: number;
  /** After answering an unframeable message, how long to wait for the peer to close. Default 2 000 ms. */
  closeLingerMs?: number;
  /** Clock for the idle/incomplete/linger timers. Default the system clock. */
  clock?: Clock;
  /** Source of To tags for stateless error responses. Default random ids. */
  ids?: IdSource;
  /** Logging hook. Default: no-op. */
  logger?: TransportLogger;
  /**
   * Read-only capture of every message handed to a socket (like a packet capture): for tests, tracing and
   * metrics. It never steers sending; an exception it throws is logged and ignored.
   */
  observer?: (sent: SentMessage) => void;
}

/** What {@link SipTransportLayerOptions.observer} sees for each message sent. */
export interface SentMessage {
  dest: Endpoint;
  bytes: Buffer;
  message: SipRequest | SipResponse;
  /** The TCP connection it went out on, when known. */
  connectionId?: number;
}

/** The real {@link TransportLayer} over `node:dgram` and `node:net`. Call {@link listen} before use. */
export class SipTransportLayer implements TransportLayer {
  /** Upper layer hook for accepted inbound messages. */
  onMessage: (m: InboundMessage) => void = () => {};
  /** Upper layer hook for delivery failures. */
  onError: (err: TransportError) => void = () => {};
  /** Messages received, sent and dropped (metrics). */
  readonly counts = new SipMessageCounts();

  private readonly host: string;
  private readonly advertisedHost: string;
  private readonly options: SipTransportLayerOptions;
  private readonly log: TransportLogger;
  private readonly ids: IdSource;
  private readonly udp: UdpTransport;
  private readonly tcp: TcpTransport;
  private readonly sentBy = new SentBySet();
  private udpLocal: Endpoint;
  private readonly toTag = (): string => this.ids.tag();
  private closing: Promise<void> | undefined;

  constructor(options: SipTransportLayerOptions = {}) {
    this.options = options;
    this.host = options.host ?? '127.0.0.1';
    this.advertisedHost = options.advertisedHost ?? this.host;
    this.log = options.logger ?? noopLogger;
    this.ids = options.ids ?? randomIds;
    this.udpLocal = { transport: 'UDP', address: this.host, port: 0 };
    this.udp = new UdpTransport(this.host, { datagram: (b, s) => this.onDatagram(b, s) }, this.log);
    this.tcp = new TcpTransport(
      this.host,
      {
        clock: options.clock ?? systemClock,
        idleTimeoutMs: options.tcpIdleTimeoutMs ?? 300_000,
        incompleteMessageTimeoutMs: options.incompleteMessageTimeoutMs ?? 32_000,
        lingerMs: options.closeLingerMs ?? 2_000,
        limits: { maxHeaderBytes: options.maxHeaderBytes, maxBodyBytes: options.maxBodyBytes },
        log: this.log,
        maxConnections: options.maxTcpConnections ?? 4096,
      },
      {
        message: (bytes, conn) => this.onStreamMessage(bytes, conn),
        framingError: (conn, err) => this.onFramingError(conn, err),
        sendFailed: (dest, cause, message) => this.reportError(dest, cause, message),
      },
    );
  }

  /** Binds the UDP socket and the TCP listener. */
  async listen(): Promise<void> {
    const udpPort = await this.udp.bind(
      this.options.udpPort ?? 0,
      this.options.udpBufferBytes ?? 4 * 1024 * 1024,
    );
    try {
      await this.tcp.listen(this.options.tcpPort ?? 0);
    } catch (err) {
      await this.udp.close();
      throw err;
    }
    this.udpLocal = { transport: 'UDP', address: this.host, port: udpPort };
    this.sentBy.addHost(this.host).addHost(this.advertisedHost).addPort(udpPort).addPort(this.tcp.port);
    for (const alias of this.options.aliases ?? []) this.sentBy.addHost(alias);
    this.log('info', 'listening', { host: this.host, udpPort, tcpPort: this.tcp.port });
  }

  /** The bound UDP port (after {@link listen}). */
  get udpPort(): number {
    return this.udp.port;
  }

  /** The bound TCP port (after {@link listen}). */
  get tcpPort(): number {
    return this.tcp.port;
  }

  /**
   * Sends a probe through the UDP socket's receive queue; `arrived` is called when it is read, so the time
   * between is how long inbound datagrams wait (see `UdpTransport.probe`). False when none could be sent.
   */
  probeQueue(arrived: () => void): boolean {
    return this.udp.probe(arrived);
  }

  /** Number of open TCP connections. */
  get tcpConnectionCount(): number {
    return this.tcp.size;
  }

  localEndpoint(transport: string): Endpoint {
    const t = transport.toUpperCase();
    if (t === 'UDP') return { transport: 'UDP', address: this.advertisedHost, port: this.udp.port };
    if (t === 'TCP') return { transport: 'TCP', address: this.advertisedHost, port: this.tcp.port };
    throw new Error(`unsupported transport ${transport}`);
  }

  isReliable(transport: string): boolean {
    return isReliableTransport(transport);
  }

  /**
   * Deliberate deviation from §18.1.1 (requests over 1300 bytes MUST go over a congestion-controlled
   * transport): the transport is the caller's choice, as the Via it inserted already names it.
   */
  sendRequest(req: SipRequest, dest: Endpoint): Buffer | undefined {
    let bytes: Buffer;
    try {
      bytes = req.toBuffer();
    } catch (err) {
      this.reportLater(dest, err, req);
      return undefined;
    }
    this.sendTo(dest, bytes, req);
    return bytes;
  }

  sendResponse(res: SipResponse, connectionId?: number): Buffer | undefined {
    let bytes: Buffer;
    let dest: Endpoint;
    try {
      bytes = res.toBuffer();
      // §18.2.2: reliable transport → the connection the request arrived on, when still open.
      if (connectionId !== undefined && this.tcp.sendOn(connectionId, bytes, res)) {
        this.observe({ dest: { transport: 'TCP', address: '', port: 0 }, bytes, message: res, connectionId });
        return bytes;
      }
      const via = res.topVia;
      if (via === undefined) throw new Error('response without Via');
      dest = responseTarget(via);
    } catch (err) {
      this.reportLater({ transport: 'UDP', address: '', port: 0 }, err, res);
      return undefined;
    }
    this.sendTo(dest, bytes, res);
    return bytes;
  }

  /** Closes the sockets, connections and timers. Idempotent. */
  close(): Promise<void> {
    this.closing ??= Promise.all([this.udp.close(), this.tcp.close()]).then(() => {
      this.log('info', 'closed');
    });
    return this.closing;
  }

  // ---- sending ----

  private sendTo(dest: Endpoint, bytes: Buffer, message: SipRequest | SipResponse): void {
    const t = dest.transport.toUpperCase();
    // Deliberate limitation: no RFC 3263 resolution yet, so a destination must be an IP address; a name is
    // reported as a send failure instead of triggering a DNS query from network input.
    if (ipFamily(bareHost(dest.address)) === 0) {
      this.reportLater(
        dest,
        new Error(`destination ${dest.address} is not an IP address (no DNS resolution)`),
        message,
      );
      return;
    }
    this.observe({ dest, bytes, message });
    if (t === 'UDP') {
      this.udp.send(bytes, dest, (cause) => this.reportError(dest, cause, message));
    } else if (t === 'TCP') {
      this.tcp.send(dest, bytes, message);
    } else {
      this.reportLater(dest, new Error(`unsupported transport ${dest.transport}`), message);
    }
  }

  /** Sends a response to a fixed endpoint (or connection), bypassing Via routing (see `rawReply`). */
  private sendRaw(res: SipResponse, dest: Endpoint, connectionId: number | undefined): void {
    const bytes = res.toBuffer();
    if (connectionId !== undefined && this.tcp.sendOn(connectionId, bytes, res)) {
      this.observe({ dest, bytes, message: res, connectionId });
      return;
    }
    this.sendTo(dest, bytes, res);
  }

  private observe(sent: SentMessage): void {
    this.counts.count(this.counts.sent, sent.message);
    if (this.options.observer === undefined) return;
    try {
      this.options.observer(sent);
    } catch (e) {
      this.log('error', 'observer-threw', { error: String(e) });
    }
  }

  private reportLater(dest: Endpoint, err: unknown, message: SipRequest | SipResponse | undefined): void {
    const cause = err instanceof Error ? err : new Error(String(err));
    queueMicrotask(() => this.reportError(dest, cause, message));
  }

  private reportError(dest: Endpoint, cause: Error, message: SipRequest | SipResponse | undefined): void {
    this.log('info', 'send-failed', {
      transport: dest.transport,
      address: dest.address,
      port: dest.port,
      error: cause.message,
    });
    const err: TransportError = { dest, cause };
    if (message !== undefined) err.message = message;
    try {
      this.onError(err);
    } catch (e) {
      this.log('error', 'on-error-threw', { error: String(e) });
    }
  }

  // ---- receiving ----

  private onDatagram(bytes: Buffer, source: Endpoint): void {
    // RFC 5626 §3.5.1 / §4.4.1: CRLF keep-alives are ignored on UDP.
    if (isKeepAlive(bytes)) return;
    // One context serves every datagram (processInbound keeps only `source`, which is fresh each time).
    const ctx = (this.udpContext ??= this.context(source, this.udpLocal, undefined, true));
    ctx.source = source;
    ctx.local = this.udpLocal;
    this.handle(processInbound(bytes, ctx), undefined);
  }

  private udpContext: InboundContext | undefined;

  private onStreamMessage(bytes: Buffer, conn: TcpConnection): void {
    this.handle(processInbound(bytes, this.context(conn.remote, conn.local, conn.id, false)), conn.id);
  }

  /** An unframeable stream (RFC 4475 `ncl`, `mcl01`, missing Content-Length): answer if possible, then close. */
  private onFramingError(conn: TcpConnection, err: FramingError): void {
    try {
      if (err.headers !== undefined && err.status !== 0) {
        let req: SipRequest | undefined;
        try {
          const m = parseMessage(err.headers, {
            datagram: false,
            maxHeaderBytes: this.options.maxHeaderBytes,
            maxBodyBytes: this.options.maxBodyBytes,
          });
          if (m instanceof SipRequest) req = m;
        } catch (e) {
          if (e instanceof SipParseError && e.partial !== undefined) req = e.partial;
        }
        if (req !== undefined) {
          const ctx = this.context(conn.remote, conn.local, conn.id, false);
          const outcome = statelessReply(req, ctx, err.status, err.reason);
          if (outcome.kind === 'reply') {
            const bytes = outcome.response.toBuffer();
            conn.write(bytes, outcome.response);
            this.observe({ dest: conn.remote, bytes, message: outcome.response, connectionId: conn.id });
          }
        }
      }
    } catch (e) {
      this.log('error', 'framing-reply-failed', { error: String(e) });
    }
    conn.closeAfterFlush();
  }

  private context(
    source: Endpoint,
    local: Endpoint,
    connectionId: number | undefined,
    datagram: boolean,
  ): InboundContext {
    return {
      source,
      local,
      connectionId,
      datagram,
      sentBy: this.sentBy,
      maxHeaderBytes: this.options.maxHeaderBytes,
      maxBodyBytes: this.options.maxBodyBytes,
      toTag: this.toTag,
    };
  }

  private handle(outcome: InboundOutcome, connectionId: number | undefined): void {
    switch (outcome.kind) {
      case 'deliver':
        this.counts.count(this.counts.received, outcome.inbound.message);
        try {
          this.onMessage(outcome.inbound);
        } catch (err) {
          // No exception may escape to the event loop from network input.
          this.log('error', 'on-message-threw', { error: err instanceof Error ? err.stack : String(err) });
        }
        return;
      case 'reply':
        this.counts.rejected++;
        this.log('info', 'stateless-reply', { status: outcome.status, reason: outcome.reason });
        if (outcome.toSource !== undefined) this.sendRaw(outcome.response, outcome.toSource, connectionId);
        else this.sendResponse(outcome.response, connectionId);
        return;
      case 'drop':
        this.counts.dropped++;
        this.log('debug', 'drop', { reason: outcome.reason, detail: outcome.detail });
        return;
    }
  }
}
