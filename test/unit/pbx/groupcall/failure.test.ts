/** Failure causes: SIP statuses, the combination rank (issue 4: 486 over 603 over 480), caller finals. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  callerFinal,
  combineFailures,
  failureOfStatus,
  NO_ANSWER,
  pickTrunk,
} from '../../../../src/pbx/groupcall/index.ts';

describe('failures', () => {
  test('statuses map to causes', () => {
    assert.deepEqual(
      [486, 600, 603, 403, 480, 408, 404, 488, 503, 487].map((s) => failureOfStatus(s).cause),
      [
        'USER_BUSY',
        'USER_BUSY',
        'CALL_REJECTED',
        'CALL_REJECTED',
        'NO_USER_RESPONSE',
        'NO_USER_RESPONSE',
        'UNALLOCATED_NUMBER',
        'INCOMPATIBLE_DESTINATION',
        'NORMAL_TEMPORARY_FAILURE',
        'ORIGINATOR_CANCEL',
      ],
    );
  });

  test('busy beats declined beats unavailable; a ring timeout beats them all', () => {
    const f = (s: number) => failureOfStatus(s);
    assert.equal(combineFailures([f(603), f(486), f(480)]).cause, 'USER_BUSY');
    assert.equal(combineFailures([f(480), f(603)]).cause, 'CALL_REJECTED');
    assert.equal(combineFailures([f(603), NO_ANSWER]).cause, 'NO_ANSWER');
    assert.equal(combineFailures([]).cause, 'NO_ROUTE_DESTINATION');
  });

  test('the caller final of each failure', () => {
    assert.deepEqual(
      [
        f('USER_BUSY'),
        f('CALL_REJECTED'),
        f('SWITCH_CONGESTION'),
        f('UNALLOCATED_NUMBER'),
        f('NO_ANSWER'),
      ].map((x) => callerFinal(x).status),
      [486, 603, 503, 404, 480],
    );
    assert.equal(callerFinal(undefined).status, 480);
    function f(cause: string) {
      return { cause, sipCode: 0 } as Parameters<typeof callerFinal>[0];
    }
  });
});

describe('pickTrunk', () => {
  const trunks = [
    { id: 'any', uri: 'sip:a', prefixes: [] },
    { id: 'us', uri: 'sip:b', prefixes: ['+1'] },
    { id: 'nyc', uri: 'sip:c', prefixes: ['1212', '+1646'] },
  ];
  test('the longest matching prefix wins; [] matches everything, last', () => {
    assert.equal(pickTrunk(trunks, '+12125550100')?.id, 'nyc');
    assert.equal(pickTrunk(trunks, '+13105550100')?.id, 'us');
    assert.equal(pickTrunk(trunks, '+442071234567')?.id, 'any');
    assert.equal(pickTrunk(trunks.slice(1), '+442071234567'), undefined);
  });
});
