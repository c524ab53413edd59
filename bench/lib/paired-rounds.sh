# Shared by bench/compare-serve.sh and bench/compare-state.sh (sourced): two servers measured in alternating rounds.

# One hmac header of the sandbox's document credential (DEMO in packages/server/src/demo/seed.ts), valid 5 minutes.
demo_hmac_header() {
  "$1" -e "
const { createHmac } = require('node:crypto');
const text = 'k1rXpphkRG!2-Fox:' + Date.now() + ':1:';
console.log('AUTH ' + text + createHmac('sha256', 'E0!oYfVpA6-noiqGr-pT7AJ2ybT4r7lx').update(text).digest('hex'));"
}

# A process's user + system CPU in ticks of 10 ms (0 once it is gone).
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# Rows "| round | requests | server µs | third µs | requests | server µs | third µs |" (first side, then second):
# prints the medians of the rounds' own ratios, second ÷ first, which a host whose speed drifts pairs away.
# Usage: paired_medians <rows file> <"second ÷ first" label> <name of the third column>
paired_medians() {
  awk -F'|' -v label="$2" -v third="$3" '
  function median(values, count,   a, b, v) {
    for (a = 2; a <= count; a++) { v = values[a]; for (b = a - 1; b >= 1 && values[b] > v; b--) values[b + 1] = values[b]; values[b + 1] = v }
    return (count % 2) ? values[(count + 1) / 2] : (values[count / 2] + values[count / 2 + 1]) / 2
  }
  { n++; requests[n] = $6 / $3; server[n] = $7 / $4; store[n] = $8 / $5; both[n] = ($7 + $8) / ($4 + $5) }
  END {
    printf "\n%s, medians of %d rounds: requests %.2f, server µs %.2f, %s µs %.2f, both µs %.2f\n", label, n, median(requests, n), median(server, n), third, median(store, n), median(both, n)
  }' "$1"
}
