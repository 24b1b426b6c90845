/**
 * The callflow module registry (callflows.md "Actions", pickup.md): for each module name, the TypeBox
 * schema of its `data`, the ids its data refers to, extra checks beyond the schema, and how its data
 * changes when a referenced resource is force-deleted. Exported as a `Map` so later issues (the call
 * engine) attach behaviour by module name.
 *
 * Every module accepts `skip_module?: boolean` (run the `"_"` child instead). Unknown data fields are
 * refused (`additionalProperties: false`). Defaults (`timeout` 20 s, …) are the engine's: saved data is
 * kept as written.
 */
import { Type, type TSchema } from 'typebox';
import type { ErrorDetail } from './errors.ts';

/** A resource kind a callflow can refer to. */
export type FlowRefKind = 'device' | 'user' | 'group' | 'callflow' | 'queue';

/** One id a node's data refers to; `path` is relative to the node's `data` (e.g. `/endpoints/0/id`). */
export interface FlowRef {
  path: string;
  kind: FlowRefKind;
  id: string;
}

export type FlowData = Record<string, unknown>;

export interface CallflowModule {
  /** Schema of the node's `data`. */
  schema: TSchema;
  /** Ids the data refers to (checked to exist in the tenant on save; indexed for deletes). */
  refs(data: FlowData): FlowRef[];
  /** Checks the schema cannot express; paths relative to `data`. */
  check?(data: FlowData): ErrorDetail[];
  /**
   * The data with references to a force-deleted `id` removed, or undefined when the node cannot run
   * without it (the node is then replaced by its `"_"` child, or by a `hangup` node). Absent: any
   * reference to the id makes the node go.
   */
  without?(data: FlowData, id: string): FlowData | undefined;
}

const Uuid = Type.String({ format: 'uuid' });
const Seconds = Type.Integer({ minimum: 1, maximum: 600 });
const skip = { skip_module: Type.Optional(Type.Boolean()) };
const closed = { additionalProperties: false } as const;

const APPROVED = [
  ['approved_device_id', 'device'],
  ['approved_user_id', 'user'],
  ['approved_group_id', 'group'],
] as const;
const approvedProps = {
  approved_device_id: Type.Optional(Uuid),
  approved_user_id: Type.Optional(Uuid),
  approved_group_id: Type.Optional(Uuid),
};
const SCOPE = [
  ['device_id', 'device'],
  ['user_id', 'user'],
  ['group_id', 'group'],
] as const;

function fieldRefs(data: FlowData, fields: ReadonlyArray<readonly [string, FlowRefKind]>): FlowRef[] {
  const out: FlowRef[] = [];
  for (const [field, kind] of fields) {
    const id = data[field];
    if (typeof id === 'string') out.push({ path: `/${field}`, kind, id });
  }
  return out;
}

/** `approved_*` fields naming `id` are removed (this widens who may use the node: documented). */
function withoutApproved(data: FlowData, id: string): FlowData {
  const out = { ...data };
  for (const [field] of APPROVED) if (out[field] === id) delete out[field];
  return out;
}

function idModule(kind: FlowRefKind, extra: Record<string, TSchema> = {}): CallflowModule {
  return {
    schema: Type.Object({ id: Uuid, ...extra, ...skip }, closed),
    refs: (data) => fieldRefs(data, [['id', kind]]),
  };
}

const EndpointTypes: Record<string, FlowRefKind> = { device: 'device', user: 'user', group: 'group' };

const ringGroup: CallflowModule = {
  schema: Type.Object(
    {
      endpoints: Type.Array(
        Type.Object(
          {
            id: Uuid,
            endpoint_type: Type.Union([Type.Literal('device'), Type.Literal('user'), Type.Literal('group')]),
            delay: Type.Optional(Type.Integer({ minimum: 0, maximum: 600 })),
            timeout: Type.Optional(Seconds),
            weight: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
          },
          closed,
        ),
        { minItems: 1, maxItems: 500 },
      ),
      strategy: Type.Optional(
        Type.Union([Type.Literal('simultaneous'), Type.Literal('single'), Type.Literal('weighted_random')]),
      ),
      timeout: Type.Optional(Seconds),
      repeats: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
      fail_on_single_reject: Type.Optional(Type.Boolean()),
      name: Type.Optional(Type.String({ maxLength: 128 })),
      ...skip,
    },
    closed,
  ),
  refs(data) {
    const endpoints = Array.isArray(data.endpoints) ? (data.endpoints as Array<Record<string, unknown>>) : [];
    return endpoints.flatMap((e, i) => {
      const kind = EndpointTypes[String(e?.endpoint_type)];
      return kind && typeof e.id === 'string' ? [{ path: `/endpoints/${i}/id`, kind, id: e.id }] : [];
    });
  },
  without(data, id) {
    const endpoints = (data.endpoints as Array<Record<string, unknown>>).filter((e) => e.id !== id);
    return endpoints.length > 0 ? { ...data, endpoints } : undefined;
  },
};

const groupPickup: CallflowModule = {
  schema: Type.Object(
    {
      device_id: Type.Optional(Uuid),
      user_id: Type.Optional(Uuid),
      group_id: Type.Optional(Uuid),
      ...approvedProps,
      ...skip,
    },
    closed,
  ),
  refs: (data) => fieldRefs(data, [...SCOPE, ...APPROVED]),
  check(data) {
    if (SCOPE.some(([field]) => data[field] !== undefined)) return [];
    return [
      {
        path: '',
        message:
          'group_pickup needs a scope: one of device_id, user_id or group_id (without one there is nothing to pick up)',
      },
    ];
  },
  without(data, id) {
    if (SCOPE.some(([field]) => data[field] === id)) return undefined;
    return withoutApproved(data, id);
  },
};

const groupPickupFeature: CallflowModule = {
  schema: Type.Object(
    {
      type: Type.Optional(
        Type.Union([
          Type.Literal('extension'),
          Type.Literal('device'),
          Type.Literal('user'),
          Type.Literal('group'),
        ]),
      ),
      ...approvedProps,
      ...skip,
    },
    closed,
  ),
  refs: (data) => fieldRefs(data, APPROVED),
  without: withoutApproved,
};

const noData: CallflowModule = { schema: Type.Object({ ...skip }, closed), refs: () => [] };

/** Every module a callflow may use, by name. */
export const CALLFLOW_MODULES = new Map<string, CallflowModule>([
  [
    'device',
    idModule('device', { timeout: Type.Optional(Seconds), can_call_self: Type.Optional(Type.Boolean()) }),
  ],
  [
    'user',
    idModule('user', {
      timeout: Type.Optional(Seconds),
      strategy: Type.Optional(Type.Union([Type.Literal('simultaneous'), Type.Literal('single')])),
    }),
  ],
  ['ring_group', ringGroup],
  ['group_pickup', groupPickup],
  ['group_pickup_feature', groupPickupFeature],
  ['named_pickup', noData],
  ['general_pickup', noData],
  ['queue', idModule('queue')],
  ['callflow', idModule('callflow')],
  [
    'play_tone',
    {
      schema: Type.Object(
        {
          tone: Type.Optional(
            Type.Union([
              Type.Literal('ring'),
              Type.Literal('busy'),
              Type.Literal('congestion'),
              Type.Literal('beep'),
              Type.Literal('failure'),
            ]),
          ),
          duration: Type.Optional(Type.Integer({ minimum: 1, maximum: 60000, description: 'milliseconds' })),
          ...skip,
        },
        closed,
      ),
      refs: () => [],
    },
  ],
  [
    'hangup',
    {
      schema: Type.Object(
        {
          code: Type.Optional(Type.Integer({ minimum: 400, maximum: 699 })),
          reason: Type.Optional(Type.String({ maxLength: 128 })),
          ...skip,
        },
        closed,
      ),
      refs: () => [],
    },
  ],
]);
