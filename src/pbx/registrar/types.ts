/**
 * The registrar's contract (issue 4): who is registered where. The B2BUA asks it for a device's contacts;
 * the API lists them. Bindings are per device (authenticated by digest against the device's HA1).
 */

/** Where a REGISTER came from: requests to the contact are sent here (NAT: the source, not the Contact host). */
export interface SourceAddress {
  address: string;
  port: number;
  transport: 'UDP' | 'TCP';
}

export interface Binding {
  customerId: string;
  deviceId: string;
  /** The Contact URI as registered (its user part is what a phone like baresip expects in the R-URI). */
  contact: string;
  source: SourceAddress;
  /** Epoch ms when the binding expires. */
  expiresAt: number;
  userAgent: string;
  callId: string;
  cseq: number;
  /** The `q` parameter (0–1, default 1). */
  q: number;
}

/** A binding as `GET /v1.0/registrations` shows it. */
export interface RegistrationView {
  id: string;
  customer_id: string;
  device_id: string;
  sip_username: string;
  contact: string;
  source: string; // "udp:192.0.2.1:5060"
  user_agent: string;
  expires: number; // seconds left
  tm_expire: string; // timestamp format of the store
  tm_update: string;
}

export interface RegistrarLookup {
  /** Live (unexpired) bindings of a device, highest q first, then most recent. */
  contactsOf(customerId: string, deviceId: string): readonly Binding[];
}
