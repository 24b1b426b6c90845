/**
 * What a user agent supports, used by the UAS checks of RFC 3261 §8.2 and advertised in `Allow`,
 * `Supported` and `Accept` headers.
 */
export interface UaCapabilities {
  /** Methods this UA handles (`Allow`). Default: INVITE ACK CANCEL BYE OPTIONS INFO UPDATE. */
  methods: ReadonlySet<string>;
  /** Option tags understood in `Require` (`Supported`). Default: none. */
  extensions: ReadonlySet<string>;
  /** Body types this UA accepts (`Accept`), lower-case. Default: application/sdp. */
  contentTypes: ReadonlySet<string>;
}

/** Defaults of {@link UaCapabilities}. */
export const DEFAULT_CAPABILITIES: UaCapabilities = Object.freeze({
  methods: new Set(['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'INFO', 'UPDATE']),
  extensions: new Set<string>(),
  contentTypes: new Set(['application/sdp']),
});

/** Merges partial capabilities over the defaults. */
export function capabilities(partial?: Partial<UaCapabilities>): UaCapabilities {
  return { ...DEFAULT_CAPABILITIES, ...partial };
}

/** `Allow` header value. */
export function allowValue(caps: UaCapabilities): string {
  return [...caps.methods].join(', ');
}
