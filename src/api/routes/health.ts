/**
 * `GET /healthz` (liveness: the process answers) and `GET /readyz` (readiness: every check of
 * `ApiOptions.ready` passes — the database, the SIP transport). Public, no key.
 */
import { Type } from 'typebox';
import type { ApiInstance } from '../types.ts';

const Health = Type.Object({ status: Type.Literal('ok') });

const Checks = Type.Record(Type.String(), Type.Boolean(), { description: 'check name → passing' });
const Ready = Type.Object({ status: Type.Literal('ready'), checks: Checks });
const NotReady = Type.Object({ status: Type.Literal('not_ready'), checks: Checks });

export interface HealthOptions {
  /** Readiness checks; absent → always ready. A throwing check set counts as `{ ready: false }`. */
  ready?: () => Promise<Record<string, boolean>>;
}

export async function healthRoutes(app: ApiInstance, opts: HealthOptions): Promise<void> {
  app.get(
    '/healthz',
    {
      schema: {
        operationId: 'healthz',
        tags: ['health'],
        summary: 'Liveness',
        security: [],
        response: { 200: Health },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'readyz',
        tags: ['health'],
        summary: 'Readiness: 200 when every check passes, else 503 with the checks',
        security: [],
        response: { 200: Ready, 503: NotReady },
      },
    },
    async (request, reply) => {
      let checks: Record<string, boolean>;
      try {
        checks = opts.ready ? await opts.ready() : {};
      } catch (err) {
        request.log.warn({ err }, 'readiness check threw');
        checks = { ready: false };
      }
      if (Object.values(checks).every(Boolean)) return reply.code(200).send({ status: 'ready', checks });
      return reply.code(503).send({ status: 'not_ready', checks });
    },
  );
}
