/** Building a response to a request (RFC 3261 §8.2.6). */
import { HeaderEntry } from './header-entry.ts';
import type { SipRequest } from './request.ts';
import { SipResponse } from './response.ts';

/** Options of {@link createResponse}. */
export interface CreateResponseOptions {
  /** To tag to add when the request's To has none and `status > 100` (§8.2.6.2). */
  toTag?: string;
  /** Extra headers, appended after the copied ones. */
  headers?: Array<[string, string]>;
  /** Body. */
  body?: Buffer | string;
}

const COPIED = new Set(['via', 'from', 'call-id', 'cseq']);

/**
 * A response to `req` (§8.2.6.2): copies every Via value in order, From, To (adding `;tag=toTag`
 * when given, the To has no tag and `status > 100`), Call-ID and CSeq — nothing else. The copied
 * values are taken verbatim from the request.
 */
export function createResponse(
  req: SipRequest,
  status: number,
  reason?: string,
  opts?: CreateResponseOptions,
): SipResponse {
  const res = new SipResponse(status, reason, undefined, opts?.body);
  const hs: HeaderEntry[] = [];
  for (const e of req._h) {
    const key = e.h.key;
    if (COPIED.has(key)) hs.push(e.clone());
    else if (key === 'to') {
      if (opts?.toTag !== undefined && status > 100 && !hasTag(req)) {
        hs.push(new HeaderEntry(e.h, e.text() + ';tag=' + opts.toTag));
      } else hs.push(e.clone());
    }
  }
  res._h = hs;
  // The copied headers are the request's own text, so its parsed views hold for the response too (parsed
  // values are never mutated): routing the response by its top Via then parses nothing again.
  res._via = req._via;
  res._topVia = req._topVia;
  res._callId = req._callId;
  res._cseq = req._cseq;
  res._from = req._from;
  res._fromTag = req._fromTag;
  if (opts?.headers !== undefined) for (const [n, v] of opts.headers) res.append(n, v);
  return res;
}

function hasTag(req: SipRequest): boolean {
  try {
    return req.toTag !== undefined;
  } catch {
    // Unparseable To: look for the parameter textually rather than throwing.
    return /;\s*tag\s*=/i.test(req.get('to') ?? '');
  }
}
