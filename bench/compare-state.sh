#!/bin/bash
# The PostgreSQL shared state against the Redis one, in the same run: two `payauth serve --demo` of this checkout on
# PostgreSQL stores (a fresh database each), one with `--redis` (Redis state), one without (`--state postgres`, the
# default for a postgres:// store), on the sandbox's hmac route (/api/accounts: a budget reservation and its release
# per request). Both servers on core 0, wrk on core 1, alternating rounds of DURATION seconds (default 2), ROUNDS of
# them (default 12). Each row: requests, the server's CPU µs per request, and the CPU µs per request of what holds the
# state — redis-server plus the PostgreSQL backends of the side's database (store and state), or those backends alone
# — then the medians of the rounds' own ratios (postgres ÷ redis), which a host whose speed drifts pairs away.
# Usage: bash bench/compare-state.sh   (PostgreSQL and Redis running; wrk installed; PAYAUTH_BENCH_POSTGRES to override
# postgres://postgres@127.0.0.1:5432)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/paired-rounds.sh
node=$(pwd)/node_modules/.bin/node
server_url=${PAYAUTH_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}
redis=$(pgrep -x redis-server | head -1)
[ -n "$redis" ] || { echo "no redis-server is running" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
command -v psql >/dev/null || { echo "psql is missing: apt-get install -y postgresql-client" >&2; exit 1; }
export PAYAUTH_MASTER_KEY=$("$node" -e "console.log(require('node:crypto').randomBytes(32).toString('hex'))")
this=$(pwd)
declare -A pid port database
rows=$(mktemp)
index=0
suffix=$RANDOM
for side in redis postgres; do
  database[$side]=payauth_bench_${side}_$suffix
  psql -q "$server_url/postgres" -c "CREATE DATABASE ${database[$side]}"
  directory=$(mktemp -d); port[$side]=$((18410 + index)); index=$((index + 1))
  state=(--state postgres); [ $side = redis ] && state=(--redis redis://127.0.0.1:6379 --redis-prefix "compare-state-$suffix:")
  (cd "$directory" && exec taskset -c 0 "$node" --conditions=payauth-source "$this/packages/cli/src/bin.ts" serve --demo \
    --port "${port[$side]}" --store "$server_url/${database[$side]}" --log-level warn "${state[@]}" >"$directory/log" 2>&1) &
  pid[$side]=$!
done
cleanup() {
  kill "${pid[redis]}" "${pid[postgres]}" 2>/dev/null || true
  sleep 1
  for side in redis postgres; do psql -q "$server_url/postgres" -c "DROP DATABASE IF EXISTS ${database[$side]} WITH (FORCE)" || true; done
  rm -f "$rows" "$rows.before" "$rows.after"
}
trap cleanup EXIT
for side in redis postgres; do
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:${port[$side]}/health/ready" && break; sleep 0.2; done
done
header=$(demo_hmac_header "$node")
# The PostgreSQL backends serving one database (its pools' connections), as "pid ticks" lines.
backends() {
  for p in $(psql -At "$server_url/postgres" -c "SELECT pid FROM pg_stat_activity WHERE datname = '$1'"); do
    echo "$p $(ticks "$p")"
  done
}
# CPU ticks the backends used between two listings: a backend in both counts its difference, one that opened during
# the round counts whole, one that closed during it is left out (its last ticks are gone with it).
backend_delta() { awk 'NR == FNR { before[$1] = $2; next } { total += $2 - (($1 in before) ? before[$1] : 0) } END { print total + 0 }' "$1" "$2"; }
run() { taskset -c 1 wrk -t1 -c50 -d"$1"s -H "Authorization: $header" "http://127.0.0.1:${port[$2]}/api/accounts"; }
for side in redis postgres; do run 2 $side >/dev/null; done
echo "| round | redis: requests | server µs | redis + pg µs | postgres: requests | server µs | pg µs |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for round in $(seq 1 "${ROUNDS:-12}"); do
  line="| $round"
  for side in redis postgres; do
    backends "${database[$side]}" >"$rows.before"
    server=$(ticks "${pid[$side]}"); store=$(ticks "$redis")
    out=$(run "${DURATION:-2}" $side)
    if echo "$out" | grep -q Non-2xx; then echo "$side: refused requests" >&2; exit 1; fi
    requests=$(echo "$out" | awk '/requests in/{print $1}')
    backends "${database[$side]}" >"$rows.after"
    state=$(backend_delta "$rows.before" "$rows.after")
    [ $side = redis ] && state=$((state + $(ticks "$redis") - store))
    # /proc ticks are 10 ms: µs per request = ticks × 10,000 ÷ requests.
    line="$line | $requests | $((($(ticks "${pid[$side]}") - server) * 10000 / requests)) | $((state * 10000 / requests))"
  done
  echo "$line |" | tee -a "$rows"
done
paired_medians "$rows" "postgres ÷ redis" state
