#!/usr/bin/env bash
# A private PostgreSQL server for the tests (and the benchmark): initdb into a
# fresh temporary folder, started on a free TCP port of 127.0.0.1 and a unix
# socket in that folder, stopped and deleted afterwards. Nothing outside the
# folder is touched, so it runs beside any system PostgreSQL.
#
#   private_postgres.sh start STATE_DIR [--durable]
#   private_postgres.sh stop STATE_DIR
#
# start writes STATE_DIR/conninfo (a libpq connection string for database
# "renkei", user "renkei", no password) and STATE_DIR/root (the temporary
# folder). Tests start no durable server: fsync is off, since they kill Renkei
# and never the database; --durable (the benchmark) keeps PostgreSQL's own
# defaults. PostgreSQL refuses to run as root: then the server runs as the
# system user renkei-pgtest, created if missing. Any failure exits non-zero
# with the server log, so the tests that need it fail rather than skip.
set -euo pipefail

usage() { echo "usage: $0 start|stop STATE_DIR [--durable]" >&2; exit 2; }
[ $# -ge 2 ] || usage
action=$1
state=$2
durable=${3:-}

bindir=${PG_BINDIR:-}
if [ -z "$bindir" ]; then
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "private_postgres: no PostgreSQL server found (install postgresql-15, see scripts/install-deps)" >&2
  exit 1
fi

# Runs a server command as the unprivileged owner of the cluster.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u renkei-pgtest -- "$@"
  else
    "$@"
  fi
}

stop_server() {
  local root=$1
  if [ -f "$root/data/postmaster.pid" ]; then
    as_owner "$bindir/pg_ctl" -D "$root/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
      as_owner "$bindir/pg_ctl" -D "$root/data" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
  fi
  rm -rf "$root"
}

case "$action" in
start)
  mkdir -p "$state"
  # A server left by an interrupted run of the same build tree goes first.
  if [ -f "$state/root" ]; then
    stop_server "$(cat "$state/root")"
    rm -f "$state/root" "$state/conninfo"
  fi
  if [ "$(id -u)" -eq 0 ] && ! id renkei-pgtest >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin renkei-pgtest
  fi
  # Short, under /tmp: a unix socket path must fit in 107 bytes, and the
  # server's user must be able to reach it (a build tree under /root is not).
  root=$(mktemp -d /tmp/renkei-pg.XXXXXX)
  chmod 0755 "$root"
  [ "$(id -u)" -ne 0 ] || chown renkei-pgtest "$root"
  echo "$root" >"$state/root"
  trap 'echo "private_postgres: start failed; server log:" >&2; cat "$root/log" >&2 2>/dev/null || true; stop_server "$root"; rm -f "$state/root"' ERR

  as_owner "$bindir/initdb" -D "$root/data" -U renkei --auth=trust -E UTF8 --locale=C.UTF-8 >"$root/initdb.log" 2>&1 ||
    { cat "$root/initdb.log" >&2; false; }
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  options="-c listen_addresses=127.0.0.1 -p $port -k $root -c max_connections=300 -c lc_messages=C"
  [ "$durable" = "--durable" ] || options="$options -c fsync=off -c full_page_writes=off"
  as_owner "$bindir/pg_ctl" -D "$root/data" -l "$root/log" -o "$options" -w -t 60 start >/dev/null
  as_owner "$bindir/createdb" -h "$root" -p "$port" -U renkei renkei
  echo "host=$root port=$port user=renkei dbname=renkei" >"$state/conninfo"
  trap - ERR
  echo "private_postgres: running at $(cat "$state/conninfo")"
  ;;
stop)
  if [ -f "$state/root" ]; then
    stop_server "$(cat "$state/root")"
    rm -f "$state/root" "$state/conninfo"
  fi
  ;;
*) usage ;;
esac
