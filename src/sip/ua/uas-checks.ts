/**
 * The checks a UAS core runs on a new request before the application sees it (RFC 3261 §8.2.1–§8.2.3,
 * §8.2.6 for 406), in the order the RFC gives: method, then headers (Request-URI scheme, Require), then
 * content (Content-Type, Content-Encoding), then what the answer could carry (Accept).
 */
import { isKnownMethod, SipParseError } from '../message/index.ts';
import type { SipRequest } from '../message/index.ts';
import { allowValue, type UaCapabilities } from './capabilities.ts';

/** A refusal: status, reason and the headers the RFC requires with it. */
export interface UasRejection {
  status: number;
  reason: string;
  headers: Array<[string, string]>;
}

/**
 * Returns the rejection for `req`, or `undefined` when the application may handle it. Never throws:
 * a header that fails to parse turns into 400.
 */
export function checkRequest(req: SipRequest, caps: UaCapabilities): UasRejection | undefined {
  try {
    return check(req, caps);
  } catch (e) {
    if (e instanceof SipParseError) return { status: 400, reason: e.reason || 'Bad Request', headers: [] };
    throw e;
  }
}

function check(req: SipRequest, caps: UaCapabilities): UasRejection | undefined {
  const method = req.method;
  // §8.2.1: unknown method → 501; known but not handled here → 405, both with Allow.
  if (!caps.methods.has(method)) {
    const status = isKnownMethod(method) ? 405 : 501;
    return {
      status,
      reason: status === 405 ? 'Method Not Allowed' : 'Not Implemented',
      headers: [['Allow', allowValue(caps)]],
    };
  }
  // §8.2.2.1: a Request-URI scheme we do not understand → 416.
  const scheme = req.uri.scheme;
  if (scheme !== 'sip' && scheme !== 'sips') {
    return { status: 416, reason: 'Unsupported URI Scheme', headers: [] };
  }
  // §8.2.2.3: Require with option tags we do not support → 420 listing them in Unsupported.
  // Not applied to ACK and CANCEL (§8.2.2.3 last paragraphs).
  if (method !== 'ACK' && method !== 'CANCEL') {
    const unsupported = req.getAll('Require').filter((tag) => !caps.extensions.has(tag.toLowerCase()));
    if (unsupported.length > 0) {
      return { status: 420, reason: 'Bad Extension', headers: [['Unsupported', unsupported.join(', ')]] };
    }
  }
  // §8.2.3: a body of a type or encoding we do not understand → 415 with Accept / Accept-Encoding.
  if (req.body.length > 0) {
    const type = req.contentType;
    if (type === undefined || !caps.contentTypes.has(type)) {
      return {
        status: 415,
        reason: 'Unsupported Media Type',
        headers: [['Accept', [...caps.contentTypes].join(', ')]],
      };
    }
    const encodings = req.getAll('Content-Encoding').filter((e) => e.toLowerCase() !== 'identity');
    if (encodings.length > 0) {
      return { status: 415, reason: 'Unsupported Media Type', headers: [['Accept-Encoding', 'identity']] };
    }
  }
  // §8.2.6 / §21.4.7: an INVITE whose Accept excludes every type we could answer with → 406.
  if (method === 'INVITE' && req.has('Accept') && !acceptsAny(req.getAll('Accept'), caps.contentTypes)) {
    return {
      status: 406,
      reason: 'Not Acceptable',
      headers: [['Accept', [...caps.contentTypes].join(', ')]],
    };
  }
  return undefined;
}

function acceptsAny(accept: string[], ours: ReadonlySet<string>): boolean {
  // An empty Accept header means "no body is acceptable" (§20.1); we only ever answer INVITE with a body.
  for (const raw of accept) {
    const range = raw.split(';', 1)[0].trim().toLowerCase();
    if (range === '*/*') return true;
    if (ours.has(range)) return true;
    if (range.endsWith('/*')) {
      const major = range.slice(0, -1);
      for (const t of ours) if (t.startsWith(major)) return true;
    }
  }
  return false;
}
