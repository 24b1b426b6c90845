/**
 * List pages (api.md "Lists"): `page_size` 1–100 (default 100) and an opaque `page_token`, which is the
 * base64url of the JSON `[tm_create, id]` of the last row of the previous page (the store's keyset cursor).
 */
import type { Cursor, Page, PageRequest } from '../store/types.ts';
import { TIMESTAMP_PATTERN } from '../store/timestamp.ts';
import { DirectoryError, invalid } from './errors.ts';
import type { PageQuery, PageResult } from './schemas/common.ts';

/** Rows per page when `page_size` is absent. */
export const DEFAULT_PAGE_SIZE = 100;
/** Largest accepted `page_size`. */
export const MAX_PAGE_SIZE = 100;

/** The token of a cursor: base64url of `[tm_create, id]`. */
export function encodePageToken(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.tm_create, cursor.id]), 'utf8').toString('base64url');
}

function badToken(why: string): DirectoryError {
  return new DirectoryError(
    400,
    'INVALID_PAGE_TOKEN',
    `page_token is not valid (${why}); pass a next_page_token`,
    [{ path: '/page_token', message: why }],
  );
}

/** The cursor of a token; throws 400 INVALID_PAGE_TOKEN (path `/page_token`) when it is malformed. */
export function decodePageToken(token: string): Cursor {
  if (token.length > 256 || !/^[A-Za-z0-9_-]+$/.test(token)) throw badToken('not base64url text');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw badToken('not a token this server made');
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    typeof parsed[0] !== 'string' ||
    typeof parsed[1] !== 'string' ||
    !TIMESTAMP_PATTERN.test(parsed[0]) ||
    parsed[1].length === 0 ||
    parsed[1].length > 64
  ) {
    throw badToken('not a token this server made');
  }
  return { tm_create: parsed[0], id: parsed[1] };
}

/** The store's page request for an API page query (validates `page_size` and `page_token`). */
export function toPageRequest(query: PageQuery | undefined): PageRequest {
  const size = query?.page_size ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw invalid([
      { path: '/page_size', message: `page_size must be an integer from 1 to ${MAX_PAGE_SIZE}` },
    ]);
  }
  const token = query?.page_token;
  return token ? { pageSize: size, after: decodePageToken(token) } : { pageSize: size };
}

/** The API page of a store page, each row mapped with `map`. */
export function toPageResult<R, T>(page: Page<R>, map: (row: R) => T): PageResult<T> {
  return { result: page.rows.map(map), next_page_token: page.next ? encodePageToken(page.next) : '' };
}
