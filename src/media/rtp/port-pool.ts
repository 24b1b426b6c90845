/**
 * The RTP port range: pairs (even RTP port, RTCP = RTP + 1) handed out round-robin so that a port just
 * freed is not reused at once (late packets of the old call do not leak into the next one).
 */

/** Thrown (as a rejection of `allocate()`) when every pair of the range is in use or cannot be bound. */
export class PortRangeExhaustedError extends Error {
  override name = 'PortRangeExhaustedError';
  constructor(
    readonly portMin: number,
    readonly portMax: number,
    readonly inUse: number,
  ) {
    super(
      `RTP port range ${portMin}-${portMax} exhausted: ${inUse} pair(s) in use by ringd, ` +
        `no other pair could be bound (widen media.portMin/portMax)`,
    );
  }
}

/** Round-robin allocator of even ports in [min, max − 1]. */
export class PortPool {
  /** First even RTP port. */
  readonly first: number;
  /** Number of RTP/RTCP pairs in the range. */
  readonly size: number;
  private readonly used = new Set<number>();
  private cursor = 0;

  constructor(
    readonly portMin: number,
    readonly portMax: number,
  ) {
    if (!Number.isInteger(portMin) || !Number.isInteger(portMax) || portMin < 1 || portMax > 65535) {
      throw new RangeError(`RTP port range ${portMin}-${portMax}: ports must be integers in 1-65535`);
    }
    this.first = portMin + (portMin & 1);
    this.size = portMax >= this.first + 1 ? ((portMax - 1 - this.first) >> 1) + 1 : 0;
    if (this.size === 0) {
      throw new RangeError(`RTP port range ${portMin}-${portMax} holds no even/odd port pair`);
    }
  }

  /** Pairs reserved now. */
  get inUse(): number {
    return this.used.size;
  }

  /**
   * Reserves and returns the next free even port after the cursor, or undefined when all are reserved.
   * Each call moves the cursor, so successive calls (after a failed bind) try successive pairs.
   */
  reserveNext(): number | undefined {
    for (let i = 0; i < this.size; i++) {
      const port = this.first + 2 * this.cursor;
      this.cursor = (this.cursor + 1) % this.size;
      if (!this.used.has(port)) {
        this.used.add(port);
        return port;
      }
    }
    return undefined;
  }

  /** Returns a reserved pair to the pool. */
  release(port: number): void {
    this.used.delete(port);
  }
}
