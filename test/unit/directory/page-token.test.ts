import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DirectoryError } from '../../../src/directory/errors.ts';
import {
  decodePageToken,
  encodePageToken,
  toPageRequest,
  toPageResult,
} from '../../../src/directory/page-token.ts';

const cursor = { tm_create: '2023-04-21 15:33:28.569053', id: '6f1f1b2e-3c1a-4b8e-9a52-0a8f1b2c3d4e' };

function reasonOf(fn: () => unknown): DirectoryError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DirectoryError);
    return e;
  }
  assert.fail('expected a refusal');
}

describe('page tokens', () => {
  it('round-trips a cursor and is base64url of JSON [tm_create, id]', () => {
    const token = encodePageToken(cursor);
    assert.match(token, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(JSON.parse(Buffer.from(token, 'base64url').toString()), [cursor.tm_create, cursor.id]);
    assert.deepEqual(decodePageToken(token), cursor);
  });

  const bad: Array<[string, string]> = [
    ['not base64url', 'abc$%'],
    ['not JSON', Buffer.from('{nope').toString('base64url')],
    ['an object', Buffer.from('{"a":1}').toString('base64url')],
    ['one element', Buffer.from('["2023-04-21 15:33:28.569053"]').toString('base64url')],
    ['bad timestamp', Buffer.from('["yesterday","x"]').toString('base64url')],
    ['number id', Buffer.from('["2023-04-21 15:33:28.569053",5]').toString('base64url')],
    ['empty id', Buffer.from('["2023-04-21 15:33:28.569053",""]').toString('base64url')],
  ];
  for (const [what, token] of bad) {
    it(`refuses a malformed token (${what}): 400 INVALID_PAGE_TOKEN at /page_token`, () => {
      const e = reasonOf(() => toPageRequest({ page_token: token }));
      assert.equal(e.status, 400);
      assert.equal(e.reason, 'INVALID_PAGE_TOKEN');
      assert.equal(e.details[0].path, '/page_token');
    });
  }

  it('page_size defaults to 100, accepts 1..100, refuses 0, 101 and fractions at /page_size', () => {
    assert.deepEqual(toPageRequest(undefined), { pageSize: 100 });
    assert.deepEqual(toPageRequest({ page_size: 1 }), { pageSize: 1 });
    assert.deepEqual(toPageRequest({ page_size: 100, page_token: encodePageToken(cursor) }), {
      pageSize: 100,
      after: cursor,
    });
    for (const size of [0, 101, 2.5]) {
      const e = reasonOf(() => toPageRequest({ page_size: size }));
      assert.equal(e.status, 400);
      assert.equal(e.details[0].path, '/page_size');
    }
  });

  it("an empty page_token means the first page; next_page_token is '' on the last page", () => {
    assert.deepEqual(toPageRequest({ page_token: '' }), { pageSize: 100 });
    assert.deepEqual(
      toPageResult({ rows: [1, 2] }, (n) => n * 2),
      { result: [2, 4], next_page_token: '' },
    );
    const more = toPageResult({ rows: [1], next: cursor }, (n) => n);
    assert.deepEqual(decodePageToken(more.next_page_token), cursor);
  });
});
