/**
 * What the transport layer does with the bytes of one inbound message (RFC 3261 §18.1.2, §18.2.1): parse,
 * check, stamp the top Via, or answer a broken request statelessly. Pure: sockets are the caller's business,
 * so the real and the fake transport layers share it.
 */
import {
  SipParseError,
  SipResponse,
  createResponse,
  parseMessage,
  validateRequest,
} from '../message/index.ts';
import type { SipRequest } from '../message/index.ts';
import type { Endpoint } from '../message/types.ts';
import type { InboundMessage } from './types.ts';
import type { SentBySet } from './via-rules.ts';
import { stampReceived } from './via-rules.ts';

/** Where the bytes came from and how to judge them. */
export interface InboundContext {
  source: Endpoint;
  local: Endpoint;
  connectionId?: number;
  /** true on UDP (the datagram is the message, §18.3); false when a stream framer cut the bytes. */
  datagram: boolean;
  /** Our sent-by values, for the response check of §18.1.2. */
  sentBy: SentBySet;
  /** Caps handed to the parser. */
  maxHeaderBytes?: number;
  maxBodyBytes?: number;
  /** Mints the To tag of stateless error responses (§8.2.6.2). */
  toTag: () => string;
}

/** The decision on one inbound message. */
export type InboundOutcome =
  | { kind: 'deliver'; inbound: InboundMessage }
  | {
      kind: 'reply';
      response: SipResponse;
      status: number;
      reason: string;
      /**
       * Set when the request's Via could not be parsed: the answer goes back to where the bytes came from
       * (the source address on UDP, the same connection on TCP) instead of following the Via (§18.2.2).
       */
      toSource?: Endpoint;
    }
  | { kind: 'drop'; reason: string; detail?: string };

/** Returns true when the buffer is only CR/LF bytes (a keep-alive, RFC 5626 §3.5.1). */
export function isKeepAlive(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b !== 0x0d && b !== 0x0a) return false;
  }
  return true;
}

/** Judges the bytes of one inbound message. Never throws. */
export function processInbound(bytes: Buffer, ctx: InboundContext): InboundOutcome {
  let msg: SipRequest | SipResponse;
  try {
    msg = parseMessage(bytes, {
      datagram: ctx.datagram,
      maxHeaderBytes: ctx.maxHeaderBytes,
      maxBodyBytes: ctx.maxBodyBytes,
    });
  } catch (err) {
    if (!(err instanceof SipParseError))
      return { kind: 'drop', reason: 'parser-failure', detail: String(err) };
    // Responses never get error responses; requests get one only when enough was parsed to route it.
    if (err.status === 0) return { kind: 'drop', reason: 'parse-error', detail: err.reason };
    if (err.partial === undefined) return rawReply(bytes, ctx, err.status, err.reason);
    return statelessReply(err.partial, ctx, err.status, err.reason);
  }
  try {
    if (msg instanceof SipResponse) return checkResponse(msg, ctx);
    return checkRequest(msg, ctx);
  } catch (err) {
    // A lazily parsed view (top Via) was malformed: nobody to answer reliably.
    return {
      kind: 'drop',
      reason: 'malformed-via',
      detail: err instanceof Error ? err.message : String(err),
    };
  }
}

const COPIED_RAW = new Set(['via', 'v', 'from', 'f', 'to', 't', 'call-id', 'i', 'cseq']);

/**
 * Answers a request whose Via, From or To is too broken for the parser to build a request object from
 * (RFC 4475 `badinv01`, `quotbal`): the five headers a response copies (§8.2.6.2) are copied as raw
 * text, never re-parsed, and the answer goes to the source of the bytes. Deliberate deviation from
 * §18.2.2 (routing by Via), which is impossible here; a request lacking any of the five is dropped.
 */
function rawReply(bytes: Buffer, ctx: InboundContext, status: number, reason: string): InboundOutcome {
  if (bytes.length < 4 || bytes.toString('latin1', 0, 4) === 'SIP/')
    return { kind: 'drop', reason: 'parse-error', detail: reason };
  const end = bytes.indexOf('\r\n\r\n');
  const head = bytes.toString('utf8', 0, end < 0 ? Math.min(bytes.length, 16384) : end);
  const lines = head.split(/\r?\n/);
  const headers: Array<[string, string]> = [];
  for (let i = 1; i < lines.length; i++) {
    let line = lines[i];
    while (i + 1 < lines.length && (lines[i + 1].startsWith(' ') || lines[i + 1].startsWith('\t'))) {
      line += ' ' + lines[++i].trim();
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    // Bare CR/LF or other control bytes inside a line cannot be copied into a valid header: give up.
    if (!COPIED_RAW.has(name)) continue;
    const value = line.slice(colon + 1).trim();
    if (hasControlBytes(value)) return { kind: 'drop', reason: 'parse-error', detail: reason };
    headers.push([name, value]);
  }
  const seen = new Set(
    headers.map(([n]) => (n.length === 1 ? { v: 'via', f: 'from', t: 'to', i: 'call-id' }[n] : n)),
  );
  if (!['via', 'from', 'to', 'call-id', 'cseq'].every((n) => seen.has(n)))
    return { kind: 'drop', reason: 'parse-error', detail: reason };
  try {
    const response = new SipResponse(status, reason, headers);
    return { kind: 'reply', response, status, reason, toSource: ctx.source };
  } catch (e) {
    return { kind: 'drop', reason: 'parse-error', detail: String(e) };
  }
}

/** True when `s` holds a control character other than HT (not allowed in a header value, RFC 3261 §25.1). */
function hasControlBytes(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}

function checkResponse(res: SipResponse, ctx: InboundContext): InboundOutcome {
  const via = res.topVia;
  if (via === undefined) return { kind: 'drop', reason: 'response-without-via' };
  // §18.1.2: a response whose top Via sent-by is not ours MUST be silently discarded (RFC 4475 bcast).
  if (!ctx.sentBy.matches(via)) return { kind: 'drop', reason: 'response-via-not-ours', detail: via.host };
  return { kind: 'deliver', inbound: inbound(res, ctx) };
}

function checkRequest(req: SipRequest, ctx: InboundContext): InboundOutcome {
  // Without a Via there is nowhere to send a response (§18.2.2): drop.
  if (!req.has('Via') || !stampReceived(req, ctx.source))
    return { kind: 'drop', reason: 'request-without-via' };
  const invalid = validateRequest(req);
  if (invalid !== undefined) {
    if (invalid.status === 0) return { kind: 'drop', reason: 'invalid-request', detail: invalid.reason };
    return reply(req, ctx, invalid.status, invalid.reason);
  }
  return { kind: 'deliver', inbound: inbound(req, ctx) };
}

function inbound(message: SipRequest | SipResponse, ctx: InboundContext): InboundMessage {
  const m: InboundMessage = { message, source: ctx.source, local: ctx.local };
  if (ctx.connectionId !== undefined) m.connectionId = ctx.connectionId;
  return m;
}

/**
 * Answers a request that failed parsing or validation. `req` is the parser's partial request (or the parsed
 * one); its top Via is stamped first so the response follows §18.2.2 back to the real source.
 */
export function statelessReply(
  req: SipRequest,
  ctx: InboundContext,
  status: number,
  reason: string,
): InboundOutcome {
  try {
    if (!req.has('Via') || !stampReceived(req, ctx.source))
      return { kind: 'drop', reason: 'request-without-via' };
  } catch {
    return { kind: 'drop', reason: 'malformed-via' };
  }
  return reply(req, ctx, status, reason);
}

function reply(req: SipRequest, ctx: InboundContext, status: number, reason: string): InboundOutcome {
  // §17: an ACK never gets a response.
  if (req.method === 'ACK') return { kind: 'drop', reason: 'invalid-ack', detail: reason };
  const response = buildErrorResponse(req, status, reason, ctx.toTag);
  if (response === undefined) return { kind: 'drop', reason: 'unanswerable', detail: reason };
  return { kind: 'reply', response, status, reason };
}

/**
 * Builds a stateless error response (§8.2.6): `createResponse` when the request has what it needs, else a
 * minimal response copying whichever of Via/From/To/Call-ID/CSeq exist (RFC 4475 `insuf`).
 */
function buildErrorResponse(
  req: SipRequest,
  status: number,
  reason: string,
  toTag: () => string,
): SipResponse | undefined {
  try {
    // createResponse adds the tag only when the To has none (§8.2.6.2).
    return createResponse(req, status, reason, { toTag: toTag() });
  } catch {
    // fall through to the minimal copy below
  }
  try {
    const headers: Array<[string, string]> = [];
    for (const name of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
      for (const v of req.getAll(name)) headers.push([name, v]);
    }
    return new SipResponse(status, reason, headers);
  } catch {
    return undefined;
  }
}
