import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CallflowIndex, literalPrefix } from '../../../src/directory/cache/callflow-index.ts';
import { defaultFeatureCodeCallflows } from '../../../src/directory/feature-codes.ts';

function indexOf(entries: Array<[string, string[], string[]]>): CallflowIndex {
  const index = new CallflowIndex();
  for (const [id, numbers, patterns] of entries) index.set(id, numbers, patterns);
  return index;
}

describe('literal prefixes of patterns', () => {
  const cases: Array<[string, string]> = [
    ['^\\*87#?$', '*87'],
    ['^\\*87([0-9]+)#?$', '*87'],
    ['^88\\*?(.+)$', '88'],
    ['^9(\\d+)$', '9'],
    ['^12?3', '1'],
    ['^1+2', '1'],
    ['^ab*', 'a'],
    ['^a{2}', ''],
    ['^\\+1', '+1'],
    ['^\\d+', ''],
    ['^[0-9]+', ''],
    ['^ab|cd', ''],
    ['87$', ''],
    ['^', ''],
    ['^abc', 'abc'],
  ];
  for (const [source, prefix] of cases) {
    it(`${source} → '${prefix}'`, () => {
      assert.equal(literalPrefix(source), prefix);
    });
    it(`${source}: every string it matches starts with '${prefix}' (property)`, () => {
      const regex = new RegExp(source);
      const text = fc.string({ unit: fc.constantFrom(...'0123456789*#+abcd'), maxLength: 8 });
      fc.assert(
        fc.property(text, text, (a, b) => {
          for (const s of [a, prefix + a, prefix.slice(0, -1) + b, a + prefix]) {
            if (regex.test(s)) assert.ok(s.startsWith(prefix), `${s} matched ${source}`);
          }
        }),
        { numRuns: 300 },
      );
    });
  }
});

describe('matching a dialed number (callflows.md)', () => {
  it('an exact number beats any pattern', () => {
    const index = indexOf([
      ['p', [], ['^(\\d+)$']],
      ['n', ['101'], []],
    ]);
    assert.deepEqual(index.match('101'), { callflowId: 'n', via: 'number', capture: '101' });
    assert.deepEqual(index.match('102'), { callflowId: 'p', via: 'pattern', capture: '102' });
  });

  it('the longest capture group wins, whatever the order of the patterns', () => {
    const a: [string, string[], string[]] = ['short', [], ['^1(\\d)']];
    const b: [string, string[], string[]] = ['long', [], ['^1(\\d\\d\\d)']];
    assert.equal(indexOf([a, b]).match('12345')?.callflowId, 'long');
    assert.equal(indexOf([b, a]).match('12345')?.callflowId, 'long');
    assert.equal(indexOf([a, b]).match('12345')?.capture, '234');
  });

  it('a pattern without groups scores its whole match; with groups, its longest group', () => {
    const index = indexOf([
      ['whole', [], ['^55\\d\\d']], // whole match "5512" (4)
      ['group', [], ['^55(\\d)']], // group "1" (1)
    ]);
    assert.deepEqual(index.match('5512'), { callflowId: 'whole', via: 'pattern', capture: '5512' });
  });

  it('uses the longest of several groups as score and capture', () => {
    const index = indexOf([['g', [], ['^(\\d)\\*(\\d+)$']]]);
    assert.equal(index.match('1*2345')?.capture, '2345');
  });

  it('ties are broken by the smaller pattern string', () => {
    const index = indexOf([
      ['z', [], ['^7(\\d\\d)']],
      ['a', [], ['^(\\d\\d)7']],
    ]);
    // both capture two characters from "7577": '^(\\d\\d)7' < '^7(\\d\\d)' as strings
    assert.equal(index.match('7577')?.callflowId, 'a');
    const reversed = indexOf([
      ['a', [], ['^(\\d\\d)7']],
      ['z', [], ['^7(\\d\\d)']],
    ]);
    assert.equal(reversed.match('7577')?.callflowId, 'a');
  });

  it('falls back to the no_match callflow for all-digit numbers only', () => {
    const index = indexOf([
      ['fallback', ['no_match'], []],
      ['n', ['100'], []],
    ]);
    assert.deepEqual(index.match('555'), { callflowId: 'fallback', via: 'no_match', capture: '555' });
    assert.equal(index.match('*99'), undefined);
    assert.equal(index.match('alice'), undefined);
    assert.equal(index.match('+4930'), undefined);
    assert.equal(index.match('no_match'), undefined, 'the marker itself is not dialable');
  });

  it('handles non-ASCII literal prefixes (astral characters included)', () => {
    const index = indexOf([
      ['emoji', [], ['^\u{1F600}(\\d+)$']],
      ['umlaut', [], ['^ä(\\d+)$']],
    ]);
    assert.equal(index.match('\u{1F600}42')?.capture, '42');
    assert.equal(index.match('ä7')?.callflowId, 'umlaut');
  });

  it('no match and no fallback → undefined', () => {
    assert.equal(indexOf([['n', ['100'], ['^9(\\d+)']]]).match('555'), undefined);
    assert.equal(new CallflowIndex().match(''), undefined);
  });

  it('the default feature codes match *87, *87101, *87101#, 88sales and 88*sales', () => {
    const index = new CallflowIndex();
    for (const fc of defaultFeatureCodeCallflows()) index.set(fc.feature_code, [], fc.patterns);
    assert.deepEqual(index.match('*87'), { callflowId: 'general_pickup', via: 'pattern', capture: '*87' });
    assert.deepEqual(index.match('*87#'), { callflowId: 'general_pickup', via: 'pattern', capture: '*87#' });
    assert.deepEqual(index.match('*87101'), {
      callflowId: 'directed_pickup',
      via: 'pattern',
      capture: '101',
    });
    assert.deepEqual(index.match('*87101#'), {
      callflowId: 'directed_pickup',
      via: 'pattern',
      capture: '101',
    });
    assert.deepEqual(index.match('88sales'), {
      callflowId: 'named_pickup',
      via: 'pattern',
      capture: 'sales',
    });
    assert.deepEqual(index.match('88*sales'), {
      callflowId: 'named_pickup',
      via: 'pattern',
      capture: 'sales',
    });
    assert.equal(index.match('*8'), undefined);
  });

  it('reflects set/replace/remove at once', () => {
    const index = indexOf([['a', ['1'], ['^9(\\d+)']]]);
    assert.equal(index.match('95')?.callflowId, 'a');
    index.set('a', ['2'], []);
    assert.equal(index.match('1'), undefined);
    assert.equal(index.match('95'), undefined);
    assert.equal(index.match('2')?.callflowId, 'a');
    index.remove('a');
    assert.equal(index.match('2'), undefined);
  });

  it('with 10 000 numbers and 200 patterns still answers exactly', () => {
    const index = new CallflowIndex();
    for (let i = 0; i < 10_000; i++) index.set(`n${i}`, [String(10_000 + i)], []);
    for (let i = 0; i < 200; i++) index.set(`p${i}`, [], [`^\\*${i}\\*(\\d+)$`]);
    index.set('fallback', ['no_match'], []);
    assert.equal(index.match('10042')?.callflowId, 'n42');
    assert.deepEqual(index.match('*137*4711'), { callflowId: 'p137', via: 'pattern', capture: '4711' });
    assert.equal(index.match('99')?.callflowId, 'fallback');
  });
});
