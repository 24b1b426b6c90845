/** The SIP message layer: model, parser, serializer, URIs, name-addrs, Vias (RFC 3261 §7, §19, §20, §25). */
export * from './types.ts';
export { SipParseError } from './errors.ts';
export { SipMessage } from './message.ts';
export { SipRequest } from './request.ts';
export { SipResponse } from './response.ts';
export { parseMessage } from './parser.ts';
export type { ParseOptions } from './parser.ts';
export { serialize } from './serializer.ts';
export { createResponse } from './create-response.ts';
export type { CreateResponseOptions } from './create-response.ts';
export { validateRequest } from './validate.ts';
export { parseUri, formatUri, uriEquals } from './uri.ts';
export { parseNameAddr, formatNameAddr } from './name-addr.ts';
export { parseVia, formatVia } from './via.ts';
export { isKnownMethod } from './methods.ts';
export { defaultReason } from './reason-phrases.ts';
export { ipFamily } from './ip.ts';
