/** Queues (agent groups), queues.md. */
import { Type, type Static } from 'typebox';
import { Name, ResourceMeta, Uuid } from './common.ts';

export const QueueStrategy = Type.Union([
  Type.Literal('ring_all'),
  Type.Literal('linear'),
  Type.Literal('longest_idle'),
  Type.Literal('round_robin'),
]);

export const Queue = Type.Object({
  ...ResourceMeta,
  name: Type.String(),
  agent_ids: Type.Array(Type.String()),
  strategy: Type.String(),
  ring_timeout: Type.Integer(),
  wait_timeout: Type.Integer(),
  music: Type.String(),
});
export type Queue = Static<typeof Queue>;

export const QueueCreate = Type.Object(
  {
    name: Name,
    agent_ids: Type.Optional(Type.Array(Uuid, { maxItems: 1000 })),
    strategy: Type.Optional(QueueStrategy),
    ring_timeout: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 600, description: 'seconds per attempt (15)' }),
    ),
    wait_timeout: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 86400,
        description: 'seconds before the caller leaves the queue (300)',
      }),
    ),
    music: Type.Optional(Type.String({ maxLength: 256, description: "'default' = built-in tone pattern" })),
  },
  { additionalProperties: false },
);
export type QueueCreate = Static<typeof QueueCreate>;

export const QueueUpdate = Type.Partial(QueueCreate, { additionalProperties: false });
export type QueueUpdate = Static<typeof QueueUpdate>;
