/**
 * The directory's error catalogue (style.md §8): every refusal has a stable `reason` code and an HTTP
 * status; the API turns a `DirectoryError` into the error envelope of api.md unchanged.
 */

export interface ErrorDetail {
  /** JSON path of the offending input, e.g. `/flow/children/_/data/id` ('' for the whole body). */
  path: string;
  message: string;
  /** Ids involved (e.g. the callflows that refer to a user being deleted). */
  ids?: string[];
}

export class DirectoryError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 422 | 500 | 503,
    readonly reason: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }
}

/** `<RESOURCE>_NOT_FOUND`, e.g. notFound('user') → 404 USER_NOT_FOUND. */
export function notFound(resource: string, id?: string): DirectoryError {
  const name = resource.replace(/[^a-z]/gi, '_').toUpperCase();
  return new DirectoryError(
    404,
    `${name}_NOT_FOUND`,
    id ? `${resource} ${id} not found` : `${resource} not found`,
  );
}

/** 400 VALIDATION_FAILED with one or more JSON paths. */
export function invalid(
  details: ErrorDetail[],
  message = details[0]?.message ?? 'invalid input',
): DirectoryError {
  return new DirectoryError(400, 'VALIDATION_FAILED', message, details);
}

/** 409 with a specific reason (e.g. NUMBER_TAKEN, SIP_USERNAME_TAKEN, DOMAIN_TAKEN, RESOURCE_IN_USE). */
export function conflict(reason: string, message: string, details: ErrorDetail[] = []): DirectoryError {
  return new DirectoryError(409, reason, message, details);
}

/**
 * Reason codes used by the directory (documented in docs/api.md; a test checks each appears there):
 * VALIDATION_FAILED, UNKNOWN_MODULE, REFERENCE_NOT_FOUND, GROUP_CYCLE, INVALID_GROUP_NAME,
 * NUMBER_TAKEN, PATTERN_TAKEN, SIP_USERNAME_TAKEN, DOMAIN_TAKEN, RESOURCE_IN_USE, <RESOURCE>_NOT_FOUND.
 */
export const DIRECTORY_REASONS = [
  'VALIDATION_FAILED',
  'UNKNOWN_MODULE',
  'REFERENCE_NOT_FOUND',
  'GROUP_CYCLE',
  'INVALID_GROUP_NAME',
  'NUMBER_TAKEN',
  'PATTERN_TAKEN',
  'SIP_USERNAME_TAKEN',
  'DOMAIN_TAKEN',
  'RESOURCE_IN_USE',
] as const;
