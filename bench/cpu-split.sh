#!/bin/bash
# The server's user and system CPU per request, apart: starts the guards server (bench/servers/guard-server.ts) on
# core 0, signs one hmac header (valid for 5 minutes; single-use is off), and drives each route with wrk on core 1,
# three interleaved rounds of 5 s after a 2 s warm-up each. User time is the JavaScript and OpenSSL work; system time
# is the kernel's, mostly the loopback TCP of both ends run inside the server's `send`.
# Usage: bash bench/cpu-split.sh [route …]   (default: /bench/none /limit/hmac /bench/hmac); ROUNDS="1 2 3 4 5" for more rounds,
# DURATION=2 for shorter ones (seconds, default 5). On a noisy host, many short rounds and the median of each round's
# own ratio (printed last: the first route's µs ÷ each other route's, round by round) pair every figure with one taken
# seconds apart, so that the host's slow minutes cancel out.
set -euo pipefail
cd "$(dirname "$0")/.."
routes=("$@")
[ ${#routes[@]} -eq 0 ] && routes=(/bench/none /limit/hmac /bench/hmac)
port=18198
node=node_modules/.bin/node
log=$(mktemp)
taskset -c 0 "$node" --conditions=payauth-source bench/servers/guard-server.ts "$port" >"$log" &
trap 'kill %1 2>/dev/null; rm -f "$log" "$log.rows"' EXIT
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
    out=$(taskset -c 1 wrk -t1 -c50 -d"${DURATION:-5}"s -H "Authorization: $header" "http://127.0.0.1:$port$route")
    read -r user2 system2 < <(ticks)
    requests=$(echo "$out" | awk '/requests in/{print $1}')
    if echo "$out" | grep -q Non-2xx; then echo "$route: refused requests" >&2; exit 1; fi
    awk -v r="$round" -v route="$route" -v n="$requests" -v u=$((user2 - user1)) -v s=$((system2 - system1)) -v d="${DURATION:-5}" 'BEGIN {
      # /proc ticks are 10 ms: µs per request = ticks × 10,000 ÷ requests.
      printf "| %s | %s | %d | %d %% | %.1f | %.1f | %.1f |\n", r, route, n / d, (u + s) / d, u * 1e4 / n, s * 1e4 / n, (u + s) * 1e4 / n }' | tee -a "$log.rows"
  done
done
# Paired ratios: in each round, the first route's µs per request ÷ each other route's; their median over the rounds.
echo
echo "| route | ${routes[0]} µs ÷ route µs, median of the rounds' own ratios | rounds |"
echo "| --- | --- | --- |"
awk -F'|' -v first="${routes[0]}" '
  { gsub(/ /, "", $2); gsub(/ /, "", $3); round = $2; route = $3; us[round, route] = $8 + 0; if (!(route in seen)) { seen[route] = 1; order[++n] = route } rounds[round] = 1 }
  END {
    for (i = 2; i <= n; i++) {
      m = 0; delete values
      for (r in rounds) if ((r, order[i]) in us && (r, first) in us) values[++m] = us[r, first] / us[r, order[i]]
      # insertion sort, then the median
      for (a = 2; a <= m; a++) { v = values[a]; for (b = a - 1; b >= 1 && values[b] > v; b--) values[b + 1] = values[b]; values[b + 1] = v }
      median = (m % 2) ? values[(m + 1) / 2] : (values[m / 2] + values[m / 2 + 1]) / 2
      printf "| %s | %.2f | %d |\n", order[i], median, m
    }
  }' "$log.rows"
