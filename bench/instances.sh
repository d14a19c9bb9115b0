#!/usr/bin/env bash
# Issue 20's benchmark: print jobs per second and latency at 32 connections
# against 1 instance on SQLite, and 1, 2 and 3 instances on one PostgreSQL
# database (a private, durable server: tests/support/private_postgres.sh
# --durable), each instance with its own data folder and one shared spool.
# The connections are spread over the instances (renkei-bench http with
# several URLs), as a load balancer would. Prints renkei-bench's JSON line
# per run. Not a test.
#
#   bench/instances.sh [SECONDS] [CONNECTIONS]     (default 20 s, 32)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
connections=${2:-32}
bench=build/bench/renkei-bench
renkei=build/renkei
[ -x "$bench" ] && [ -x "$renkei" ] || { echo "build renkei and renkei-bench first" >&2; exit 1; }

work=$(mktemp -d /tmp/renkei-instances.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  tests/support/private_postgres.sh stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

"$bench" generate --sheet admission-info --n 200 --templates templates >"$work/payloads.jsonl"
tests/support/private_postgres.sh start "$work/pg" --durable >/dev/null
conninfo=$(cat "$work/pg/conninfo")

# The tree's configuration with absolute paths, minus the keys set per run.
base_config() {
  local dir; dir=$(pwd)/config
  grep -E '^[a-zA-Z]' config/renkei.properties |
    grep -vE '^(server\.port|data\.dir|jobs\.store|jobs\.postgresql|spool\.dir|spool\.shared|jobs\.postgresqlPool) ' |
    sed -E "s#^([a-zA-Z.]*(file|dir)) = ([^/].*)\$#\\1 = $dir/\\3#"
}

run() {  # run NAME STORE INSTANCES
  local name=$1 store=$2 n=$3 urls=""
  local schema="r_${name//-/_}"
  pids=()
  if [ "$store" = postgresql ]; then
    psql -q "$conninfo" -c "CREATE SCHEMA $schema" >/dev/null
  fi
  for i in $(seq 1 "$n"); do
    local port; port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    local cfg="$work/$name-$i.properties"
    { base_config
      echo "server.port = $port"
      echo "data.dir = $work/$name-data-$i"
      echo "jobs.store = $store"
      echo "jobs.postgresqlPool = 16"
      [ "$store" = postgresql ] && echo "jobs.postgresql = $conninfo options=-csearch_path=$schema"
      echo "spool.dir = $work/$name-spool"
      echo "spool.shared = true"
    } >"$cfg"
    "$renkei" --config "$cfg" >"$work/$name-$i.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.05; done
    urls="${urls:+$urls,}http://127.0.0.1:$port"
  done
  echo "== $name: $n instance(s) on $store, $connections connections, $seconds s"
  "$bench" http --url "$urls" --connections "$connections" --seconds "$seconds" "$work/payloads.jsonl" | tail -1
  for p in "${pids[@]}"; do kill "$p"; done
  wait 2>/dev/null || true
}

run sqlite-1 sqlite 1
run pg-1 postgresql 1
run pg-2 postgresql 2
run pg-3 postgresql 3
