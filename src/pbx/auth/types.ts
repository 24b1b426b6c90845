/**
 * Device authentication contract (issue 4): REGISTER (401, `WWW-Authenticate`) and a device's own INVITEs
 * (407, `Proxy-Authenticate`) are both checked against the device's HA1 in its tenant's realm (= the
 * tenant's SIP domain). Implemented by `device-auth.ts`; used by the registrar and the B2BUA.
 */
import type { DeviceEntry, TenantEntry } from '../../directory/index.ts';
import type { SipRequest } from '../../sip/message/index.ts';
import type { SourceAddress } from '../registrar/types.ts';

export type AuthOutcome =
  | { ok: true; tenant: TenantEntry; device: DeviceEntry }
  | {
      ok: false;
      /** The response to send: 401/407 (challenge), 403 (wrong domain / disabled / throttled / user
       * mismatch), 404 (unknown domain), 400 (malformed credentials). */
      status: number;
      reason: string;
      /** Headers to add (the challenge). */
      headers: Array<[string, string]>;
      /** For logs and metrics: 'challenge' | 'bad-password' | 'unknown-user' | 'throttled' | … */
      cause: string;
    };

export interface DeviceAuthenticator {
  /**
   * Authenticates the device sending `req`. The tenant comes from the From host (a device's own request);
   * an IP literal maps to the configured default domain. `proxy` picks 407/Proxy-Authenticate (INVITE)
   * over 401/WWW-Authenticate (REGISTER). Failed attempts count towards the brute-force throttle by
   * source address and by username.
   */
  check(req: SipRequest, source: SourceAddress, proxy: boolean): AuthOutcome;
}
