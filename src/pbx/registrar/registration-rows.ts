/**
 * Bindings as stored (`registrations` rows) and as the API shows them (`RegistrationView`, newest-first
 * keyset pages with the directory's opaque page tokens).
 */
import { encodePageToken } from '../../directory/index.ts';
import { toPageRequest } from '../../directory/page-token.ts';
import type { PageQuery, PageResult } from '../../directory/schemas/common.ts';
import { parseUri } from '../../sip/message/index.ts';
import type { RegistrationRow } from '../../store/repos/registrations.ts';
import { formatTimestamp } from '../../store/index.ts';
import type { BindingRecord } from './binding-table.ts';
import type { Binding, RegistrationView } from './types.ts';

/** The row of a binding. */
export function toRow(r: BindingRecord): RegistrationRow {
  const b = r.binding;
  return {
    id: r.id,
    customer_id: b.customerId,
    device_id: b.deviceId,
    contact: b.contact,
    source_address: b.source.address,
    source_port: b.source.port,
    transport: b.source.transport,
    user_agent: b.userAgent,
    call_id: b.callId,
    cseq: b.cseq,
    q: b.q,
    expires_at: b.expiresAt,
    tm_create: r.tmCreate,
    tm_update: r.tmUpdate,
  };
}

/** The binding of a stored row; undefined when its contact no longer parses. */
export function recordFromRow(
  row: RegistrationRow,
  sipUsername: string,
  now: number,
): BindingRecord | undefined {
  let uri;
  try {
    uri = parseUri(row.contact);
  } catch {
    return undefined;
  }
  const binding: Binding = Object.freeze({
    customerId: row.customer_id,
    deviceId: row.device_id,
    contact: row.contact,
    source: Object.freeze({
      address: row.source_address,
      port: row.source_port,
      transport: row.transport === 'TCP' ? 'TCP' : 'UDP',
    }),
    expiresAt: row.expires_at,
    userAgent: row.user_agent,
    callId: row.call_id,
    cseq: row.cseq,
    q: row.q,
  });
  return {
    id: row.id,
    binding,
    uri,
    sipUsername,
    tmCreate: row.tm_create,
    tmUpdate: row.tm_update,
    updatedAt: now,
  };
}

/** The API view of a binding at `now`. */
export function toView(r: BindingRecord, now: number, sipUsername: string): RegistrationView {
  const b = r.binding;
  const host = b.source.address.includes(':') ? `[${b.source.address}]` : b.source.address;
  return {
    id: r.id,
    customer_id: b.customerId,
    device_id: b.deviceId,
    sip_username: sipUsername,
    contact: b.contact,
    source: `${b.source.transport.toLowerCase()}:${host}:${b.source.port}`,
    user_agent: b.userAgent,
    expires: Math.max(0, Math.ceil((b.expiresAt - now) / 1000)),
    tm_expire: formatTimestamp(b.expiresAt),
    tm_update: r.tmUpdate,
  };
}

/** `r` comes after the cursor (tm_create, id) in newest-first order. */
function olderThan(r: BindingRecord, tmCreate: string, id: string): boolean {
  return r.tmCreate < tmCreate || (r.tmCreate === tmCreate && r.id < id);
}

/**
 * One page of live bindings, newest first by (tm_create, id). Throws `DirectoryError` 400 on a bad
 * `page_size` / `page_token` (the API's usual error).
 */
export function listPage(
  records: Iterable<BindingRecord>,
  page: PageQuery,
  now: number,
  usernameOf: (r: BindingRecord) => string,
): PageResult<RegistrationView> {
  const req = toPageRequest(page);
  const after = req.after;
  const rows: BindingRecord[] = [];
  for (const r of records) {
    if (r.binding.expiresAt > now && (after === undefined || olderThan(r, after.tm_create, after.id)))
      rows.push(r);
  }
  rows.sort((a, b) => (olderThan(a, b.tmCreate, b.id) ? 1 : olderThan(b, a.tmCreate, a.id) ? -1 : 0));
  const pageRows = rows.slice(0, req.pageSize);
  const last = pageRows[pageRows.length - 1];
  return {
    result: pageRows.map((r) => toView(r, now, usernameOf(r))),
    next_page_token:
      rows.length > req.pageSize && last !== undefined
        ? encodePageToken({ tm_create: last.tmCreate, id: last.id })
        : '',
  };
}
