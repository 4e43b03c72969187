#!/usr/bin/env bash
# Runs `switchboard bench ingest` against a cluster of N nodes (default 1)
# that share PostgreSQL and a nats-server, like test/cluster does:
#
#   scripts/bench-cluster.sh [N] [bench ingest flags…]
#   scripts/bench-cluster.sh 3 --convs 1000 --json
#
# Bench flags default to `-n 30000 --duration 10s`; any given replace them.
# Needs PostgreSQL at $PGURL (default postgres://postgres@127.0.0.1:5432/test),
# psql, and nats-server. $DB_PARAMS is appended to the nodes' database URL,
# e.g. DB_PARAMS='synchronous_commit=off' (pgx sends unknown parameters as
# session settings). Everything it starts — nodes, nats-server, the
# schema, the temporary directory — is removed on exit, failed or not.
set -euo pipefail

nodes=${1:-1}
shift || true
bench_flags=("$@")
[ ${#bench_flags[@]} -gt 0 ] || bench_flags=(-n 30000 --duration 10s)
case $nodes in '' | *[!0-9]* | 0) echo "bench-cluster: N must be a positive number" >&2; exit 2 ;; esac

cd "$(dirname "$0")/.."
PGURL=${PGURL:-postgres://postgres@127.0.0.1:5432/test}
bin=./bin/switchboard
schema="bench_$(date +%s)_$$"
dburl="$PGURL?sslmode=disable&search_path=$schema${DB_PARAMS:+&$DB_PARAMS}"
password=bench-cluster-password
work=$(mktemp -d /tmp/switchboard-bench-cluster.XXXXXX)
pids=()
schema_made=

# cleanup stops what this script started (by pid), drops its schema and
# removes its directory; it runs on every exit.
cleanup() {
  local rc=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$schema_made" ]; then
    PGOPTIONS=--client-min-messages=warning psql -q "$PGURL" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null || echo "bench-cluster: could not drop schema $schema" >&2
  fi
  if [ $rc -ne 0 ]; then
    for f in "$work"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }; done
  fi
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_port asks the kernel for an unused loopback port.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_http waits up to 20 s for url to answer 200, or for pid to die.
wait_http() {
  local url=$1 pid=$2
  for _ in $(seq 200); do
    kill -0 "$pid" 2>/dev/null || { echo "bench-cluster: process $pid exited" >&2; return 1; }
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "bench-cluster: $url not ready after 20s" >&2
  return 1
}

# wait_tcp waits up to 10 s for a listener on 127.0.0.1:port.
wait_tcp() {
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "bench-cluster: nothing listening on port $1" >&2
  return 1
}

make -s build
psql -q "$PGURL" -c "CREATE SCHEMA $schema" >/dev/null
schema_made=1

nats_port=$(free_port)
mkdir -p "$work/nats"
nats-server -a 127.0.0.1 -p "$nats_port" -sd "$work/nats" >"$work/nats.log" 2>&1 &
pids+=($!)
wait_tcp "$nats_port"

# The first node starts alone: it creates the tables, the admin and the key
# file the others then share.
urls=()
for i in $(seq 0 $((nodes - 1))); do
  port=$(free_port)
  mkdir -p "$work/n$i"
  "$bin" serve --addr "127.0.0.1:$port" --data-dir "$work/n$i" --database-url "$dburl&application_name=$schema-n$i" \
    --nats-url "nats://127.0.0.1:$nats_port" --key-file "$work/keys.json" --node-id "n$i" \
    --admin-password "$password" --log-level warn >"$work/n$i.log" 2>&1 &
  pids+=($!)
  wait_http "http://127.0.0.1:$port/readyz" "$!"
  urls+=("http://127.0.0.1:$port")
done

mkdir -p "$work/cli"
token=$("$bin" admin token-create --data-dir "$work/cli" --database-url "$dburl" --key-file "$work/keys.json" \
  --login admin --name bench | tail -n 1 | tr -d '[:space:]')

url_list=$(IFS=,; echo "${urls[*]}")
echo "bench-cluster: $nodes node(s) on PostgreSQL schema $schema, NATS port $nats_port: $url_list" >&2
"$bin" bench ingest --url "$url_list" --token "$token" "${bench_flags[@]}"
