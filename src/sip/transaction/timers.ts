/**
 * The transaction timers of RFC 3261 §17 (Table 4, §A) and RFC 6026 §8 as data: one frozen set per
 * transport kind, computed once from T1/T2/T4 and shared by every transaction on that kind of transport.
 */

/** The three base values of RFC 3261 §17 (milliseconds). */
export interface TimerBase {
  /** RTT estimate, default 500 ms (§17.1.1.1). */
  T1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses, default 4 s. */
  T2: number;
  /** Maximum duration a message remains in the network, default 5 s. */
  T4: number;
}

/**
 * Every timer of RFC 3261 Table 4 plus RFC 6026 L and M, in milliseconds, for one transport kind.
 * Retransmission timers (A, E, G) are the INITIAL intervals and are 0 ("not used") on reliable
 * transports; wait timers that the RFC sets to zero on reliable transports (D, I, J, K) are 0, which the
 * state machines treat as "go to Terminated at once".
 */
export interface TimerSet extends Readonly<TimerBase> {
  /** Whether these values are for a reliable transport (TCP, TLS, SCTP, WS). */
  readonly reliable: boolean;
  /** INVITE request retransmit interval, initially T1, doubling (§17.1.1.2). UDP only. */
  readonly A: number;
  /** INVITE transaction timeout, 64·T1 (§17.1.1.2). */
  readonly B: number;
  /** Wait time for response retransmits: > 32 s on UDP, 0 on reliable (§17.1.1.2). */
  readonly D: number;
  /** Non-INVITE request retransmit interval, initially T1, doubling up to T2 (§17.1.2.2). UDP only. */
  readonly E: number;
  /** Non-INVITE transaction timeout, 64·T1 (§17.1.2.2). */
  readonly F: number;
  /** INVITE final response retransmit interval, initially T1, doubling up to T2 (§17.2.1). UDP only. */
  readonly G: number;
  /** Wait time for ACK receipt, 64·T1 (§17.2.1). */
  readonly H: number;
  /** Wait time for ACK retransmits: T4 on UDP, 0 on reliable (§17.2.1). */
  readonly I: number;
  /** Wait time for non-INVITE request retransmits: 64·T1 on UDP, 0 on reliable (§17.2.2). */
  readonly J: number;
  /** Wait time for response retransmits: T4 on UDP, 0 on reliable (§17.1.2.2). */
  readonly K: number;
  /** RFC 6026 §8.7: wait time in the server `Accepted` state for INVITE retransmissions, 64·T1. */
  readonly L: number;
  /** RFC 6026 §8.4: wait time in the client `Accepted` state for 2xx retransmissions, 64·T1. */
  readonly M: number;
  /**
   * §9.1: how long an INVITE client transaction waits for a final response after it sent CANCEL
   * before it considers itself cancelled and terminates, 64·T1 ("If no final response is received for
   * the INVITE after 64*T1 seconds following the CANCEL"). Not a lettered timer of Table 4.
   */
  readonly cancelGiveUp: number;
  /**
   * §17.2.1: the INVITE server transaction sends `100 Trying` when the TU has not sent a provisional
   * response within this delay (200 ms). Not a lettered timer of Table 4.
   */
  readonly trying: number;
}

/** RFC 3261 defaults: T1 500 ms, T2 4 s, T4 5 s. */
export const DEFAULT_TIMER_BASE: Readonly<TimerBase> = Object.freeze({ T1: 500, T2: 4000, T4: 5000 });

/** Timer D on unreliable transports: "at least 32 seconds" (§17.1.1.2); independent of T1. */
const TIMER_D_UNRELIABLE = 32_000;

/** Delay before the automatic `100 Trying` of an INVITE server transaction (§17.2.1). */
const TRYING_DELAY = 200;

/**
 * Computes the frozen timer set for one transport kind (RFC 3261 Table 4, RFC 6026 §8).
 * @param reliable whether the transport is reliable (no retransmissions, zero wait timers).
 * @param base optional overrides of T1/T2/T4 (milliseconds); the others keep their defaults.
 */
export function timerSet(reliable: boolean, base?: Partial<TimerBase>): TimerSet {
  const T1 = base?.T1 ?? DEFAULT_TIMER_BASE.T1;
  const T2 = base?.T2 ?? DEFAULT_TIMER_BASE.T2;
  const T4 = base?.T4 ?? DEFAULT_TIMER_BASE.T4;
  if (!(T1 > 0 && T2 >= T1 && T4 > 0)) {
    throw new RangeError(`invalid timer base T1=${T1} T2=${T2} T4=${T4} (need T1 > 0, T2 >= T1, T4 > 0)`);
  }
  const t64 = 64 * T1;
  return Object.freeze({
    reliable,
    T1,
    T2,
    T4,
    A: reliable ? 0 : T1,
    B: t64,
    D: reliable ? 0 : TIMER_D_UNRELIABLE,
    E: reliable ? 0 : T1,
    F: t64,
    G: reliable ? 0 : T1,
    H: t64,
    I: reliable ? 0 : T4,
    J: reliable ? 0 : t64,
    K: reliable ? 0 : T4,
    L: t64,
    M: t64,
    cancelGiveUp: t64,
    trying: TRYING_DELAY,
  });
}

/**
 * Next interval of a doubling retransmission timer: A doubles without bound (§17.1.1.2); E and G double
 * up to T2 (§17.1.2.2, §17.2.1). Pass `cap = Infinity` for A.
 */
export function nextInterval(current: number, cap: number): number {
  const doubled = current * 2;
  return doubled < cap ? doubled : cap;
}
