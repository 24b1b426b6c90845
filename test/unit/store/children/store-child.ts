/**
 * A separate process for the store's multi-process tests (not a test file itself).
 *   open <url>            open the store (migrating), print {"pending": […]} and exit
 *   write <url> <n> <sync> insert n users, one transaction each, printing each id after its commit;
 *                          then print "done" and wait to be killed
 */
import { randomUUID } from 'node:crypto';
import { NIL_UUID, NOT_YET, openStore } from '../../../../src/store/index.ts';

const [mode, url, n, sync] = process.argv.slice(2);

if (mode === 'open') {
  const store = await openStore({ url });
  process.stdout.write(`${JSON.stringify({ pending: await store.pendingMigrations() })}\n`);
  await store.close();
} else if (mode === 'write') {
  const store = await openStore({ url, sqliteSynchronous: sync === 'FULL' ? 'FULL' : 'NORMAL' });
  const customerId = NIL_UUID;
  for (let i = 0; i < Number(n); i++) {
    const id = randomUUID();
    const tm = `2024-01-01 00:00:00.${String(i).padStart(6, '0')}`;
    await store.transaction((repos) =>
      repos.users.insert({
        id,
        customer_id: customerId,
        name: `user ${i}`,
        call_groups: ['a'],
        pickup_groups: [],
        monitor: [],
        tm_create: tm,
        tm_update: tm,
        tm_delete: NOT_YET,
      }),
    );
    process.stdout.write(`${id}\n`);
  }
  process.stdout.write('done\n');
  setInterval(() => {}, 1000); // keep running until SIGKILL
} else {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
