#!/usr/bin/env bash
# Quote-to-transaction-sent latency of bscbotd's trade engine against a local anvil chain:
# `bscbot devnet up`, bscbotd on it, N BNB->TKA swaps through the HTTP API, then the engine's
# own per-swap measurement ("quote-to-send X ms": from the router quote to eth_sendRawTransaction
# returning) read from the log. Prints min, median, p90 and max.
#   usage: bench/trade-latency.sh [SWAPS=50] [BUILD_DIR=build]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
swaps="${1:-50}"
build="${2:-$root/build}"
bin="$build/cmd/bscbot"
work="$root/bench/out/trade-latency-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$work"
cd "$work"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export PORT="$port" JWT_SECRET="$(head -c 48 /dev/urandom | od -An -tx1 | tr -d ' \n')" LOG_LEVEL=info
cleanup() {
  "$bin" --config devnet/bscbot.yaml daemon stop >/dev/null 2>&1 || true
  "$bin" devnet down >/dev/null 2>&1 || true
}
trap cleanup EXIT

"$bin" --json devnet up > devnet.json
tka="$(jq -r .tokens.TKA devnet.json)"
"$bin" --config devnet/bscbot.yaml daemon start >/dev/null
token="$("$bin" --config devnet/bscbot.yaml -q token issue --role trader --subject bench --ttl 1h)"

start=$(date +%s.%N)
for _ in $(seq "$swaps"); do
  curl -sf -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d "{\"from\":\"BNB\",\"to\":\"$tka\",\"amount\":\"0.01\"}" "http://127.0.0.1:$port/api/v1/trading/swap" >/dev/null
done
# Wait until every swap is final.
for _ in $(seq 600); do
  pending="$("$bin" --config devnet/bscbot.yaml --json trade stats --since 1h | jq .pending)"
  [ "$pending" = 0 ] && break
  sleep 0.1
done
end=$(date +%s.%N)
"$bin" --config devnet/bscbot.yaml --json trade stats --since 1h > stats.json
sleep 1.2  # the log is flushed every second

grep -o 'quote-to-send [0-9.]* ms' logs/api-server.log | awk '{print $2}' | sort -n > latencies_ms.txt
n="$(wc -l < latencies_ms.txt)"
[ "$n" -gt 0 ] || { echo "no swap was sent; see $work/logs/api-server.log" >&2; exit 1; }
pick() { sed -n "$(( ($1 * (n - 1)) / 100 + 1 ))p" latencies_ms.txt; }
echo "swaps sent:            $n of $swaps ($(jq .completed stats.json) completed, $(jq .failed stats.json) failed)"
echo "quote-to-send latency: min $(head -1 latencies_ms.txt) ms, median $(pick 50) ms, p90 $(pick 90) ms, max $(tail -1 latencies_ms.txt) ms"
echo "wall time for all:     $(echo "$end - $start" | bc) s (swaps are sent one at a time, each waits for its receipt)"
echo "details:               $work"
