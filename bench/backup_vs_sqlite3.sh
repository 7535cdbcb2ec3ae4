#!/usr/bin/env bash
# Times `bscbot backup` against `sqlite3 data.sqlite ".backup out.sqlite"` on the same database of
# at least 1 GB, in one run: each is run RUNS times, alternating, and the medians are compared.
# The database is generated once with a recursive CTE (realistic trades, all four indexes).
#
#   bench/backup_vs_sqlite3.sh                      # build/, 2.2 M trades (about 1.1 GB)
#   BUILD=build-backup TRADES=3000000 RUNS=5 bench/backup_vs_sqlite3.sh
#
# Output goes to bench/out/backup (ignored by git); KEEP=1 keeps the database for another run.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-build}
trades=${TRADES:-2200000}
runs=${RUNS:-3}
out=${OUT:-$here/bench/out/backup}
bscbot=$(realpath "$here/$build/cmd/bscbot")

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

mkdir -p "$out"
cd "$out"
db=data/trading-bot.sqlite
if [[ ! -f $db || ${KEEP:-0} != 1 ]]; then
  rm -rf data backups logs reports bscbot.yaml .env out.sqlite
  "$bscbot" init -q >/dev/null
  echo "generating $trades trades in $out/$db ..." >&2
  t0=$(now)
  sqlite3 "$db" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -262144;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $trades)
INSERT INTO trades (tx_hash, wallet_address, token_in, token_out, amount_in, amount_out, amount_out_min, path, slippage_bps,
                    deadline, gas_limit, gas_price, gas_used, gas_fee, nonce, chain_id, block_number, status, created_at, updated_at,
                    finalized_at)
SELECT printf('0x%064x', i),
       printf('0x%040x', i % 5000),
       '0xbb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c',
       '0x0e09fabb73bd3ade0a17ecc321fd13a19e81ce82',
       CAST(1000000000000000000 + i * 7919 AS TEXT),
       CAST(2000000000000000000 + i * 104729 AS TEXT),
       CAST(1990000000000000000 + i * 104729 AS TEXT),
       '0xbb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c,0x0e09fabb73bd3ade0a17ecc321fd13a19e81ce82',
       50, 1700000000 + i, 500000, '5000000000', 120000 + i % 1000, CAST(600000000000000 + i AS TEXT), i, 56, 30000000 + i,
       CASE WHEN i % 20 = 0 THEN 'failed' ELSE 'completed' END,
       datetime('now', printf('%d seconds', -(($trades - i) * 10 + 10))),
       datetime('now', printf('%d seconds', -(($trades - i) * 10 + 5))),
       datetime('now', printf('%d seconds', -(($trades - i) * 10 + 5)))
FROM n;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
  echo "generated in $(awk -v a="$t0" -v b="$(now)" 'BEGIN {printf "%.1f s", b - a}')" >&2
fi
bytes=$(stat -c %s "$db")
echo "database: $db, $(awk -v b="$bytes" 'BEGIN {printf "%.2f GB", b / 1e9}'), $(sqlite3 "$db" 'SELECT COUNT(*) FROM trades') trades" >&2

declare -A times
variants=("bscbot backup" "bscbot backup --check none" "bscbot backup --compress zstd" "sqlite3 .backup")
for ((r = 1; r <= runs; r++)); do
  for v in "${variants[@]}"; do
    rm -rf backups out.sqlite
    sync
    t0=$(now)
    case $v in
      "bscbot backup") "$bscbot" -q backup >/dev/null ;;
      "bscbot backup --check none") "$bscbot" -q backup --check none >/dev/null ;;
      "bscbot backup --compress zstd") "$bscbot" -q backup --compress zstd >/dev/null ;;
      "sqlite3 .backup") sqlite3 "$db" ".backup out.sqlite" ;;
    esac
    t=$(awk -v a="$t0" -v b="$(now)" 'BEGIN {printf "%.3f", b - a}')
    times[$v]+="$t "
    echo "run $r: $v: $t s" >&2
  done
done
rm -rf backups out.sqlite

# Under a steady writer (one trade every 5 ms in its own transaction, busy timeout 5 s, as the
# daemon writes): how long each backup takes, whether it finishes, and the writer's longest insert.
declare -A loaded
if [[ ${WRITER:-1} == 1 ]]; then
  cat > writer.py <<'PY'
import os, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=5.0, isolation_level=None)
worst = 0.0; n = 0; errors = 0
while not os.path.exists(sys.argv[2]):
    t0 = time.perf_counter()
    try:
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO trades (wallet_address, token_in, token_out, amount_in) VALUES ('0x' || lower(hex(randomblob(20))), 'a', 'b', '1')")
        db.execute("COMMIT")
        n += 1
    except sqlite3.Error:
        errors += 1
        if db.in_transaction:
            db.execute("ROLLBACK")
    worst = max(worst, time.perf_counter() - t0)
    time.sleep(0.005)
print(f"{n} inserts, {errors} errors, longest {worst * 1000:.1f} ms")
PY
  limit=${WRITER_TIMEOUT:-120}
  for v in "bscbot backup" "sqlite3 .backup"; do
    rm -rf backups out.sqlite writer.stop
    python3 writer.py "$db" writer.stop > writer.out &
    writer=$!
    sleep 1
    t0=$(now)
    status=finished
    case $v in
      "bscbot backup") timeout "$limit" "$bscbot" -q backup >/dev/null || status="did not finish in $limit s" ;;
      "sqlite3 .backup") timeout "$limit" sqlite3 "$db" ".backup out.sqlite" || status="did not finish in $limit s" ;;
    esac
    t=$(awk -v a="$t0" -v b="$(now)" 'BEGIN {printf "%.2f", b - a}')
    touch writer.stop
    wait $writer || true
    loaded[$v]="$t s, $status; writer: $(cat writer.out)"
    echo "with a writer: $v: ${loaded[$v]}" >&2
  done
  rm -rf writer.py writer.out writer.stop backups out.sqlite
fi

reference=$(echo "${times["sqlite3 .backup"]}" | tr ' ' '\n' | grep . | median)
printf '\n%-32s %10s %10s %8s\n' "$(printf 'median of %d runs' "$runs")" "seconds" "MB/s" "ratio"
for v in "${variants[@]}"; do
  m=$(echo "${times[$v]}" | tr ' ' '\n' | grep . | median)
  awk -v name="$v" -v m="$m" -v ref="$reference" -v b="$bytes" 'BEGIN {printf "%-32s %10.2f %10.0f %8.2f\n", name, m, b / 1e6 / m, m / ref}'
done
for v in "bscbot backup" "sqlite3 .backup"; do
  if [[ -n ${loaded[$v]:-} ]]; then printf 'with a writer, %-17s %s\n' "$v:" "${loaded[$v]}"; fi
done
if [[ ${KEEP:-0} != 1 ]]; then rm -rf data; fi
