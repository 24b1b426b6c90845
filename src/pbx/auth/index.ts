/** Device authentication (issue 4): digest against the device's HA1, with a brute-force throttle. */
export type * from './types.ts';
export { DeviceAuth, type DeviceAuthOptions } from './device-auth.ts';
export { AuthThrottle, type ThrottleOptions, type ThrottleVerdict } from './throttle.ts';
