/**
 * TCP for SIP (RFC 3261 §18 over `node:net`): one listening server and a connection table indexed by id and
 * by remote `address:port`, so a request to a peer reuses any open connection with it, inbound or outbound
 * (§18.1.1, RFC 5923 style reuse without aliases), and a response goes back on the request's connection.
 */
import net from 'node:net';
import type { SipRequest, SipResponse } from '../message/index.ts';
import type { Endpoint } from '../message/types.ts';
import type { FramingError } from './stream-framer.ts';
import { TcpConnection } from './tcp-connection.ts';
import type { TcpConnectionDelegate, TcpConnectionSettings } from './tcp-connection.ts';
import { normalizeAddress } from './via-rules.ts';

/** Callbacks of a {@link TcpTransport}. */
export interface TcpDelegate {
  /** One framed message received on `conn`. */
  message(bytes: Buffer, conn: TcpConnection): void;
  /** Framing failed on `conn`: answer if possible, then call `conn.closeAfterFlush()`. */
  framingError(conn: TcpConnection, err: FramingError): void;
  /** A message could not be delivered (connect refused, connection lost before connecting…). */
  sendFailed(dest: Endpoint, cause: Error, message?: SipRequest | SipResponse): void;
}

/** Settings of a {@link TcpTransport}. */
export interface TcpTransportSettings extends TcpConnectionSettings {
  /** Inbound connections beyond this many open ones are refused (closed at once). */
  maxConnections: number;
}

function remoteKey(address: string, port: number): string {
  return normalizeAddress(address) + '|' + port;
}

/** A TCP listener with its connections. */
export class TcpTransport {
  private readonly server: net.Server;
  private readonly byId = new Map<number, TcpConnection>();
  private readonly byRemote = new Map<string, TcpConnection>();
  private readonly connectionDelegate: TcpConnectionDelegate;
  private nextId = 1;
  private boundPort = 0;
  private closed = false;

  constructor(
    private readonly host: string,
    private readonly settings: TcpTransportSettings,
    private readonly delegate: TcpDelegate,
  ) {
    this.connectionDelegate = {
      message: (conn, bytes) => this.delegate.message(bytes, conn),
      framingError: (conn, err) => this.delegate.framingError(conn, err),
      closed: (conn, err, failed) => this.onClosed(conn, err, failed),
    };
    this.server = net.createServer({ allowHalfOpen: false }, (socket) => this.onAccept(socket));
    this.server.on('error', (err) => settings.log('warn', 'tcp-server-error', { error: err.message }));
  }

  /** Listens on `host:port` (0 = the OS picks); resolves with the bound port. */
  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen({ port, host: this.host }, () => {
        this.server.off('error', onError);
        const addr = this.server.address();
        this.boundPort = typeof addr === 'object' && addr !== null ? addr.port : port;
        resolve(this.boundPort);
      });
    });
  }

  /** The listening port (0 before {@link listen}). */
  get port(): number {
    return this.boundPort;
  }

  /** Number of open connections. */
  get size(): number {
    return this.byId.size;
  }

  /** A connection by id, when still known. */
  get(id: number): TcpConnection | undefined {
    return this.byId.get(id);
  }

  /** An open connection whose remote end is `address:port`. */
  find(address: string, port: number): TcpConnection | undefined {
    const c = this.byRemote.get(remoteKey(address, port));
    return c !== undefined && c.writable ? c : undefined;
  }

  /** Sends on an open connection with `dest`, else connects to it. Failures go to `sendFailed`. */
  send(dest: Endpoint, bytes: Buffer, message?: SipRequest | SipResponse): void {
    const existing = this.find(dest.address, dest.port);
    if (existing !== undefined && existing.write(bytes, message)) return;
    if (this.closed) {
      queueMicrotask(() => this.delegate.sendFailed(dest, new Error('TCP transport closed'), message));
      return;
    }
    let conn: TcpConnection;
    try {
      conn = this.connect(dest);
    } catch (err) {
      // net.connect throws synchronously on bad arguments (port out of range…): report like a refusal.
      const cause = err instanceof Error ? err : new Error(String(err));
      queueMicrotask(() => this.delegate.sendFailed(dest, cause, message));
      return;
    }
    conn.write(bytes, message);
  }

  /** Sends on connection `id`; false when it is gone or closing (the caller then falls back). */
  sendOn(id: number, bytes: Buffer, message?: SipRequest | SipResponse): boolean {
    const conn = this.byId.get(id);
    return conn !== undefined && conn.write(bytes, message);
  }

  /** Closes the server and every connection. Idempotent. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    for (const conn of [...this.byId.values()]) conn.destroy();
    return new Promise((resolve) => {
      if (!this.server.listening) {
        resolve();
        return;
      }
      this.server.close(() => resolve());
    });
  }

  private connect(dest: Endpoint): TcpConnection {
    const opts: net.NetConnectOpts = { host: dest.address, port: dest.port };
    // Send from our configured address so the peer sees the address we advertise (unless bound to any).
    if (this.host !== '0.0.0.0' && this.host !== '::') opts.localAddress = this.host;
    const socket = net.connect(opts);
    const remote: Endpoint = { transport: 'TCP', address: normalizeAddress(dest.address), port: dest.port };
    const conn = new TcpConnection(
      this.nextId++,
      socket,
      remote,
      true,
      this.settings,
      this.connectionDelegate,
    );
    this.index(conn, remoteKey(dest.address, dest.port));
    this.settings.log('debug', 'tcp-connect', { id: conn.id, address: dest.address, port: dest.port });
    return conn;
  }

  private onAccept(socket: net.Socket): void {
    const address = socket.remoteAddress;
    const port = socket.remotePort;
    if (this.closed || address === undefined || port === undefined) {
      socket.destroy();
      return;
    }
    if (this.byId.size >= this.settings.maxConnections) {
      this.settings.log('warn', 'tcp-refuse-cap', { address, port });
      socket.on('error', () => {});
      socket.destroy();
      return;
    }
    const remote: Endpoint = { transport: 'TCP', address: normalizeAddress(address), port };
    const conn = new TcpConnection(
      this.nextId++,
      socket,
      remote,
      false,
      this.settings,
      this.connectionDelegate,
    );
    this.index(conn, remoteKey(address, port));
    this.settings.log('debug', 'tcp-accept', { id: conn.id, address: remote.address, port });
  }

  private index(conn: TcpConnection, key: string): void {
    this.byId.set(conn.id, conn);
    this.byRemote.set(key, conn);
    conn.keys.push(key);
  }

  private onClosed(
    conn: TcpConnection,
    err: Error | undefined,
    failed: ReadonlyArray<SipRequest | SipResponse | undefined>,
  ): void {
    this.byId.delete(conn.id);
    for (const key of conn.keys) {
      if (this.byRemote.get(key) === conn) this.byRemote.delete(key);
    }
    this.settings.log('debug', 'tcp-closed', { id: conn.id, error: err?.message });
    if (failed.length > 0) {
      const cause = err ?? new Error('connection failed');
      for (const m of failed) this.delegate.sendFailed(conn.remote, cause, m);
    }
    // A connection lost after connecting has nothing pending to report: the transaction timers cover it.
  }
}
