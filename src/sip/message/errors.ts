import type { SipRequest } from './request.ts';
import { defaultReason } from './reason-phrases.ts';

/**
 * The one error type the message layer throws for bad input (parser, typed views, URI/Via/name-addr
 * parsing). It carries what the transport needs to answer or drop the message.
 */
export class SipParseError extends Error {
  /**
   * SIP status to answer a request with (400, 505, 413, 513, 416…); `0` means drop silently
   * (every malformed response, and requests too broken to answer).
   */
  readonly status: number;
  /** Reason phrase for the response, e.g. `Bad Request`, `Version Not Supported`. */
  readonly reason: string;
  /**
   * Present when the input was a request and enough was parsed to answer it (Via, From, To, Call-ID
   * and CSeq present and parseable): usable with `createResponse()`.
   */
  readonly partial?: SipRequest;

  constructor(message: string, status = 400, reason?: string, partial?: SipRequest) {
    super(message);
    this.name = 'SipParseError';
    this.status = status;
    this.reason = reason ?? (status === 0 ? '' : defaultReason(status));
    if (partial !== undefined) this.partial = partial;
  }

  /** A copy of this error with `partial` attached. */
  withPartial(partial: SipRequest | undefined): SipParseError {
    if (partial === undefined) return this;
    return new SipParseError(this.message, this.status, this.reason, partial);
  }
}
