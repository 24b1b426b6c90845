/**
 * An in-memory IP network for component tests: endpoints attached on fake addresses exchange serialized
 * bytes, delivered on a {@link FakeClock} after a configurable latency, with fault injection (loss,
 * one-shot drops, partitions) and a capture log of everything sent.
 *
 * Delivery timing (deliberate choice): every packet is delivered by a clock timer, never synchronously and
 * never by a microtask. With the default latency 0 a packet arrives on the next `clock.advance(0)` (or any
 * later advance / `runUntilIdle()`); replies sent while handling it are delivered in the same advance, so a
 * whole exchange runs in one `advance(0)`. Tests stay synchronous and fully ordered.
 */
import type { Clock } from '../clock.ts';
import type { IdSource } from '../ids.ts';
import { sequentialIds } from '../ids.ts';
import { parseMessage } from '../message/index.ts';
import type { SipRequest, SipResponse } from '../message/index.ts';
import type { Endpoint } from '../message/types.ts';
import { FakeTransportLayer } from './fake-transport-layer.ts';
import type { FakeEndpointOptions } from './fake-transport-layer.ts';

/** Why the network did not deliver a packet. */
export type DropReason = 'partition' | 'drop-next' | 'loss' | 'unreachable' | 'closed';

/** One message put on the fake wire, as captured in {@link FakeNetwork.sent}. */
export interface WirePacket {
  /** Sender's transport/address/port (for TCP the connection's local end). */
  from: Endpoint;
  /** Destination transport/address/port. */
  to: Endpoint;
  /** The exact bytes sent. */
  bytes: Buffer;
  /** The bytes parsed again (an independent copy), or undefined when they do not parse. */
  message: SipRequest | SipResponse | undefined;
  /** Clock time when sent. */
  at: number;
  /** TCP: the connection carrying it. */
  connectionId?: number;
  /** Set when the network did not deliver it. */
  dropped?: DropReason;
}

/** Options of a {@link FakeNetwork}. */
export interface FakeNetworkOptions {
  /** The clock deliveries are scheduled on (normally a `FakeClock`). */
  clock: Clock;
  /** One-way latency in ms, fixed or per packet. Default 0 (next `advance(0)`). */
  latencyMs?: number | ((p: WirePacket) => number);
  /** Ids for the To tags of stateless error responses. Default `sequentialIds('net-')`. */
  ids?: IdSource;
}

/** A fake TCP connection between two attached endpoints. */
export interface FakeConnection {
  readonly id: number;
  /** The side that connected (ephemeral port). */
  readonly client: Endpoint;
  /** The listening side. */
  readonly server: Endpoint;
  readonly clientLayer: FakeTransportLayer;
  readonly serverLayer: FakeTransportLayer;
  open: boolean;
  /** Last scheduled delivery time per direction, so a stream never reorders even with variable latency. */
  lastToServer: number;
  lastToClient: number;
}

interface DropRule {
  predicate: (p: WirePacket) => boolean;
  remaining: number;
}

function key(transport: string, address: string, port: number): string {
  return transport.toUpperCase() + '|' + address.toLowerCase() + '|' + port;
}

/** The in-memory network. */
export class FakeNetwork {
  /** Every packet sent, in order, delivered or not. */
  readonly sent: WirePacket[] = [];
  /** The clock deliveries run on. */
  readonly clock: Clock;
  /** @internal ids for stateless error responses. */
  readonly ids: IdSource;
  private readonly latency: number | ((p: WirePacket) => number);
  private readonly listeners = new Map<string, FakeTransportLayer>();
  private readonly connections = new Map<number, FakeConnection>();
  /** Per layer: remote `TCP|address|port` → open connection. */
  private readonly connIndex = new Map<FakeTransportLayer, Map<string, FakeConnection>>();
  private readonly partitions = new Set<string>();
  private dropRules: DropRule[] = [];
  private loss: ((p: WirePacket) => boolean) | undefined;
  private nextConnId = 1;
  private nextEphemeral = 40000;

  constructor(options: FakeNetworkOptions) {
    this.clock = options.clock;
    this.latency = options.latencyMs ?? 0;
    this.ids = options.ids ?? sequentialIds('net-');
  }

  /**
   * Attaches an endpoint listening on UDP and TCP (default port 5060 for both) at a fake address.
   * Throws when the address/port is taken.
   */
  attach(options: FakeEndpointOptions): FakeTransportLayer {
    const layer = new FakeTransportLayer(this, options);
    const udp = key('UDP', layer.address, layer.udpPort);
    const tcp = key('TCP', layer.address, layer.tcpPort);
    if (this.listeners.has(udp) || this.listeners.has(tcp)) {
      throw new Error(`FakeNetwork.attach: ${layer.address} ports already in use`);
    }
    this.listeners.set(udp, layer);
    this.listeners.set(tcp, layer);
    this.connIndex.set(layer, new Map());
    return layer;
  }

  /** Drops the next `count` packets (default 1) matching `predicate`. */
  dropNext(predicate: (p: WirePacket) => boolean, count = 1): void {
    this.dropRules.push({ predicate, remaining: count });
  }

  /** Installs a loss function (true = lose the packet), e.g. a seeded random; `undefined` removes it. */
  setLoss(fn: ((p: WirePacket) => boolean) | undefined): void {
    this.loss = fn;
  }

  /** Cuts all traffic between two addresses, both ways (TCP segments included: they are lost, not queued). */
  partition(a: string, b: string): void {
    this.partitions.add(pairKey(a, b));
  }

  /** Restores traffic between two addresses, or between all when called without arguments. */
  heal(a?: string, b?: string): void {
    if (a === undefined || b === undefined) this.partitions.clear();
    else this.partitions.delete(pairKey(a, b));
  }

  /** Empties the capture log. */
  clearSent(): void {
    this.sent.length = 0;
  }

  /** Packets actually delivered (or in flight), optionally filtered. */
  delivered(filter?: (p: WirePacket) => boolean): WirePacket[] {
    return this.sent.filter((p) => p.dropped === undefined && (filter === undefined || filter(p)));
  }

  /** Closes a TCP connection at both ends (later responses fall back to Via routing). */
  closeConnection(id: number): void {
    const conn = this.connections.get(id);
    if (conn === undefined || !conn.open) return;
    conn.open = false;
    this.connections.delete(id);
    this.unindex(conn.clientLayer, conn.server, conn);
    this.unindex(conn.serverLayer, conn.client, conn);
  }

  /** Open connections (for assertions). */
  openConnections(): FakeConnection[] {
    return [...this.connections.values()];
  }

  // ---- used by FakeTransportLayer ----

  /** @internal Sends a datagram from `layer` to `dest`. Unreachable datagrams vanish, as on real UDP. */
  sendDatagram(layer: FakeTransportLayer, bytes: Buffer, dest: Endpoint): void {
    const from: Endpoint = { transport: 'UDP', address: layer.address, port: layer.udpPort };
    const to: Endpoint = { transport: 'UDP', address: dest.address, port: dest.port };
    const packet = this.capture(from, to, bytes, true, undefined);
    if (this.fault(packet)) return;
    this.clock.setTimer(this.delay(packet), () => {
      const target = this.listeners.get(key('UDP', to.address, to.port));
      if (target === undefined || target.isClosed) {
        packet.dropped = 'unreachable';
        return;
      }
      target.receive(bytes, from, to, undefined);
    });
  }

  /**
   * @internal Sends on the open connection between `layer` and `dest`, connecting when there is none.
   * When nobody listens at `dest`, `onRefused` runs after the latency (like ECONNREFUSED).
   */
  sendStream(
    layer: FakeTransportLayer,
    bytes: Buffer,
    dest: Endpoint,
    onRefused: (cause: Error) => void,
  ): void {
    let conn = this.connIndex.get(layer)?.get(key('TCP', dest.address, dest.port));
    if (conn === undefined) {
      const target = this.listeners.get(key('TCP', dest.address, dest.port));
      if (target === undefined || target.isClosed || target === layer) {
        const from: Endpoint = { transport: 'TCP', address: layer.address, port: 0 };
        const packet = this.capture(
          from,
          { transport: 'TCP', address: dest.address, port: dest.port },
          bytes,
          false,
          undefined,
        );
        packet.dropped = 'unreachable';
        const cause = Object.assign(new Error(`connect ECONNREFUSED ${dest.address}:${dest.port}`), {
          code: 'ECONNREFUSED',
        });
        this.clock.setTimer(this.delay(packet), () => onRefused(cause));
        return;
      }
      conn = this.connect(layer, target);
    }
    this.sendOn(layer, conn.id, bytes);
  }

  /** @internal Sends on connection `id` from `layer`'s end; false when it is not open. */
  sendOn(layer: FakeTransportLayer, id: number, bytes: Buffer): boolean {
    const conn = this.connections.get(id);
    if (conn === undefined || !conn.open) return false;
    const toServer = conn.clientLayer === layer;
    if (!toServer && conn.serverLayer !== layer) return false;
    const from = toServer ? conn.client : conn.server;
    const to = toServer ? conn.server : conn.client;
    const receiver = toServer ? conn.serverLayer : conn.clientLayer;
    const packet = this.capture(from, to, bytes, false, id);
    if (this.fault(packet)) return true;
    let at = this.clock.now() + this.delay(packet);
    if (toServer) at = conn.lastToServer = Math.max(at, conn.lastToServer);
    else at = conn.lastToClient = Math.max(at, conn.lastToClient);
    this.clock.setTimer(at - this.clock.now(), () => {
      if (!conn.open || receiver.isClosed) {
        packet.dropped = 'closed';
        return;
      }
      receiver.receive(bytes, from, to, id);
    });
    return true;
  }

  /** @internal Removes a closed layer and its connections. */
  detach(layer: FakeTransportLayer): void {
    for (const [k, l] of this.listeners) if (l === layer) this.listeners.delete(k);
    for (const conn of [...this.connections.values()]) {
      if (conn.clientLayer === layer || conn.serverLayer === layer) this.closeConnection(conn.id);
    }
    this.connIndex.delete(layer);
  }

  // ---- internals ----

  private connect(client: FakeTransportLayer, server: FakeTransportLayer): FakeConnection {
    const conn: FakeConnection = {
      id: this.nextConnId++,
      client: { transport: 'TCP', address: client.address, port: this.nextEphemeral++ },
      server: { transport: 'TCP', address: server.address, port: server.tcpPort },
      clientLayer: client,
      serverLayer: server,
      open: true,
      lastToServer: 0,
      lastToClient: 0,
    };
    this.connections.set(conn.id, conn);
    this.connIndex.get(client)?.set(key('TCP', conn.server.address, conn.server.port), conn);
    this.connIndex.get(server)?.set(key('TCP', conn.client.address, conn.client.port), conn);
    return conn;
  }

  private unindex(layer: FakeTransportLayer, remote: Endpoint, conn: FakeConnection): void {
    const index = this.connIndex.get(layer);
    const k = key('TCP', remote.address, remote.port);
    if (index?.get(k) === conn) index.delete(k);
  }

  private capture(
    from: Endpoint,
    to: Endpoint,
    bytes: Buffer,
    datagram: boolean,
    connectionId: number | undefined,
  ): WirePacket {
    let message: SipRequest | SipResponse | undefined;
    try {
      message = parseMessage(bytes, { datagram });
    } catch {
      message = undefined;
    }
    const packet: WirePacket = { from, to, bytes, message, at: this.clock.now() };
    if (connectionId !== undefined) packet.connectionId = connectionId;
    this.sent.push(packet);
    return packet;
  }

  /** Applies partitions, one-shot drops and loss; true when the packet is lost. */
  private fault(p: WirePacket): boolean {
    if (this.partitions.size > 0 && this.partitions.has(pairKey(p.from.address, p.to.address))) {
      p.dropped = 'partition';
      return true;
    }
    for (let i = 0; i < this.dropRules.length; i++) {
      const rule = this.dropRules[i];
      if (rule.predicate(p)) {
        if (--rule.remaining <= 0) this.dropRules.splice(i, 1);
        p.dropped = 'drop-next';
        return true;
      }
    }
    if (this.loss !== undefined && this.loss(p)) {
      p.dropped = 'loss';
      return true;
    }
    return false;
  }

  private delay(p: WirePacket): number {
    const d = typeof this.latency === 'number' ? this.latency : this.latency(p);
    return d > 0 ? d : 0;
  }
}

function pairKey(a: string, b: string): string {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? x + '\n' + y : y + '\n' + x;
}
