import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, refused, useEnv } from './helpers.ts';

for (const dialect of dialects) {
  describe(`callflows (${dialect})`, () => {
    const env = useEnv(dialect);

    it('stores a normalized flow (data and children always present) and matches it at once', async () => {
      const c = await env.tenant();
      const u = await env.dir.users.create(c.id, { name: 'Ann' });
      const cf = await env.dir.callflows.create(c.id, {
        name: 'Ann',
        numbers: ['101', '101', '+4930101'],
        flow: { module: 'user', data: { id: u.id, timeout: 25 }, children: { _: { module: 'hangup' } } },
      });
      assert.deepEqual(cf.numbers, ['101', '+4930101']);
      assert.deepEqual(cf.patterns, []);
      assert.equal(cf.feature_code, '');
      assert.deepEqual(cf.flow, {
        module: 'user',
        data: { id: u.id, timeout: 25 },
        children: { _: { module: 'hangup', data: {}, children: {} } },
      });
      const m = env.dir.cache.matchCallflow(c.id, '101');
      assert.equal(m?.callflow.id, cf.id);
      assert.equal(m?.via, 'number');
      assert.equal(env.dir.cache.callflow(c.id, cf.id)?.name, 'Ann');
    });

    it('needs a number or a pattern (400 at /numbers); patterns must compile (400 at /patterns/i with the regex error)', async () => {
      const c = await env.tenant();
      const flow = { module: 'hangup' };
      await refused(env.dir.callflows.create(c.id, { flow }), 400, 'VALIDATION_FAILED', '/numbers');
      await refused(
        env.dir.callflows.create(c.id, { numbers: [], patterns: [], flow }),
        400,
        'VALIDATION_FAILED',
        '/numbers',
      );
      const e = await refused(
        env.dir.callflows.create(c.id, { patterns: ['^ok$', '^(unclosed'], flow }),
        400,
        'VALIDATION_FAILED',
        '/patterns/1',
      );
      assert.match(e.message, /regular expression/i);
      await refused(
        env.dir.callflows.create(c.id, { numbers: ['x'.repeat(37)], flow }),
        400,
        'VALIDATION_FAILED',
        '/numbers/0',
      );
      await refused(
        env.dir.callflows.create(c.id, { numbers: [''], flow }),
        400,
        'VALIDATION_FAILED',
        '/numbers/0',
      );
    });

    it('checks the tree: unknown module, bad data path, missing reference, empty pickup scope', async () => {
      const c = await env.tenant();
      const other = await env.tenant();
      const foreign = await env.dir.users.create(other.id, { name: 'F' });
      const e1 = await refused(
        env.dir.callflows.create(c.id, {
          numbers: ['1'],
          flow: { module: 'hangup', children: { _: { module: 'voicemail' } } },
        }),
        400,
        'UNKNOWN_MODULE',
        '/flow/children/_/module',
      );
      assert.match(e1.message, /voicemail/);
      await refused(
        env.dir.callflows.create(c.id, {
          numbers: ['1'],
          flow: { module: 'hangup', children: { _: { module: 'play_tone', data: { duration: 0 } } } },
        }),
        400,
        'VALIDATION_FAILED',
        '/flow/children/_/data/duration',
      );
      await refused(
        env.dir.callflows.create(c.id, {
          numbers: ['1'],
          flow: { module: 'user', data: { id: foreign.id } },
        }),
        400,
        'REFERENCE_NOT_FOUND',
        '/flow/data/id',
      );
      const e4 = await refused(
        env.dir.callflows.create(c.id, { numbers: ['1'], flow: { module: 'group_pickup', data: {} } }),
        400,
        'VALIDATION_FAILED',
        '/flow/data',
      );
      assert.match(e4.message, /scope/);
      await refused(
        env.dir.callflows.create(c.id, { numbers: ['1'], flow: { module: 'hangup', x: 1 } as never }),
        400,
        'VALIDATION_FAILED',
        '/flow/x',
      );
      assert.equal(env.dir.cache.matchCallflow(c.id, '1'), undefined);
    });

    it('numbers and patterns are unique per tenant: 409 naming the value and the holder', async () => {
      const c = await env.tenant();
      const other = await env.tenant();
      const holder = await env.dir.callflows.create(c.id, {
        numbers: ['200'],
        patterns: ['^9(\\d+)$'],
        flow: { module: 'hangup' },
      });
      const e = await refused(
        env.dir.callflows.create(c.id, { numbers: ['201', '200'], flow: { module: 'hangup' } }),
        409,
        'NUMBER_TAKEN',
        '/numbers/1',
      );
      assert.deepEqual(e.details[0].ids, [holder.id]);
      assert.match(e.message, /'200'/);
      assert.ok(e.message.includes(holder.id));
      const p = await refused(
        env.dir.callflows.create(c.id, { patterns: ['^9(\\d+)$'], flow: { module: 'hangup' } }),
        409,
        'PATTERN_TAKEN',
        '/patterns/0',
      );
      assert.deepEqual(p.details[0].ids, [holder.id]);
      // another tenant may use the same number
      await env.dir.callflows.create(other.id, { numbers: ['200'], flow: { module: 'hangup' } });
    });

    it('a failed write leaves no partial rows and no cache change (second number clashes)', async () => {
      const c = await env.tenant();
      await env.dir.callflows.create(c.id, { numbers: ['300'], flow: { module: 'hangup' } });
      const countBefore = await env.store.repos.callflows.count(c.id);
      const version = env.dir.cache.version;
      await refused(
        env.dir.callflows.create(c.id, { numbers: ['301', '300'], flow: { module: 'hangup' } }),
        409,
        'NUMBER_TAKEN',
      );
      assert.equal(await env.store.repos.callflows.count(c.id), countBefore);
      assert.equal(env.dir.cache.version, version);
      assert.equal(env.dir.cache.matchCallflow(c.id, '301'), undefined);
      // the number 301 was not left behind in callflow_keys: it can be used now
      const ok = await env.dir.callflows.create(c.id, { numbers: ['301'], flow: { module: 'hangup' } });
      assert.equal(env.dir.cache.matchCallflow(c.id, '301')?.callflow.id, ok.id);
    });

    it('update replaces keys (old ones free at once), keeps what is not given, refuses clashes without change', async () => {
      const c = await env.tenant();
      const a = await env.dir.callflows.create(c.id, { numbers: ['400'], flow: { module: 'hangup' } });
      const b = await env.dir.callflows.create(c.id, { numbers: ['500'], flow: { module: 'hangup' } });
      const up = await env.dir.callflows.update(c.id, a.id, { numbers: ['401'], patterns: ['^4(\\d\\d)$'] });
      assert.deepEqual(up.flow, { module: 'hangup', data: {}, children: {} });
      assert.equal(env.dir.cache.matchCallflow(c.id, '400')?.via, 'pattern');
      assert.equal(env.dir.cache.matchCallflow(c.id, '401')?.via, 'number');
      await env.dir.callflows.update(c.id, b.id, { numbers: ['400'] });
      assert.equal(env.dir.cache.matchCallflow(c.id, '400')?.callflow.id, b.id);
      await refused(
        env.dir.callflows.update(c.id, b.id, { numbers: ['401'] }),
        409,
        'NUMBER_TAKEN',
        '/numbers/0',
      );
      assert.equal(env.dir.cache.matchCallflow(c.id, '400')?.callflow.id, b.id);
      assert.deepEqual((await env.dir.callflows.get(c.id, b.id)).numbers, ['400']);
      await refused(
        env.dir.callflows.update(c.id, b.id, { numbers: [], patterns: [] }),
        400,
        'VALIDATION_FAILED',
        '/numbers',
      );
      const flowOnly = await env.dir.callflows.update(c.id, b.id, {
        flow: { module: 'play_tone', data: { tone: 'busy' } },
      });
      assert.deepEqual(flowOnly.numbers, ['400']);
      assert.equal(env.dir.cache.matchCallflow(c.id, '400')?.callflow.flow.module, 'play_tone');
    });

    it('the no_match callflow catches all-digit numbers only', async () => {
      const c = await env.tenant();
      const nm = await env.dir.callflows.create(c.id, {
        numbers: ['no_match'],
        flow: { module: 'play_tone', data: { tone: 'failure' } },
      });
      assert.equal(env.dir.cache.matchCallflow(c.id, '999')?.callflow.id, nm.id);
      assert.equal(env.dir.cache.matchCallflow(c.id, '999')?.via, 'no_match');
      assert.equal(env.dir.cache.matchCallflow(c.id, 'bob'), undefined);
      assert.equal(env.dir.cache.matchCallflow(c.id, '*87')?.callflow.feature_code, 'general_pickup');
    });

    it('delete frees the keys; a callflow used by another is 409 unless forced (node replaced by its "_" child)', async () => {
      const c = await env.tenant();
      const target = await env.dir.callflows.create(c.id, { numbers: ['600'], flow: { module: 'hangup' } });
      const caller = await env.dir.callflows.create(c.id, {
        numbers: ['601'],
        flow: {
          module: 'callflow',
          data: { id: target.id },
          children: { _: { module: 'play_tone', data: { tone: 'beep' } } },
        },
      });
      const e = await refused(env.dir.callflows.delete(c.id, target.id), 409, 'RESOURCE_IN_USE');
      assert.deepEqual(e.details[0].ids, [caller.id]);
      await env.dir.callflows.delete(c.id, target.id, { force: true });
      assert.deepEqual((await env.dir.callflows.get(c.id, caller.id)).flow, {
        module: 'play_tone',
        data: { tone: 'beep' },
        children: {},
      });
      assert.equal(env.dir.cache.matchCallflow(c.id, '600'), undefined);
      await env.dir.callflows.create(c.id, { numbers: ['600'], flow: { module: 'hangup' } });
      await env.dir.callflows.delete(c.id, caller.id);
      await refused(env.dir.callflows.get(c.id, caller.id), 404, 'CALLFLOW_NOT_FOUND');
    });

    it('feature-code callflows are ordinary: editable to another code, deletable', async () => {
      const c = await env.tenant();
      const list = await env.dir.callflows.list(c.id, {});
      const general = list.result.find((cf) => cf.feature_code === 'general_pickup')!;
      await env.dir.callflows.update(c.id, general.id, { patterns: ['^\\*8$'] });
      assert.equal(env.dir.cache.matchCallflow(c.id, '*8')?.callflow.id, general.id);
      assert.equal(env.dir.cache.matchCallflow(c.id, '*87'), undefined);
      assert.equal(env.dir.cache.callflow(c.id, general.id)?.feature_code, 'general_pickup');
      await env.dir.callflows.delete(c.id, general.id);
      assert.equal(env.dir.cache.matchCallflow(c.id, '*8'), undefined);
    });
  });
}
