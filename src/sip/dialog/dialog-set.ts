import type { SipRequest, SipResponse } from '../message/index.ts';
import { Dialog } from './dialog.ts';
import type { UacDialogOptions } from './dialog-types.ts';

/** Options of {@link UacDialogSet}. */
export interface UacDialogSetOptions extends UacDialogOptions {
  /** Called once for every dialog the set creates (early or confirmed), e.g. to add it to a `DialogStore`. */
  onDialog?: (dialog: Dialog) => void;
}

/**
 * The dialogs of one outgoing INVITE that proxies may fork (RFC 3261 §12.1.2, §13.2.2.4): one dialog
 * per distinct To tag. 1xx responses with a To tag create early dialogs; every 2xx confirms the
 * dialog of its tag or creates a confirmed one, so with several 2xx from a forking proxy the UA gets
 * one dialog each, ACKs each, and sends BYE on those it does not want (§13.2.2.4). A 3xx–6xx final
 * response terminates every early dialog.
 */
export class UacDialogSet {
  /** The INVITE this set belongs to. */
  readonly request: SipRequest;
  private readonly byTag = new Map<string, Dialog>();
  private readonly confirmedTags = new Set<string>();
  private readonly opts: UacDialogSetOptions;
  private _failed = false;

  constructor(request: SipRequest, opts: UacDialogSetOptions = {}) {
    this.request = request;
    this.opts = opts;
  }

  /** Every dialog created so far, in creation order (terminated ones included). */
  get dialogs(): Dialog[] {
    return [...this.byTag.values()];
  }

  /** Dialogs currently confirmed. */
  get confirmed(): Dialog[] {
    return this.dialogs.filter((d) => d.state === 'confirmed');
  }

  /** Dialogs currently early. */
  get early(): Dialog[] {
    return this.dialogs.filter((d) => d.state === 'early');
  }

  /** True once a 3xx–6xx final response ended the INVITE. */
  get failed(): boolean {
    return this._failed;
  }

  /** The dialog of a remote tag, if any. */
  get(remoteTag: string): Dialog | undefined {
    return this.byTag.get(remoteTag);
  }

  /**
   * Applies a response to the INVITE and returns the dialog of its To tag:
   * - 100, or a 1xx without To tag: no dialog → `undefined`;
   * - 1xx with a To tag: the early dialog of that tag (created on first sight);
   * - 2xx: the dialog of that tag, confirmed (created confirmed when new; a retransmitted 2xx returns
   *   the same dialog). A 2xx without To tag (RFC 2543) gets a dialog with an empty remote tag;
   * - 3xx–6xx: every early dialog is terminated; `undefined`.
   * A 1xx after a 3xx–6xx, or for a terminated dialog, returns `undefined`. A 2xx for a dialog that was
   * terminated while early (CANCEL race) creates a fresh confirmed dialog of that tag for the UA to ACK
   * and BYE; a retransmitted 2xx returns the dialog it already confirmed, in whatever state it is now.
   * @throws SipParseError from a malformed header of the response; DialogError as `Dialog.fromUac`.
   */
  onResponse(res: SipResponse): Dialog | undefined {
    const status = res.status;
    if (status >= 300) {
      this._failed = true;
      for (const d of this.byTag.values()) if (d.state === 'early') d.terminate();
      return undefined;
    }
    const tag = res.toTag ?? '';
    if (status < 200 && (status === 100 || tag === '' || this._failed)) return undefined;
    const existing = this.byTag.get(tag);
    if (existing !== undefined) {
      if (status < 200) return existing.state === 'terminated' ? undefined : existing;
      // A 2xx for a dialog that ended while still early (the UA cancelled, and the 2xx crossed the
      // CANCEL) starts a fresh confirmed dialog, so that the UA can ACK and BYE it (§15).
      // Retransmitted 2xx of a dialog that was confirmed return that dialog, whatever its state.
      if (existing.state !== 'terminated' || this.confirmedTags.has(tag)) {
        existing.receiveResponse(res);
        if (existing.state === 'confirmed') this.confirmedTags.add(tag);
        return existing;
      }
    }
    const dialog = Dialog.fromUac(this.request, res, this.opts);
    this.byTag.set(tag, dialog);
    if (dialog.state === 'confirmed') this.confirmedTags.add(tag);
    this.opts.onDialog?.(dialog);
    return dialog;
  }

  /** Terminates every dialog of the set that is not terminated yet (e.g. the caller gave up). */
  terminateAll(): void {
    for (const d of this.byTag.values()) d.terminate();
  }
}
