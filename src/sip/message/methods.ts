/**
 * Methods ringd's SIP core knows (RFC 3261 §7.1 and extensions: 3262, 3265/6665, 3903,
 * 2976/6086, 3515, 3428, 3311).
 */
export const KNOWN_METHOD_LIST: readonly string[] = [
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'OPTIONS',
  'REGISTER',
  'PRACK',
  'SUBSCRIBE',
  'NOTIFY',
  'PUBLISH',
  'INFO',
  'REFER',
  'MESSAGE',
  'UPDATE',
];

const KNOWN_METHODS: ReadonlySet<string> = new Set(KNOWN_METHOD_LIST);

/** True for the methods of {@link KNOWN_METHOD_LIST} (case-sensitive, §7.1). */
export function isKnownMethod(m: string): boolean {
  return KNOWN_METHODS.has(m);
}
