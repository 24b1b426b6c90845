/**
 * Who refers to whom inside one tenant, kept in memory so that deletes find their referrers without a
 * table scan (api.md deletes): for each referring row, the ids it names; for each id, the rows naming it.
 */

/** Tables whose rows refer to other resources. */
export type ReferringTable = 'users' | 'devices' | 'groups' | 'callflows' | 'agents' | 'queues';

export interface Referrer {
  table: ReferringTable;
  id: string;
}

export class ReferenceIndex {
  private readonly out = new Map<string, ReadonlySet<string>>();
  private readonly into = new Map<string, Map<string, ReferringTable>>();

  /** Sets the ids a row refers to (replacing what it referred to before). */
  set(table: ReferringTable, referrerId: string, targets: Iterable<string>): void {
    this.remove(referrerId);
    const set = new Set(targets);
    set.delete(referrerId);
    if (set.size === 0) return;
    this.out.set(referrerId, set);
    for (const t of set) {
      let m = this.into.get(t);
      if (!m) this.into.set(t, (m = new Map()));
      m.set(referrerId, table);
    }
  }

  /** Forgets the references a row makes (it was deleted). */
  remove(referrerId: string): void {
    const targets = this.out.get(referrerId);
    if (!targets) return;
    for (const t of targets) {
      const m = this.into.get(t);
      m?.delete(referrerId);
      if (m?.size === 0) this.into.delete(t);
    }
    this.out.delete(referrerId);
  }

  /** The rows that refer to `targetId` (in the order they started to). */
  referrers(targetId: string): Referrer[] {
    const m = this.into.get(targetId);
    return m ? [...m].map(([id, table]) => ({ table, id })) : [];
  }

  /** Ids of rows of one table that refer to `targetId`. */
  referrersIn(table: ReferringTable, targetId: string): string[] {
    const m = this.into.get(targetId);
    if (!m) return [];
    const out: string[] = [];
    for (const [id, t] of m) if (t === table) out.push(id);
    return out;
  }
}
