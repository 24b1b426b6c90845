/**
 * The dialog layer's error catalogue. Every error the dialog code throws on purpose is a
 * {@link DialogError} with a stable {@link DialogErrorCode}; a caller that feeds network input into
 * a factory (`Dialog.fromUac`, `Dialog.fromUas`, `UacDialogSet.onResponse`) catches it and the
 * `SipParseError` a lazily parsed header may throw.
 */

/** Stable codes of {@link DialogError}. */
export type DialogErrorCode =
  /** A state change the §12 state machine does not allow (programming error). */
  | 'illegal-transition'
  /** The response cannot create a dialog: status 100, 3xx–6xx, or a 1xx without a To tag (§12.1). */
  | 'not-dialog-creating'
  /** A dialog-creating message carries no Contact, so there is no remote target (§12.1.1, §12.1.2). */
  | 'missing-contact'
  /** The request has no From tag and no tag is minted for us (§12.1.2: the UAC's own tag is required). */
  | 'missing-tag'
  /** A request was to be built in a terminated dialog. */
  | 'dialog-terminated'
  /** Extra headers tried to override a header that identifies the dialog (To, From, Call-ID, CSeq, Route, Via). */
  | 'reserved-header'
  /** Two different dialogs with the same key in a `DialogStore`, or a terminated one added. */
  | 'store-conflict'
  /** A timer helper was started twice or used after it finished. */
  | 'bad-state';

/** An error thrown by the dialog layer, with a stable {@link DialogErrorCode}. */
export class DialogError extends Error {
  /** Stable machine-readable code. */
  readonly code: DialogErrorCode;

  constructor(code: DialogErrorCode, message: string) {
    super(message);
    this.name = 'DialogError';
    this.code = code;
  }
}
