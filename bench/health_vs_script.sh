#!/usr/bin/env bash
# Times `bscbot health` against the manual's health-check script (bench/manual/health-check.sh)
# on the same running bscbotd and database, in one run: each is run RUNS times, alternating, and
# the medians of the wall times are compared. `bscbot health --full` (the full integrity_check the
# script runs) is timed as well.
#
#   bench/health_vs_script.sh                        # build/, 100 000 trades over the last 10 days
#   BUILD=build-health TRADES=1000000 RUNS=20 bench/health_vs_script.sh
#
# Output goes to bench/out/health (ignored by git). Needs curl, jq, sqlite3, top, free, df and
# netstat (net-tools) for the script.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-build}
trades=${TRADES:-100000}
runs=${RUNS:-10}
out=${OUT:-$here/bench/out/health}
bscbot=$(realpath "$here/$build/cmd/bscbot")
script="$here/bench/manual/health-check.sh"
export PORT=${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

rm -rf "$out"
mkdir -p "$out"
cd "$out"
"$bscbot" init -q >/dev/null
db=data/trading-bot.sqlite
echo "generating $trades trades in $out/$db ..." >&2
sqlite3 "$db" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $trades)
INSERT INTO trades (tx_hash, wallet_address, token_in, token_out, amount_in, amount_out, path, gas_fee, status, created_at,
                    updated_at, finalized_at)
SELECT printf('0x%064x', i), printf('0x%040x', i % 5000), '0xbb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c',
       '0x0e09fabb73bd3ade0a17ecc321fd13a19e81ce82', CAST(1000000000000000000 + i * 7919 AS TEXT),
       CAST(2000000000000000000 + i * 104729 AS TEXT), '', CAST(600000000000000 + i AS TEXT),
       CASE WHEN i % 20 = 0 THEN 'failed' ELSE 'completed' END,
       datetime('now', printf('%d seconds', -(($trades - i) * 864000 / $trades + 1))),
       datetime('now', printf('%d seconds', -(($trades - i) * 864000 / $trades + 1))),
       datetime('now', printf('%d seconds', -(($trades - i) * 864000 / $trades + 1)))
FROM n;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
echo "database: $(du -h "$db" | cut -f1), $trades trades; bscbotd on port $PORT" >&2
"$bscbot" daemon start -q >/dev/null
trap '"$bscbot" daemon stop -q >/dev/null 2>&1 || true' EXIT
sleep 2  # let bscbotd take its first CPU readings, as a long-running daemon has

declare -A times
variants=("bscbot health" "bscbot health --full" "manual health-check.sh")
for ((r = 1; r <= runs; r++)); do
  for v in "${variants[@]}"; do
    t0=$(now)
    case $v in
      "bscbot health") "$bscbot" -q health >/dev/null || true ;;
      "bscbot health --full") "$bscbot" -q health --full >/dev/null || true ;;
      "manual health-check.sh") bash "$script" >/dev/null 2>&1 || true ;;
    esac
    times[$v]+="$(awk -v a="$t0" -v b="$(now)" 'BEGIN {printf "%.4f", b - a}') "
  done
done

base=$(tr ' ' '\n' <<<"${times["manual health-check.sh"]}" | grep . | median)
printf '%-26s %12s %12s %14s\n' "variant" "median ms" "min ms" "vs script"
for v in "${variants[@]}"; do
  m=$(tr ' ' '\n' <<<"${times[$v]}" | grep . | median)
  lo=$(tr ' ' '\n' <<<"${times[$v]}" | grep . | sort -n | head -1)
  printf '%-26s %12.1f %12.1f %13.2fx\n' "$v" "$(awk -v x="$m" 'BEGIN {print x * 1000}')" \
    "$(awk -v x="$lo" 'BEGIN {print x * 1000}')" "$(awk -v x="$m" -v b="$base" 'BEGIN {print x / b}')"
done
echo "($runs runs each, alternating; $(nproc) CPUs; $(uptime | sed 's/.*load average/load average/'))"
