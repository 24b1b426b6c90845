/** A SIP response (RFC 3261 §7.2). */
import { SipMessage, checkValue } from './message.ts';
import { defaultReason } from './reason-phrases.ts';

/** A SIP response (§7.2). */
export class SipResponse extends SipMessage {
  readonly kind = 'response' as const;
  /** Status code, 100–699. */
  status: number;
  /** Reason phrase. */
  reason: string;

  /** @param reason defaults to the RFC 3261 §21 phrase of `status`. */
  constructor(status: number, reason?: string, headers?: Array<[string, string]>, body?: Buffer | string) {
    super();
    if (!Number.isInteger(status) || status < 100 || status > 699)
      throw new TypeError(`bad status ${status}`);
    this.status = status;
    this.reason = reason ?? defaultReason(status);
    checkValue('Reason-Phrase', this.reason);
    this.initHeaders(headers, body);
  }
}
