import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DirectoryError } from '../../../src/directory/errors.ts';
import { groupNameProblem, parseNamedGroups } from '../../../src/directory/named-groups.ts';

function refusal(fn: () => unknown): DirectoryError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DirectoryError, `expected a DirectoryError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a refusal');
}

describe('named groups: accepted names', () => {
  for (const name of ['sales', 'Sales', 'support-2', 'a_b', 'x', '1st', 'A1', '_', '-', 'CG_upper', 'cgx']) {
    it(`accepts '${name}'`, () => {
      assert.equal(groupNameProblem(name), undefined);
      assert.deepEqual(parseNamedGroups([name], 'call_groups'), [name]);
      assert.deepEqual(parseNamedGroups(name, 'call_groups'), [name]);
    });
  }

  it('is case-sensitive: Sales and sales are two groups', () => {
    assert.deepEqual(parseNamedGroups('Sales,sales', 'call_groups'), ['Sales', 'sales']);
  });

  it('trims, drops duplicates and keeps the first-seen order (both forms)', () => {
    assert.deepEqual(parseNamedGroups(' b , a,b ,c', 'pickup_groups'), ['b', 'a', 'c']);
    assert.deepEqual(parseNamedGroups([' b', 'a ', 'b', 'c'], 'pickup_groups'), ['b', 'a', 'c']);
  });

  it('an empty or blank string and an empty list mean no groups', () => {
    assert.deepEqual(parseNamedGroups('', 'call_groups'), []);
    assert.deepEqual(parseNamedGroups('   ', 'call_groups'), []);
    assert.deepEqual(parseNamedGroups([], 'call_groups'), []);
  });
});

describe('named groups: refused names', () => {
  const cases: Array<[string, RegExp]> = [
    ['sal es', /only Latin letters/],
    ['ventes€', /only Latin letters/],
    ['grüppe', /only Latin letters/],
    ['a.b', /only Latin letters/],
    ['a;b', /only Latin letters/],
    ['123', /only digits/],
    ['0', /only digits/],
    ['cg_sales', /cg_/],
    ['cg_', /cg_/],
  ];
  for (const [name, rule] of cases) {
    it(`refuses '${name}' in the list form, path = its index`, () => {
      const e = refusal(() => parseNamedGroups(['ok', 'fine', name], 'call_groups'));
      assert.equal(e.status, 400);
      assert.equal(e.reason, 'INVALID_GROUP_NAME');
      assert.equal(e.details[0].path, '/call_groups/2');
      assert.match(e.message, rule);
      assert.ok(e.message.includes(name), 'the message names the group');
    });
    if (!name.includes(',')) {
      it(`refuses '${name}' in the string form, path = index after splitting`, () => {
        const e = refusal(() => parseNamedGroups(`ok,${name}`, 'pickup_groups'));
        assert.equal(e.reason, 'INVALID_GROUP_NAME');
        assert.equal(e.details[0].path, '/pickup_groups/1');
        assert.match(e.message, rule);
      });
    }
  }

  it('refuses an empty name in either form', () => {
    assert.equal(refusal(() => parseNamedGroups('a,,b', 'call_groups')).details[0].path, '/call_groups/1');
    assert.equal(refusal(() => parseNamedGroups('a,b,', 'call_groups')).details[0].path, '/call_groups/2');
    const e = refusal(() => parseNamedGroups(['a', '  '], 'call_groups'));
    assert.equal(e.details[0].path, '/call_groups/1');
    assert.match(e.message, /empty/);
  });
});

describe('named groups: the 1024-character limit', () => {
  const names = (n: number, width: number) =>
    Array.from({ length: n }, (_, i) => `g${String(i).padStart(width - 1, '0')}`);

  it('accepts a string of exactly 1024 characters', () => {
    // 205 names of 4 chars + 204 commas = 1024
    const s = names(205, 4).join(',');
    assert.equal(s.length, 1024);
    assert.equal(parseNamedGroups(s, 'call_groups').length, 205);
  });

  it('refuses a string of 1025 characters, path = the field', () => {
    const s = `${names(205, 4).join(',')}x`;
    assert.equal(s.length, 1025);
    const e = refusal(() => parseNamedGroups(s, 'call_groups'));
    assert.equal(e.reason, 'INVALID_GROUP_NAME');
    assert.equal(e.details[0].path, '/call_groups');
    assert.match(e.message, /1024/);
  });

  it('refuses a list whose joined form exceeds 1024 characters, accepts one at the limit', () => {
    assert.equal(parseNamedGroups(names(205, 4), 'pickup_groups').length, 205);
    const e = refusal(() => parseNamedGroups([...names(205, 4), 'z'], 'pickup_groups'));
    assert.equal(e.details[0].path, '/pickup_groups');
  });

  it('counts the joined form after duplicates are dropped', () => {
    const list = [...names(205, 4), ...names(205, 4)];
    assert.equal(parseNamedGroups(list, 'call_groups').length, 205);
  });
});
