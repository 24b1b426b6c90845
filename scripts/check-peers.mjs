#!/usr/bin/env node
// Checks that the real SIP peers the interop tests drive are installed. Fails with the exact apt-get line when not.
import { spawnSync } from 'node:child_process';

/** binary → Debian package providing it: the real peers of test/interop and the call benchmarks. */
const PEERS = { sipp: 'sip-tester', baresip: 'baresip', linphonec: 'linphone-cli', kamailio: 'kamailio' };

const missing = Object.entries(PEERS).filter(
  ([bin]) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status !== 0,
);
if (missing.length > 0) {
  const pkgs = [...new Set(missing.map(([, pkg]) => pkg))].join(' ');
  console.error(`interop peers missing: ${missing.map(([b]) => b).join(', ')}`);
  console.error(`install them with:\n  apt-get update && apt-get install -y ${pkgs}`);
  process.exit(1);
}
console.log(`interop peers present: ${Object.keys(PEERS).join(', ')}`);
