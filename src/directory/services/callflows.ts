/**
 * Callflows (callflows.md): numbers and patterns unique per tenant (the store's `callflow_keys` enforce
 * it inside the write's transaction), a flow tree checked node by node (`callflow-validate.ts`).
 */
import type { CallflowRow, FlowNodeRow } from '../../store/rows.ts';
import { StoreConflictError, type Repos } from '../../store/types.ts';
import type { TenantState } from '../cache/tenant-state.ts';
import type { ChangeSet } from '../changes.ts';
import type { ResourceService } from '../contract.ts';
import { validateFlow } from '../callflow-validate.ts';
import { conflict, invalid } from '../errors.ts';
import { toCallflow } from '../resources.ts';
import { checkInput } from '../schema-errors.ts';
import * as S from '../schemas/index.ts';
import type { DirectoryContext } from './context.ts';
import { ResourceServiceBase } from './resource-base.ts';

/** Numbers and patterns as stored: duplicates dropped, at least one of the two, patterns compile. */
export function checkKeys(numbers: readonly string[], patterns: readonly string[]): [string[], string[]] {
  if (numbers.length === 0 && patterns.length === 0) {
    throw invalid([{ path: '/numbers', message: 'a callflow needs at least one number or pattern' }]);
  }
  numbers.forEach((n, i) => {
    if (n.length < 1 || n.length > 36) {
      throw invalid([{ path: `/numbers/${i}`, message: 'a number has 1–36 characters' }]);
    }
  });
  patterns.forEach((p, i) => {
    try {
      new RegExp(p);
    } catch (e) {
      const message = `not a valid regular expression: ${(e as Error).message}`;
      throw invalid([{ path: `/patterns/${i}`, message }], `patterns/${i}: ${message}`);
    }
  });
  return [[...new Set(numbers)], [...new Set(patterns)]];
}

/** Replaces a callflow's keys; a clash becomes 409 NUMBER_TAKEN / PATTERN_TAKEN naming the holder. */
async function replaceKeys(repos: Repos, row: CallflowRow): Promise<void> {
  try {
    await repos.callflowKeys.replace(row.customer_id, row.id, row.numbers, row.patterns);
  } catch (e) {
    if (!(e instanceof StoreConflictError)) throw e;
    const isNumber = e.constraint === 'callflow_number';
    if (!isNumber && e.constraint !== 'callflow_pattern') throw e;
    const field = isNumber ? 'numbers' : 'patterns';
    const index = Math.max(0, row[field].indexOf(e.value));
    const holder = e.holderId ? ` by callflow ${e.holderId}` : '';
    const message = `${isNumber ? 'number' : 'pattern'} '${e.value}' is already used${holder}`;
    throw conflict(isNumber ? 'NUMBER_TAKEN' : 'PATTERN_TAKEN', message, [
      { path: `/${field}/${index}`, message, ...(e.holderId ? { ids: [e.holderId] } : {}) },
    ]);
  }
}

function checkFlow(state: TenantState, flow: unknown): FlowNodeRow {
  return validateFlow(flow, (kind, id) => state.has(kind, id));
}

export class CallflowService
  extends ResourceServiceBase<CallflowRow, S.Callflow>
  implements ResourceService<S.Callflow, S.CallflowCreate, S.CallflowUpdate>
{
  constructor(ctx: DirectoryContext) {
    super(ctx, {
      table: 'callflows',
      resource: 'callflow',
      repo: (r) => r.callflows,
      toResource: toCallflow,
      before: (repos, row) => repos.callflowKeys.removeFor(row.customer_id, row.id),
    });
  }

  async create(customerId: string, input: S.CallflowCreate): Promise<S.Callflow> {
    checkInput(S.CallflowCreate, input);
    return this.ctx.write(async (repos, changes) => {
      const state = this.ctx.tenant(customerId);
      const [numbers, patterns] = checkKeys(input.numbers ?? [], input.patterns ?? []);
      const flow = checkFlow(state, input.flow);
      return toCallflow(
        await insertCallflow(repos, changes, {
          id: this.ctx.ids(),
          customer_id: customerId,
          name: input.name ?? '',
          numbers,
          patterns,
          flow,
          feature_code: '',
          ...this.ctx.newTimes(),
        }),
      );
    });
  }

  async update(customerId: string, id: string, input: S.CallflowUpdate): Promise<S.Callflow> {
    checkInput(S.CallflowUpdate, input);
    return this.patch(
      customerId,
      id,
      (current, state) => {
        const patch: Partial<CallflowRow> = {};
        if (input.name !== undefined) patch.name = input.name;
        if (input.numbers !== undefined || input.patterns !== undefined) {
          [patch.numbers, patch.patterns] = checkKeys(
            input.numbers ?? current.numbers,
            input.patterns ?? current.patterns,
          );
        }
        if (input.flow !== undefined) patch.flow = checkFlow(state, input.flow);
        return patch;
      },
      { after: async (repos, row, patch) => (patch.numbers ? replaceKeys(repos, row) : undefined) },
    );
  }
}

/** Inserts a (validated) callflow and its keys in the write's transaction. */
export async function insertCallflow(
  repos: Repos,
  changes: ChangeSet,
  row: CallflowRow,
): Promise<CallflowRow> {
  await repos.callflows.insert(row);
  await replaceKeys(repos, row);
  changes.add({ table: 'callflows', customerId: row.customer_id, id: row.id, op: 'create', row });
  return row;
}
