/**
 * Public shapes of the SIP message model (RFC 3261 §7, §19, §20, §25). This file is the contract
 * between the parser and every layer above it (transport, transactions, dialogs, digest, UA).
 * The classes implementing it live in `message.ts`; parsing in `parser.ts`; output in `serializer.ts`.
 */

/** A parsed URI (§19.1). `sip`/`sips` are parsed fully; other schemes keep their text in `opaque`. */
export interface Uri {
  /** Lower-case scheme: `sip`, `sips`, `tel`, or any other (then only `opaque` is set). */
  scheme: string;
  /** User part, `%HH`-unescaped once (never recursively). Absent when the URI has none. */
  user?: string;
  /** Password part, unescaped. */
  password?: string;
  /** Host as written (IPv6 references keep their brackets); compare lower-cased. */
  host: string;
  /** Port, when present. */
  port?: number;
  /** uri-parameters, names lower-cased, values unescaped; `null` for a parameter without a value (`;lr`). */
  params: Record<string, string | null>;
  /** `?headers` of the URI, unescaped. */
  headers: Record<string, string>;
  /** Everything after `scheme:` for schemes other than sip/sips (tel, http, urn…). */
  opaque?: string;
}

/** `name-addr` / `addr-spec` with header parameters (From, To, Contact, Route, Record-Route…). */
export interface NameAddr {
  /** Display name without quotes, quoted-pairs resolved. */
  displayName?: string;
  uri: Uri;
  /** Header parameters (outside `<>`), names lower-cased; e.g. `tag`, `expires`, `q`. */
  params: Record<string, string | null>;
}

/** One Via value (§20.42). */
export interface Via {
  /** `SIP/2.0` normally; kept as received. */
  protocol: string;
  /** Upper-case transport: `UDP`, `TCP`, `TLS`, `SCTP`, `WS`… */
  transport: string;
  /** sent-by host. */
  host: string;
  /** sent-by port when present. */
  port?: number;
  /** Parameters, names lower-cased (`branch`, `received`, `rport`, `maddr`, `ttl`…). */
  params: Record<string, string | null>;
}

/** CSeq (§20.16): sequence number (32-bit unsigned) and method. */
export interface CSeq {
  seq: number;
  method: string;
}

/** Where a message came from or goes to. */
export interface Endpoint {
  /** `UDP` or `TCP` (later `TLS`, `WS`). */
  transport: string;
  address: string;
  port: number;
}
