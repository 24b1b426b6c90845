// Test helpers of the dialog tests: SIP messages built as text and parsed.
import { parseMessage, SipRequest, SipResponse } from '../../../../src/sip/message/index.ts';

/** Parses a message written with `\n` line ends (converted to CRLF). */
export function parse(text: string): SipRequest | SipResponse {
  return parseMessage(Buffer.from(text.replace(/\r?\n/g, '\r\n')));
}

export function req(text: string): SipRequest {
  const m = parse(text);
  if (!(m instanceof SipRequest)) throw new Error('not a request');
  return m;
}

export function res(text: string): SipResponse {
  const m = parse(text);
  if (!(m instanceof SipResponse)) throw new Error('not a response');
  return m;
}

export const CALL_ID = '3848276298220188511@atlanta.example.com';

export interface InviteSpec {
  uri?: string;
  method?: string;
  cseq?: number;
  fromTag?: string | null;
  toTag?: string;
  contact?: string | null;
  recordRoute?: string[];
  extra?: string[];
}

/** An INVITE (or other request) from Alice to Bob. */
export function invite(s: InviteSpec = {}): SipRequest {
  const method = s.method ?? 'INVITE';
  const lines = [
    `${method} ${s.uri ?? 'sip:bob@biloxi.example.com'} SIP/2.0`,
    'Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9',
    'Max-Forwards: 70',
    ...(s.recordRoute ?? []).map((r) => `Record-Route: ${r}`),
    `From: Alice <sip:alice@atlanta.example.com>${s.fromTag === null ? '' : `;tag=${s.fromTag ?? '9fxced76sl'}`}`,
    `To: Bob <sip:bob@biloxi.example.com>${s.toTag !== undefined ? `;tag=${s.toTag}` : ''}`,
    `Call-ID: ${CALL_ID}`,
    `CSeq: ${s.cseq ?? 1} ${method}`,
    ...(s.contact === null
      ? []
      : [`Contact: ${s.contact ?? '<sip:alice@client.atlanta.example.com;transport=udp>'}`]),
    ...(s.extra ?? []),
    'Content-Length: 0',
    '',
    '',
  ];
  return req(lines.join('\n'));
}

export interface ResponseSpec {
  toTag?: string | null;
  contact?: string | null;
  recordRoute?: string[];
  cseq?: number;
  method?: string;
}

/** A response from Bob's side to a request from Alice (tags as in {@link invite}). */
export function response(status: number, s: ResponseSpec = {}): SipResponse {
  const lines = [
    `SIP/2.0 ${status} Whatever`,
    'Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9',
    ...(s.recordRoute ?? []).map((r) => `Record-Route: ${r}`),
    'From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl',
    `To: Bob <sip:bob@biloxi.example.com>${s.toTag === null ? '' : `;tag=${s.toTag ?? '8321234356'}`}`,
    `Call-ID: ${CALL_ID}`,
    `CSeq: ${s.cseq ?? 1} ${s.method ?? 'INVITE'}`,
    ...(s.contact === null
      ? []
      : [`Contact: ${s.contact ?? '<sip:bob@client.biloxi.example.com;transport=udp>'}`]),
    'Content-Length: 0',
    '',
    '',
  ];
  return res(lines.join('\n'));
}
