/**
 * A bound RTP socket (even port) and its RTCP socket (port + 1), owned by the relay and lent to one
 * endpoint at a time. Binding and closing sockets per endpoint was a tenth of ringd's CPU per call in the
 * call benchmark's profile; a released pair goes back to the relay's pool instead (`relay.ts`), and is lent
 * again once its quarantine has passed. While nobody holds it, what arrives on it is dropped.
 *
 * The RTCP socket is bound lazily: when the first RTP packet arrives from the peer, or when RTCP must be
 * sent from it. A leg that never carries media (still ringing, a signalling-only test) then costs one
 * socket instead of two — the file-descriptor limit, not memory, is what caps concurrent calls on one
 * host. RTCP reports start seconds after the media (RFC 3550 §6.2), so none is lost to the delay. The RTCP
 * port stays reserved in ringd's range meanwhile; should another process take it, RTCP of that endpoint is
 * unavailable (counted in the relay's `socketErrors`) and RTP is unaffected.
 */
import type { RemoteInfo, Socket } from 'node:dgram';

/** Who receives a pair's packets while it is lent. */
export interface PairHolder {
  onRtp(msg: Buffer, r: RemoteInfo): void;
  onRtcp(msg: Buffer, r: RemoteInfo): void;
}

/** Binds a UDP socket on a port (the relay's). */
export type BindSocket = (port: number) => Promise<Socket>;

export class SocketPair {
  /** The endpoint holding the pair now (null while pooled). */
  holder: PairHolder | null = null;
  /** When the pair was last given back (media clock ms). */
  releasedAt = 0;
  /** Packets that arrived while pooled (stale traffic of an earlier call). */
  stray = 0;
  /** The RTCP socket, once bound. */
  rtcpSock: Socket | null = null;
  /** The RTCP port could not be bound (taken by another process). */
  rtcpUnavailable = false;
  private rtcpBinding: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    readonly rtpPort: number,
    readonly rtpSock: Socket,
    private readonly bind: BindSocket,
    private readonly onBindError: (err: Error) => void,
  ) {
    rtpSock.on('message', (msg: Buffer, r: RemoteInfo) => {
      const h = this.holder;
      if (h !== null) h.onRtp(msg, r);
      else this.stray++;
    });
  }

  get rtcpPort(): number {
    return this.rtpPort + 1;
  }

  /** Number of sockets bound now (1 or 2). */
  get sockets(): number {
    return this.rtcpSock === null ? 1 : 2;
  }

  /** Starts binding the RTCP socket if it is not bound yet (idempotent; resolves when done or failed). */
  needRtcp(): Promise<void> {
    if (this.rtcpSock !== null || this.rtcpUnavailable || this.closing !== undefined)
      return Promise.resolve();
    this.rtcpBinding ??= this.bind(this.rtcpPort).then(
      (s) => {
        this.rtcpBinding = undefined;
        if (this.closing !== undefined) {
          closeSocket(s);
          return;
        }
        s.on('message', (msg: Buffer, r: RemoteInfo) => {
          const h = this.holder;
          if (h !== null) h.onRtcp(msg, r);
          else this.stray++;
        });
        this.rtcpSock = s;
      },
      (err: Error) => {
        this.rtcpBinding = undefined;
        this.rtcpUnavailable = true;
        this.onBindError(err);
      },
    );
    return this.rtcpBinding;
  }

  /** Closes both sockets (idempotent); resolves once they are closed. */
  close(): Promise<void> {
    this.holder = null;
    this.closing ??= (this.rtcpBinding ?? Promise.resolve()).then(() =>
      Promise.all([closeSocket(this.rtpSock), this.rtcpSock ? closeSocket(this.rtcpSock) : undefined]).then(
        () => undefined,
      ),
    );
    return this.closing;
  }
}

function closeSocket(s: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      s.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}
