/**
 * What the API needs from the call engine: live registrations, call control, outbound calls and
 * groupcalls (groupcall.md). Optional in `ApiOptions` so the API can run (and be tested) without SIP; each
 * group of routes exists only when its part is given.
 */
import type { PageQuery, PageResult } from '../directory/schemas/common.ts';
import type { Call, CallCreate, Groupcall, GroupcallCreate } from '../directory/schemas/index.ts';
import type { RegistrationView } from '../pbx/registrar/types.ts';

/** `POST /v1.0/calls`: one call per destination that is a single leg, one groupcall per group of legs. */
export interface CallsCreated {
  calls: Call[];
  groupcalls: Groupcall[];
}

export interface PbxApi {
  registrations: {
    /** Live bindings of the tenant, newest first. */
    list(
      customerId: string,
      page: PageQuery,
    ): PageResult<RegistrationView> | Promise<PageResult<RegistrationView>>;
  };
  calls: {
    /**
     * The call as memory knows it (live, or changed and not yet stored); undefined → the route reads the
     * store.
     */
    latest?(customerId: string, id: string): Call | undefined;
    /** Resolves once every call record change made so far is in the store (lists read the store). */
    written?(): Promise<void>;
    /** Hangs a live call up (BYE or CANCEL); 404 `CALL_NOT_FOUND` when it is not live in this tenant. */
    hangup(customerId: string, callId: string): Promise<Call>;
    /** Outbound calls (`POST /v1.0/calls`); 400 for an unknown destination or a `tel` without trunk. */
    create?(customerId: string, input: CallCreate): Promise<CallsCreated>;
    /**
     * `POST /v1.0/calls/{id}/pickup` (pickup.md §6): rings the picker (`device_id` or `user_id`); the first
     * device to answer picks call `{id}` up if still pickable. Answers the groupcall ringing the picker.
     * 404 `CALL_NOT_FOUND`, 409 `CALL_NOT_PICKABLE` / `PICKER_NOT_REACHABLE`, 400 `REFERENCE_NOT_FOUND`.
     */
    pickup?(
      customerId: string,
      callId: string,
      picker: { device_id: string; user_id?: undefined } | { user_id: string; device_id?: undefined },
    ): Promise<Groupcall>;
  };
  groupcalls?: {
    /** `POST /v1.0/groupcalls`: the record, already stored; its legs are being dialed. */
    create(customerId: string, input: GroupcallCreate): Promise<Groupcall>;
    /**
     * The groupcall as memory knows it (live, or changed and not yet stored); undefined → the route reads
     * the store. Throws 404 `GROUPCALL_NOT_FOUND` when it was deleted.
     */
    latest(customerId: string, id: string): Groupcall | undefined;
    /** Resolves once every groupcall change made so far is in the store (lists read the store). */
    written(): Promise<void>;
    /** `POST /v1.0/groupcalls/{id}/hangup` (idempotent); 404 when unknown. */
    hangup(customerId: string, id: string): Promise<Groupcall>;
    /** `DELETE /v1.0/groupcalls/{id}`: hung up first, then soft-deleted; 404 when unknown. */
    delete(customerId: string, id: string): Promise<Groupcall>;
  };
}
