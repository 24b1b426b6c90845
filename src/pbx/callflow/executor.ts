/**
 * The callflow executor (callflows.md "Execution"): runs a flow one node at a time on a `FlowCall`.
 *
 * - `skip_module: true` on any node: not run, execution goes to its `"_"` child (or stops).
 * - `continue(key)` → that child, else `"_"`, else stop; `failed` → the child keyed by the failure's cause
 *   (`"USER_BUSY"`), else by its SIP code (`"sip:486"`), else `"_"`; `stop` and `usurp` end the flow.
 * - An action that throws is logged with the call id and treated as `continue("_")`.
 * - A `callflow` node runs another callflow (`runCallflow`), nested at most `maxDepth` (50) deep: past
 *   that the whole execution is aborted (a loop of callflows cannot hang a call or ring anyone 50 times).
 * - The call going away (caller hung up) ends the flow at the next step.
 *
 * The executor decides nothing about SIP: what "stop" means for the caller (the mapped final response, or
 * nothing when bridged) is the call engine's, which awaits `run`.
 */
import type { Callflow } from '../../directory/schemas/callflow.ts';
import type { Failure } from '../groupcall/failure.ts';
import type { ActionRegistry } from './action-registry.ts';
import { asNode, childOf } from './node.ts';
import type { ActionContext, ActionResult, FlowCall, FlowEnd, FlowEnv, FlowNode } from './types.ts';

/** Deepest `callflow` nesting. */
export const MAX_CALLFLOW_DEPTH = 50;

/** The child key a failure branches to: cause, then `sip:<code>`, then `"_"`. */
export function failureKey(node: FlowNode, f: Failure): string {
  if (Object.hasOwn(node.children, f.cause)) return f.cause;
  const sip = `sip:${f.sipCode}`;
  if (Object.hasOwn(node.children, sip)) return sip;
  return '_';
}

/** Read through a function: the status changes while actions run (no narrowing across awaits). */
function isGone(call: FlowCall): boolean {
  return call.status === 'gone';
}

interface Run {
  call: FlowCall;
  aborted: boolean;
}

/** Runs callflows; see the module comment. */
export class FlowExecutor {
  constructor(
    private readonly actions: ActionRegistry,
    private readonly env: FlowEnv,
    private readonly maxDepth = MAX_CALLFLOW_DEPTH,
  ) {}

  /** Runs `callflow` on `call` until it stops, is usurped or is aborted. Never throws. */
  async run(call: FlowCall, callflow: Callflow, capture: string): Promise<FlowEnd> {
    const run: Run = { call, aborted: false };
    try {
      return await this.runFlow(run, callflow, capture, 0);
    } catch (e) {
      this.env.log('error', 'callflow execution failed', { callId: call.id, err: e });
      return 'stop';
    }
  }

  private async runFlow(run: Run, callflow: Callflow, capture: string, depth: number): Promise<FlowEnd> {
    const { call } = run;
    let node = asNode(callflow.flow);
    while (node !== undefined) {
      if (run.aborted) return 'aborted';
      if (isGone(call)) return 'stop';
      if (node.data.skip_module === true) {
        node = childOf(node, '_');
        continue;
      }
      const result = await this.step(run, node, callflow, capture, depth);
      if (run.aborted) return 'aborted';
      if (result.kind === 'stop') return 'stop';
      if (result.kind === 'usurp') return 'usurp';
      if (isGone(call)) return 'stop';
      const key = result.kind === 'failed' ? failureKey(node, result.failure) : (result.key ?? '_');
      node = childOf(node, key) ?? childOf(node, '_');
    }
    return 'stop';
  }

  private async step(
    run: Run,
    node: FlowNode,
    callflow: Callflow,
    capture: string,
    depth: number,
  ): Promise<ActionResult> {
    const action = this.actions.get(node.module);
    if (action === undefined) {
      this.env.log('warn', 'callflow module without an action', { callId: run.call.id, module: node.module });
      return { kind: 'continue' };
    }
    const ctx: ActionContext = {
      call: run.call,
      node,
      callflow,
      capture,
      env: this.env,
      runCallflow: (id) => this.sub(run, id, capture, depth + 1),
    };
    try {
      return await action(ctx);
    } catch (e) {
      this.env.log('error', 'callflow action threw', {
        callId: run.call.id,
        callflowId: callflow.id,
        module: node.module,
        err: e,
      });
      return { kind: 'continue' };
    }
  }

  private async sub(run: Run, id: string, capture: string, depth: number): Promise<FlowEnd> {
    if (depth > this.maxDepth) {
      this.env.log('warn', 'callflow nesting too deep: execution aborted', {
        callId: run.call.id,
        callflowId: id,
        depth,
      });
      run.aborted = true;
      return 'aborted';
    }
    const cf = this.env.directory.callflow(run.call.customerId, id);
    if (cf === undefined) {
      this.env.log('warn', 'callflow action: callflow not found', { callId: run.call.id, callflowId: id });
      return 'stop';
    }
    return this.runFlow(run, cf, capture, depth);
  }
}
