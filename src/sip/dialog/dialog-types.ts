import type { NameAddr, SipRequest, Uri } from '../message/index.ts';
import type { Dialog } from './dialog.ts';

/* Option, result and state types of {@link Dialog}. */

/** Dialog states (RFC 3261 §12): early (1xx with To tag), confirmed (2xx), terminated. */
export type DialogState = 'early' | 'confirmed' | 'terminated';

/** Which side of the dialog-creating request we were on. */
export type DialogRole = 'uac' | 'uas';

/** Options of {@link Dialog.createRequest}. */
export interface DialogRequestOptions {
  /**
   * Extra headers, appended in order. A name that the dialog already set (Contact, Max-Forwards,
   * Content-Type…) replaces the dialog's value. To, From, Call-ID, CSeq, Route and Via are refused
   * (`DialogError` 'reserved-header'): they identify and route the dialog.
   */
  headers?: Array<[string, string]>;
  /** Message body. */
  body?: Buffer | string;
  /** Content-Type of the body (e.g. `application/sdp`). */
  contentType?: string;
}

/** Options of {@link Dialog.createAck}. */
export interface DialogAckOptions extends DialogRequestOptions {
  /**
   * The INVITE being acknowledged: its Authorization and Proxy-Authorization values are copied, since
   * the ACK for a 2xx MUST carry the same credentials as the INVITE (§13.2.2.4).
   */
  invite?: SipRequest;
}

/** Options of {@link Dialog.fromUac}. */
export interface UacDialogOptions {
  /**
   * Secure flag (§12.1.2: request sent over TLS and Request-URI is SIPS). The dialog layer does not
   * know the transport; default: `true` when the Request-URI scheme is `sips`.
   */
  secure?: boolean;
}

/** Options of {@link Dialog.fromUas}. */
export interface UasDialogOptions {
  /** Secure flag (§12.1.1: request arrived over TLS with a SIPS Request-URI). Default: Request-URI is `sips`. */
  secure?: boolean;
  /**
   * Local sequence number before our first request. §12.1.1 leaves it empty; `0` (the default) means
   * "empty", so our first request in the dialog gets CSeq 1, a valid initial value (§8.1.1.5: < 2^31).
   */
  initialLocalSeq?: number;
}

/** Outcome of {@link Dialog.receiveRequest}. */
export type ReceiveRequestResult =
  | { ok: true }
  | {
      ok: false;
      /** 500 for an out-of-order CSeq (§12.2.2; the caller adds Retry-After), 481 when the dialog is gone or not this one. */
      status: 500 | 481;
      reason: string;
    };

/** Listener of {@link Dialog.onStateChange}. */
export type DialogStateListener = (state: DialogState, dialog: Dialog) => void;

/** Everything a dialog holds (§12); used by the factories, and by callers restoring a dialog. */
export interface DialogInit {
  role: DialogRole;
  state: 'early' | 'confirmed';
  callId: string;
  localTag: string;
  remoteTag: string;
  localSeq: number;
  remoteSeq: number | undefined;
  localUri: NameAddr;
  remoteUri: NameAddr;
  localTarget: Uri;
  remoteTarget: Uri;
  routeSet: NameAddr[];
  secure: boolean;
}
