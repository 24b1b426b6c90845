/**
 * The catalogue of event types (groupcall.md "Events", pickup.md). Subscribers may filter only on types
 * named here, so a typo in a filter is an error rather than a silent "nothing ever arrives". A feature that
 * publishes a new type adds it here (and to docs/api.md "Events").
 */

/** Every event type ringd publishes, with what it announces. */
export const EVENT_TYPES = {
  call_created: 'a call leg record was created (status dialing)',
  call_dialing: 'an outgoing leg sent its INVITE',
  call_ringing: 'a leg is ringing (180/183)',
  call_progressing: 'a leg was answered',
  call_terminating: 'an answered leg is being hung up (BYE)',
  call_canceling: 'a ringing leg is being cancelled (CANCEL)',
  call_hangup: 'a leg ended; hangup_by and hangup_reason say who and why',
  call_pickup: 'a ringing call was picked up by another phone',
  groupcall_created: 'a groupcall started ringing its destinations',
  groupcall_progressing: 'a groupcall member answered, or the call was picked up',
  groupcall_hangup: 'a groupcall ended',
  groupcall_deleted: 'a groupcall record was deleted',
} as const;

export type EventType = keyof typeof EVENT_TYPES;

/** Whether `type` is in the catalogue. */
export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENT_TYPES, type);
}
