/**
 * Directory changes: what a committed write did, row by row. The cache applies them after the commit;
 * `Directory.onChange` listeners (the call engine) receive them without the row.
 */
import type { RowTypes } from '../store/rows.ts';

export type ChangeOp = 'create' | 'update' | 'delete';

/** One committed change, as `onChange` listeners see it. */
export interface DirectoryChange {
  table: string;
  customerId: string;
  id: string;
  op: ChangeOp;
}

/** Tables whose changes the directory tracks. */
export type TrackedTable =
  'customers' | 'access_keys' | 'users' | 'devices' | 'groups' | 'callflows' | 'agents' | 'queues' | 'trunks';

/** A change with the row as stored after it (absent for deletes). */
export type RowChange = {
  [T in TrackedTable]: { table: T; customerId: string; id: string; op: ChangeOp; row?: RowTypes[T] };
}[TrackedTable];

/** Collects the changes of one write; applied only when its transaction commits. */
export class ChangeSet {
  readonly changes: RowChange[] = [];

  add(change: RowChange): void {
    this.changes.push(change);
  }
}
