#!/bin/bash
# The server's user and system CPU per request, apart: starts the guards server (bench/servers/guard-server.ts) on
# core 0, signs one hmac header (valid for 5 minutes; single-use is off), and drives each route with wrk on core 1,
# three interleaved rounds of 5 s after a 2 s warm-up each. User time is the JavaScript and OpenSSL work; system time
# is the kernel's, mostly the loopback TCP of both ends run inside the server's `send`.
# Usage: bash bench/cpu-split.sh [route …]   (default: /bench/none /limit/hmac /bench/hmac); ROUNDS="1 2 3 4 5" for more rounds.
set -euo pipefail
cd "$(dirname "$0")/.."
routes=("$@")
[ ${#routes[@]} -eq 0 ] && routes=(/bench/none /limit/hmac /bench/hmac)
port=18198
node=node_modules/.bin/node
log=$(mktemp)
taskset -c 0 "$node" --conditions=payauth-source bench/servers/guard-server.ts "$port" >"$log" &
trap 'kill %1 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 50); do grep -q '"url"' "$log" && break; sleep 0.2; done
pid=$("$node" -e "console.log(JSON.parse(require('fs').readFileSync('$log','utf8').split('\n')[0]).pid)")
header=$("$node" -e "
const { createHmac } = require('node:crypto');
const demo = JSON.parse(require('fs').readFileSync('$log', 'utf8').split('\n')[0]).demo.hmac;
const text = demo.accessKey + ':' + Date.now() + ':1:';
console.log('AUTH ' + text + createHmac('sha256', demo.secretKey).update(text).digest('hex'));")
ticks() { awk '{print $14, $15}' "/proc/$pid/stat"; }
for route in "${routes[@]}"; do
  taskset -c 1 wrk -t1 -c50 -d2s -H "Authorization: $header" "http://127.0.0.1:$port$route" >/dev/null
done
echo "| round | route | req/s | server busy | user µs/req | system µs/req | total µs/req |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for round in ${ROUNDS:-1 2 3}; do
  for route in "${routes[@]}"; do
    read -r user1 system1 < <(ticks)
    out=$(taskset -c 1 wrk -t1 -c50 -d5s -H "Authorization: $header" "http://127.0.0.1:$port$route")
    read -r user2 system2 < <(ticks)
    requests=$(echo "$out" | awk '/requests in/{print $1}')
    if echo "$out" | grep -q Non-2xx; then echo "$route: refused requests" >&2; exit 1; fi
    awk -v r="$round" -v route="$route" -v n="$requests" -v u=$((user2 - user1)) -v s=$((system2 - system1)) 'BEGIN {
      # /proc ticks are 10 ms: µs per request = ticks × 10,000 ÷ requests.
      printf "| %s | %s | %d | %d %% | %.1f | %.1f | %.1f |\n", r, route, n / 5, (u + s) / 5, u * 1e4 / n, s * 1e4 / n, (u + s) * 1e4 / n }'
  done
done
