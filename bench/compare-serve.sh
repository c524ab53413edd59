#!/bin/bash
# Two checkouts' `payauth serve --demo --redis` side by side, on the sandbox's hmac route (/api/accounts): both
# servers on core 0, wrk on core 1, alternating rounds of DURATION seconds (default 2), ROUNDS of them (default 12).
# Each row: requests, then the server's and redis-server's CPU µs per request, for the other checkout and this one;
# last, the medians of the rounds' own ratios (this ÷ other), which a host whose speed drifts pairs away.
# Usage: bash bench/compare-serve.sh <other checkout>   (it needs its own node_modules/@payauth links; Redis running)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/paired-rounds.sh
other=$(cd "$1" && pwd)
this=$(pwd)
node=$this/node_modules/.bin/node
redis=$(pgrep -x redis-server | head -1)
[ -n "$redis" ] || { echo "no redis-server is running" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
declare -A pid port
rows=$(mktemp)
index=0
for side in other this; do
  root=$other; [ $side = this ] && root=$this
  directory=$(mktemp -d); port[$side]=$((18400 + index)); index=$((index + 1))
  (cd "$directory" && exec taskset -c 0 "$node" --conditions=payauth-source "$root/packages/cli/src/bin.ts" serve --demo \
    --port "${port[$side]}" --store "$directory/store.db" --log-level warn --redis redis://127.0.0.1:6379 \
    --redis-prefix "compare-$side-$RANDOM:" >"$directory/log" 2>&1) &
  pid[$side]=$!
done
trap 'kill ${pid[other]} ${pid[this]} 2>/dev/null; rm -f "$rows"' EXIT
for side in other this; do
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:${port[$side]}/health" && break; sleep 0.2; done
done
header=$(demo_hmac_header "$node")
run() { taskset -c 1 wrk -t1 -c50 -d"$1"s -H "Authorization: $header" "http://127.0.0.1:${port[$2]}/api/accounts"; }
for side in other this; do run 2 $side >/dev/null; done
echo "| round | other: requests | server µs | redis µs | this: requests | server µs | redis µs |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for round in $(seq 1 "${ROUNDS:-12}"); do
  line="| $round"
  for side in other this; do
    server=$(ticks "${pid[$side]}"); store=$(ticks "$redis")
    out=$(run "${DURATION:-2}" $side)
    if echo "$out" | grep -q Non-2xx; then echo "$side: refused requests" >&2; exit 1; fi
    requests=$(echo "$out" | awk '/requests in/{print $1}')
    # /proc ticks are 10 ms: µs per request = ticks × 10,000 ÷ requests.
    line="$line | $requests | $((($(ticks "${pid[$side]}") - server) * 10000 / requests)) | $((($(ticks "$redis") - store) * 10000 / requests))"
  done
  echo "$line |" | tee -a "$rows"
done
paired_medians "$rows" "this ÷ other" redis
