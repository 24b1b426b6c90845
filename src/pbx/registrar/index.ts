/** The registrar (issue 4): REGISTER handling, bindings per device, persisted in `registrations`. */
export type * from './types.ts';
export {
  Registrar,
  type RegistrarOptions,
  type RegistrarDirectory,
  type RegistrationChange,
} from './registrar.ts';
export {
  readRegister,
  parseDeltaSeconds,
  type RegisterIntent,
  type RequestedContact,
} from './register-request.ts';
