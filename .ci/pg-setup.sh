#!/usr/bin/env bash
# Makes sure the local PostgreSQL accepts connections on 127.0.0.1:5432 (trust auth), the second dialect of
# every store/directory/API suite: when it does not, starts the cluster of /etc/postgresql (the newest
# version when there are several), then waits until `pg_isready` succeeds, at most 30 s. Exits non-zero with
# a clear message otherwise. The suites create and drop their own databases; nothing else is set up here.
# Overrides (for trying this script): RINGD_PG_HOST, RINGD_PG_PORT, RINGD_PG_WAIT (seconds).
set -euo pipefail

host="${RINGD_PG_HOST:-127.0.0.1}"
port="${RINGD_PG_PORT:-5432}"
wait_s="${RINGD_PG_WAIT:-30}"

fail() {
  echo "pg-setup: ERROR: $*" >&2
  exit 1
}

command -v pg_isready >/dev/null 2>&1 || fail "pg_isready not found: install PostgreSQL (apt-get install postgresql)"

if pg_isready -q -h "$host" -p "$port"; then
  echo "pg-setup: PostgreSQL already accepts connections on $host:$port"
  exit 0
fi

command -v pg_ctlcluster >/dev/null 2>&1 || fail "pg_ctlcluster not found (postgresql-common); cannot start PostgreSQL"
version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1 || true)"
[ -n "$version" ] || fail "no PostgreSQL cluster under /etc/postgresql; cannot start PostgreSQL"

echo "pg-setup: starting PostgreSQL $version/main"
if ! pg_ctlcluster --skip-systemctl-redirect "$version" main start; then
  # "already running" (e.g. listening elsewhere, or still starting) also lands here: the wait decides.
  echo "pg-setup: pg_ctlcluster $version main start failed; waiting for the server anyway" >&2
fi

for ((i = 0; i < wait_s; i++)); do
  if pg_isready -q -h "$host" -p "$port"; then
    echo "pg-setup: PostgreSQL $version accepts connections on $host:$port (after ${i}s)"
    exit 0
  fi
  sleep 1
done
fail "PostgreSQL did not accept connections on $host:$port within ${wait_s}s (see /var/log/postgresql/postgresql-$version-main.log)"
