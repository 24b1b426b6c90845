/**
 * One TCP connection carrying SIP (RFC 3261 §18.3): a socket, its stream framer, an idle timer and an
 * incomplete-message timer, both on the injected clock. Owned by `TcpTransport`.
 */
import type { Socket } from 'node:net';
import type { Clock, TimerHandle } from '../clock.ts';
import type { SipRequest, SipResponse } from '../message/index.ts';
import type { Endpoint } from '../message/types.ts';
import { StreamFramer } from './stream-framer.ts';
import type { FramerLimits, FramerSink, FramingError } from './stream-framer.ts';
import type { TransportLogger } from './types.ts';
import { normalizeAddress } from './via-rules.ts';

const CRLF = Buffer.from('\r\n', 'latin1');

/** Settings shared by every connection of a transport. */
export interface TcpConnectionSettings {
  clock: Clock;
  /** Close after this long without traffic in either direction. */
  idleTimeoutMs: number;
  /** Close when a started message is still incomplete after this long (RFC 4475 `clerr`). */
  incompleteMessageTimeoutMs: number;
  /** After a framing error: how long to wait for the peer to close once our FIN is sent. */
  lingerMs: number;
  limits: FramerLimits;
  log: TransportLogger;
}

/** Callbacks of a {@link TcpConnection}. */
export interface TcpConnectionDelegate {
  /** One framed message. */
  message(conn: TcpConnection, bytes: Buffer): void;
  /** Framing failed; the connection stops reading messages. The delegate answers if it can, then closes. */
  framingError(conn: TcpConnection, err: FramingError): void;
  /** The socket closed. `failed` lists messages written before an outbound connect that never succeeded. */
  closed(
    conn: TcpConnection,
    err: Error | undefined,
    failed: ReadonlyArray<SipRequest | SipResponse | undefined>,
  ): void;
}

/** Lifecycle of a connection. */
export type TcpConnectionState = 'connecting' | 'open' | 'closing' | 'closed';

/** A SIP-carrying TCP connection. */
export class TcpConnection {
  /** Lookup keys under which the owner indexed this connection. */
  readonly keys: string[] = [];
  private stateValue: TcpConnectionState;
  private readonly framer: StreamFramer;
  private lastActivity: number;
  private idleTimer: TimerHandle | undefined;
  private incompleteTimer: TimerHandle | undefined;
  private lingerTimer: TimerHandle | undefined;
  private lastError: Error | undefined;
  private pending: Array<SipRequest | SipResponse | undefined> = [];
  private localValue: Endpoint;

  constructor(
    /** Unique id, handed to the upper layers as `connectionId`. */
    readonly id: number,
    private readonly socket: Socket,
    /** The peer's address and port. */
    readonly remote: Endpoint,
    /** True when we opened it. */
    readonly outbound: boolean,
    private readonly settings: TcpConnectionSettings,
    private readonly delegate: TcpConnectionDelegate,
  ) {
    this.stateValue = outbound ? 'connecting' : 'open';
    this.localValue = { transport: 'TCP', address: socket.localAddress ?? '', port: socket.localPort ?? 0 };
    const sink: FramerSink = {
      message: (bytes) => this.delegate.message(this, bytes),
      ping: () => this.onPing(),
      error: (err) => this.onFramingError(err),
    };
    this.framer = new StreamFramer(sink, settings.limits);
    this.lastActivity = settings.clock.now();
    socket.setNoDelay(true);
    socket.on('connect', () => this.onConnect());
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => {
      this.lastError = err;
      settings.log('debug', 'tcp-socket-error', { id, error: err.message });
    });
    socket.on('close', () => this.onClose());
    this.armIdle(settings.idleTimeoutMs);
  }

  /** Current lifecycle state. */
  get state(): TcpConnectionState {
    return this.stateValue;
  }

  /** Our side of the connection (known once connected). */
  get local(): Endpoint {
    return this.localValue;
  }

  /** Whether messages can still be written. */
  get writable(): boolean {
    return this.stateValue === 'connecting' || this.stateValue === 'open';
  }

  /** Writes one serialized message; false when the connection is no longer writable. */
  write(bytes: Buffer, message?: SipRequest | SipResponse): boolean {
    if (!this.writable) return false;
    if (this.stateValue === 'connecting') this.pending.push(message);
    this.lastActivity = this.settings.clock.now();
    this.socket.write(bytes);
    return true;
  }

  /** Half-closes after flushing what was written (e.g. a 400), then destroys after the linger time. */
  closeAfterFlush(): void {
    if (!this.writable) return;
    this.stateValue = 'closing';
    this.framer.stop();
    this.clearTimers();
    this.socket.end();
    this.lingerTimer = this.settings.clock.setTimer(this.settings.lingerMs, () => this.destroy());
  }

  /** Closes at once. Idempotent. */
  destroy(): void {
    if (this.stateValue === 'closed') return;
    this.framer.stop();
    this.clearTimers();
    this.socket.destroy();
  }

  // ---- framer events ----

  /** RFC 5626 §3.5.1: answer a CRLF CRLF ping with a CRLF pong. */
  private onPing(): void {
    if (this.stateValue === 'open') this.socket.write(CRLF);
  }

  private onFramingError(err: FramingError): void {
    this.settings.log('info', 'tcp-framing-error', { id: this.id, kind: err.kind });
    this.delegate.framingError(this, err);
  }

  // ---- socket events ----

  private onConnect(): void {
    if (this.stateValue !== 'connecting') return;
    this.stateValue = 'open';
    this.pending = [];
    this.localValue = {
      transport: 'TCP',
      address: normalizeAddress(this.socket.localAddress ?? ''),
      port: this.socket.localPort ?? 0,
    };
  }

  private onData(chunk: Buffer): void {
    this.lastActivity = this.settings.clock.now();
    if (this.stateValue !== 'open') return; // closing: discard, keep reading so the peer sees our FIN cleanly
    const before = this.framer.messages;
    this.framer.push(chunk);
    if (this.stateValue !== 'open') return;
    if (this.framer.inMessage) {
      if (this.incompleteTimer === undefined || this.framer.messages !== before) this.armIncomplete();
    } else if (this.incompleteTimer !== undefined) {
      this.settings.clock.clearTimer(this.incompleteTimer);
      this.incompleteTimer = undefined;
    }
  }

  private onClose(): void {
    if (this.stateValue === 'closed') return;
    const failed = this.stateValue === 'connecting' ? this.pending : [];
    this.stateValue = 'closed';
    this.pending = [];
    this.framer.stop();
    this.clearTimers();
    const err =
      this.lastError ?? (failed.length > 0 ? new Error('connection closed before connecting') : undefined);
    this.delegate.closed(this, err, failed);
  }

  // ---- timers ----

  private armIdle(ms: number): void {
    this.idleTimer = this.settings.clock.setTimer(ms, () => {
      this.idleTimer = undefined;
      if (!this.writable) return;
      const quiet = this.settings.clock.now() - this.lastActivity;
      if (quiet >= this.settings.idleTimeoutMs) {
        this.settings.log('debug', 'tcp-close-idle', { id: this.id });
        this.destroy();
      } else {
        this.armIdle(this.settings.idleTimeoutMs - quiet);
      }
    });
  }

  private armIncomplete(): void {
    this.settings.clock.clearTimer(this.incompleteTimer);
    this.incompleteTimer = this.settings.clock.setTimer(this.settings.incompleteMessageTimeoutMs, () => {
      this.incompleteTimer = undefined;
      this.settings.log('info', 'tcp-close-incomplete', { id: this.id });
      this.destroy();
    });
  }

  private clearTimers(): void {
    const clock = this.settings.clock;
    clock.clearTimer(this.idleTimer);
    clock.clearTimer(this.incompleteTimer);
    clock.clearTimer(this.lingerTimer);
    this.idleTimer = this.incompleteTimer = this.lingerTimer = undefined;
  }
}
