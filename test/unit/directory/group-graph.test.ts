import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  containingGroups,
  expandGroupDevices,
  findGroupCycle,
  type Endpoints,
  type GroupGraph,
} from '../../../src/directory/group-graph.ts';

function graph(
  groups: Record<string, Endpoints>,
  owners: Record<string, string[]> = {},
  devices?: string[],
): GroupGraph {
  const all = new Set(
    devices ?? [...Object.values(owners).flat(), ...Object.values(groups).flatMap((g) => Object.keys(g))],
  );
  return {
    endpointsOf: (id) => groups[id],
    hasDevice: (id) => all.has(id),
    devicesOfUser: (id) => owners[id] ?? [],
  };
}
const dev = { type: 'device' } as const;
const usr = { type: 'user' } as const;
const grp = { type: 'group' } as const;

describe('group expansion', () => {
  it('expands devices, users (their devices in creation order) and nested groups depth first, in endpoints order', () => {
    const g = graph(
      {
        top: { d1: dev, u1: usr, inner: grp, d9: dev },
        inner: { d5: dev, deeper: grp, d6: dev },
        deeper: { d7: dev },
      },
      { u1: ['d3', 'd2'] },
    );
    assert.deepEqual(expandGroupDevices('top', g), ['d1', 'd3', 'd2', 'd5', 'd7', 'd6', 'd9']);
  });

  it('drops duplicates, keeping the first position', () => {
    const g = graph(
      { top: { d1: dev, u1: usr, inner: grp }, inner: { d2: dev, d1: dev } },
      { u1: ['d2', 'd1'] },
    );
    assert.deepEqual(expandGroupDevices('top', g), ['d1', 'd2']);
  });

  it('never loops, even when stored data has a cycle', () => {
    const g = graph({ a: { d1: dev, b: grp }, b: { d2: dev, a: grp, c: grp }, c: { b: grp, d3: dev } });
    assert.deepEqual(expandGroupDevices('a', g), ['d1', 'd2', 'd3']);
    const self = graph({ s: { s: grp, d1: dev } });
    assert.deepEqual(expandGroupDevices('s', self), ['d1']);
  });

  it('skips members that no longer exist; an unknown group expands to nothing', () => {
    const g = graph({ top: { d1: dev, gone: dev, nogroup: grp, nouser: usr } }, {}, ['d1']);
    assert.deepEqual(expandGroupDevices('top', g), ['d1']);
    assert.deepEqual(expandGroupDevices('missing', g), []);
  });
});

describe('group cycles', () => {
  const groups: Record<string, Endpoints> = { a: { b: grp }, b: { c: grp, d1: dev }, c: { d2: dev } };
  const of = (id: string) => groups[id];

  it('finds a cycle the new endpoints would close, as a path back to the group', () => {
    assert.deepEqual(findGroupCycle('c', { a: grp }, of), ['c', 'a', 'b', 'c']);
  });

  it('finds a group containing itself', () => {
    assert.deepEqual(findGroupCycle('a', { a: grp }, of), ['a', 'a']);
  });

  it('accepts nesting without a cycle (diamonds included)', () => {
    assert.equal(findGroupCycle('a', { b: grp, c: grp }, of), undefined);
    assert.equal(findGroupCycle('new', { a: grp, b: grp, d1: dev }, of), undefined);
  });
});

describe('containing groups', () => {
  it('finds direct and nested parents once, breadth first', () => {
    const parents: Record<string, string[]> = {
      u: ['g1'],
      d: ['g2', 'g1'],
      g1: ['top'],
      g2: ['top'],
      top: [],
    };
    assert.deepEqual(
      containingGroups(['u', 'd'], (id) => parents[id] ?? []),
      ['g1', 'g2', 'top'],
    );
  });
});
