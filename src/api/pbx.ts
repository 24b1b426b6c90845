/**
 * What the API needs from the call engine (issue 4): live registrations and call control. Optional in
 * `ApiOptions` so the API can run (and be tested) without SIP.
 */
import type { PageQuery, PageResult } from '../directory/schemas/common.ts';
import type { Call } from '../directory/schemas/index.ts';
import type { RegistrationView } from '../pbx/registrar/types.ts';

export interface PbxApi {
  registrations: {
    /** Live bindings of the tenant, newest first. */
    list(
      customerId: string,
      page: PageQuery,
    ): PageResult<RegistrationView> | Promise<PageResult<RegistrationView>>;
  };
  calls: {
    /** Hangs a live call up (BYE or CANCEL); 404 `CALL_NOT_FOUND` when it is not live in this tenant. */
    hangup(customerId: string, callId: string): Promise<Call>;
  };
}
