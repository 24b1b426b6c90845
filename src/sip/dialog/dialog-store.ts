import type { SipRequest, SipResponse } from '../message/index.ts';
import type { Dialog } from './dialog.ts';
import { DialogError } from './dialog-error.ts';
import { keyOfIncomingRequest, keyOfIncomingResponse } from './dialog-id.ts';

/**
 * Dialogs indexed by key for O(1) matching of incoming in-dialog requests and responses
 * (RFC 3261 §12.2.1.2, §12.2.2). A dialog leaves the store by itself when it becomes terminated.
 */
export class DialogStore {
  private readonly byKey = new Map<string, Dialog>();
  private readonly unsubscribe = new Map<string, () => void>();

  /** Number of dialogs held. */
  get size(): number {
    return this.byKey.size;
  }

  /**
   * Adds a dialog; it is deleted automatically when it becomes terminated. Adding the same dialog
   * again is a no-op.
   * @throws DialogError 'store-conflict' for a terminated dialog or another dialog with the same key.
   */
  add(dialog: Dialog): void {
    const held = this.byKey.get(dialog.key);
    if (held === dialog) return;
    if (held !== undefined) throw new DialogError('store-conflict', 'another dialog has the same key');
    if (dialog.state === 'terminated')
      throw new DialogError('store-conflict', 'dialog is already terminated');
    this.byKey.set(dialog.key, dialog);
    this.unsubscribe.set(
      dialog.key,
      dialog.onStateChange((state) => {
        if (state === 'terminated') this.delete(dialog);
      }),
    );
  }

  /** The dialog of a key (see `dialogKey()`). */
  get(key: string): Dialog | undefined {
    return this.byKey.get(key);
  }

  /** True when a dialog with that key is held. */
  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /**
   * The dialog an incoming request belongs to (§12.2.2: Call-ID, To tag = our local tag, From tag =
   * remote tag). `undefined` when the request carries no To tag or matches no dialog (the UA answers
   * 481 to a request with a To tag it cannot match, §12.2.2).
   */
  matchRequest(req: SipRequest): Dialog | undefined {
    const key = keyOfIncomingRequest(req);
    return key === undefined ? undefined : this.byKey.get(key);
  }

  /** The dialog a response to one of our in-dialog requests belongs to (From tag = ours, To tag = theirs). */
  matchResponse(res: SipResponse): Dialog | undefined {
    const key = keyOfIncomingResponse(res);
    return key === undefined ? undefined : this.byKey.get(key);
  }

  /** Removes a dialog (by object or key); returns whether it was held. */
  delete(dialogOrKey: Dialog | string): boolean {
    const key = typeof dialogOrKey === 'string' ? dialogOrKey : dialogOrKey.key;
    if (typeof dialogOrKey !== 'string' && this.byKey.get(key) !== dialogOrKey) return false;
    const off = this.unsubscribe.get(key);
    this.unsubscribe.delete(key);
    off?.();
    return this.byKey.delete(key);
  }

  /** Every dialog held (a snapshot). */
  values(): Dialog[] {
    return [...this.byKey.values()];
  }

  /** Removes every dialog without changing their state. */
  clear(): void {
    for (const off of this.unsubscribe.values()) off();
    this.unsubscribe.clear();
    this.byKey.clear();
  }
}
