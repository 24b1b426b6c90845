/**
 * Actions by module name. The executor only asks this registry, so a module is added (pickup, queue)
 * by registering it — no change to the executor or the call engine.
 */
import type { Action } from './types.ts';

/** Module name → action. */
export class ActionRegistry {
  private readonly actions = new Map<string, Action>();

  /** Registers (or replaces) the action of `module`. */
  register(module: string, action: Action): this {
    this.actions.set(module, action);
    return this;
  }

  /** The action of `module`, if any. */
  get(module: string): Action | undefined {
    return this.actions.get(module);
  }

  /** Registered module names. */
  modules(): string[] {
    return [...this.actions.keys()];
  }
}
