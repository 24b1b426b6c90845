/** Request checks the parser leaves for later (RFC 3261 §8.2, §20; RFC 4475 §3.3). */
import { SipParseError } from './errors.ts';
import { MAX_CSEQ } from './header-values.ts';
import type { SipRequest } from './request.ts';
import { isKnownMethod } from './methods.ts';
import { answerable } from './parser.ts';

/**
 * Returns a 400 {@link SipParseError} (with `partial` when the request can still be answered), or
 * `undefined` when the request is acceptable. Never throws. Checks:
 * - Via, From, To, Call-ID, CSeq present (§8.1.1; RFC 4475 insuf). Missing Max-Forwards is
 *   allowed (RFC 2543 peers, RFC 4475 inv2543).
 * - exactly one Call-ID, CSeq, From, To line (§7.3.1, §20; RFC 4475 multi01);
 * - every Via, From, To, Call-ID, CSeq, Contact, Route, Record-Route value parses
 *   (RFC 4475 badinv01, regbadct);
 * - CSeq number ≤ 2^32-1 (§8.1.1.5; RFC 4475 scalar02);
 * - CSeq method equals the request method when the method is known (§8.1.1.5; RFC 4475
 *   mismatch01); for unknown methods the UA answers 501 (mismatch02);
 * - a sip/sips Request-URI parses and carries no `?headers` (§19.1.5: headers are not allowed in a
 *   Request-URI; RFC 4475 escruri — we reject rather than silently drop them).
 */
export function validateRequest(req: SipRequest): SipParseError | undefined {
  try {
    return check(req);
  } catch (e) {
    const why = e instanceof SipParseError ? e.message : `invalid request: ${String(e)}`;
    return new SipParseError(why, 400, 'Bad Request', answerable(req));
  }
}

function check(req: SipRequest): SipParseError | undefined {
  // One pass over the header lines counts the ones §8.1.1 requires (and those that must occur once).
  let via = 0;
  let from = 0;
  let to = 0;
  let callId = 0;
  let cseqLines = 0;
  const hs = req._h;
  for (let i = 0; i < hs.length; i++) {
    switch (hs[i].h.key) {
      case 'via':
        via++;
        break;
      case 'from':
        from++;
        break;
      case 'to':
        to++;
        break;
      case 'call-id':
        callId++;
        break;
      case 'cseq':
        cseqLines++;
        break;
    }
  }
  if (via === 0) return fail(req, 'missing Via header');
  if (from === 0) return fail(req, 'missing From header');
  if (to === 0) return fail(req, 'missing To header');
  if (callId === 0) return fail(req, 'missing Call-ID header');
  if (cseqLines === 0) return fail(req, 'missing CSeq header');
  if (callId > 1) return fail(req, 'more than one call-id header');
  if (cseqLines > 1) return fail(req, 'more than one cseq header');
  if (from > 1) return fail(req, 'more than one from header');
  if (to > 1) return fail(req, 'more than one to header');
  if (req.via.length === 0) return fail(req, 'empty Via header');
  void req.from;
  void req.to;
  void req.callId;
  const cseq = req.cseq;
  if (cseq.seq > MAX_CSEQ) return fail(req, 'CSeq number above 2^32-1');
  if (isKnownMethod(req.method) && cseq.method !== req.method) return fail(req, 'CSeq method does not match');
  void req.contact;
  void req.route;
  void req.recordRoute;
  void req.maxForwards;
  void req.contentType;
  const uri = req.uri;
  if (uri.scheme === 'sip' || uri.scheme === 'sips') {
    for (const _ in uri.headers) return fail(req, 'headers in the Request-URI');
  }
  return undefined;
}

function fail(req: SipRequest, why: string): SipParseError {
  return new SipParseError(why, 400, 'Bad Request', answerable(req));
}
