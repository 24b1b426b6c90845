/** `GET /metrics`: Prometheus text format (see `../metrics.ts`). Public like the health probes, no key. */
import type { ApiInstance } from '../types.ts';
import type { RingdMetrics } from '../metrics.ts';

export async function metricsRoutes(app: ApiInstance, opts: { metrics: RingdMetrics }): Promise<void> {
  app.get(
    '/metrics',
    {
      schema: {
        operationId: 'metrics',
        tags: ['health'],
        summary: 'Prometheus metrics: calls, pickups, SIP messages and transactions, RTP, event loop lag',
        security: [],
        produces: ['text/plain'],
      },
    },
    async (_request, reply) => {
      const { contentType, body } = await opts.metrics.render();
      return reply.code(200).header('content-type', contentType).send(body);
    },
  );
}
