import type { SipRequest, SipResponse } from '../message/index.ts';

/**
 * Dialog identifier (RFC 3261 §12): Call-ID, local tag and remote tag, seen from our side.
 * A missing remote tag (an RFC 2543 peer, §12.1.1/§12.1.2 "null" tag) is the empty string.
 */
export interface DialogId {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
}

/**
 * Separator of the parts of a dialog key: a line feed, which can never occur inside a header value
 * once the parser has unfolded it, so two different (Call-ID, tag, tag) triples never share a key.
 */
export const DIALOG_KEY_SEPARATOR = '\n';

/**
 * Index key of a dialog: `callId + '\n' + localTag + '\n' + remoteTag`.
 * Call-ID is compared byte for byte (§20.8); tags are compared exactly as well. Deliberate
 * deviation: §7.3.1 would make parameter values case-insensitive, but peers echo our tags verbatim
 * and an exact compare keeps lookups O(1) without lower-casing on the hot path.
 */
export function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return callId + DIALOG_KEY_SEPARATOR + localTag + DIALOG_KEY_SEPARATOR + remoteTag;
}

/**
 * Key of the dialog an incoming request belongs to (§12.2.2): our local tag is the request's To tag,
 * the remote tag its From tag. `undefined` when the request has no To tag (it is outside any dialog).
 */
export function keyOfIncomingRequest(req: SipRequest): string | undefined {
  const local = req.toTag;
  if (local === undefined || local === '') return undefined;
  return dialogKey(req.callId, local, req.fromTag ?? '');
}

/**
 * Key of the dialog a response to one of our requests belongs to (§12.2.1.2): our local tag is the
 * response's From tag, the remote tag its To tag. `undefined` when the From tag is missing.
 */
export function keyOfIncomingResponse(res: SipResponse): string | undefined {
  const local = res.fromTag;
  if (local === undefined || local === '') return undefined;
  return dialogKey(res.callId, local, res.toTag ?? '');
}

/**
 * Target refresh requests: they carry a Contact that replaces the remote target (§12.2, §12.2.1.2,
 * §12.2.2). INVITE (re-INVITE, RFC 3261), UPDATE (RFC 3311 §5.1), SUBSCRIBE and NOTIFY (RFC 6665).
 */
export const TARGET_REFRESH_METHODS: ReadonlySet<string> = new Set([
  'INVITE',
  'UPDATE',
  'SUBSCRIBE',
  'NOTIFY',
]);

/**
 * Methods for which an in-dialog request we build carries our Contact: the target refresh methods
 * plus REFER, which can establish a dialog of its own (RFC 3515) and so needs a Contact (§8.1.1.8).
 */
export const CONTACT_METHODS: ReadonlySet<string> = new Set([
  'INVITE',
  'UPDATE',
  'SUBSCRIBE',
  'NOTIFY',
  'REFER',
]);

/** True for a target refresh method ({@link TARGET_REFRESH_METHODS}). */
export function isTargetRefresh(method: string): boolean {
  return TARGET_REFRESH_METHODS.has(method);
}
