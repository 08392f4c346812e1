#!/usr/bin/env bash
# store.sh: the history store and the dashboard at scale.
#
#   bench/store.sh [SITES [TESTS [DAYS]]]     (default 1000 3 3)
#
# A generated log (bench/genlog: SITES x TESTS, one sweep every 10 min over
# DAYS days) is ingested into a fresh store and read with `jq -c .` in the
# same run (the reference); then the store's size, the server time of the
# board, /failed, a pair page and its deepest history page (median of 5,
# curl on loopback), kong serve's peak RSS, the board's first paint in
# headless chromium (bench/firstpaint.py, against a tiny page). What the
# store costs a sweep is measured by bench/sink.sh.
# Uses the optimized build of bench/build.sh.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
sites=${1:-1000} tests=${2:-3} days=${3:-3}
work=${WORK:-/tmp/kong-bench-store}
mkdir -p "$work"
"$here/build.sh" "$work/build" >&2
K=$work/build/kong
log=$work/gen.jsonl
db=$work/gen.db
med() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
echo "# bench/store.sh $sites $tests $days ($(date -u +%FT%TZ), $(nproc) cores, $(git -C "$here" rev-parse --short HEAD))"

# REUSE=yes takes the log an earlier run of the same size left in $work.
if [ "${REUSE:-no}" != yes ] || [ ! -s "$log" ]; then
	python3 "$here/genlog" --seed 1 "$sites" "$tests" "$days" 10 > "$log"
fi
results=$(grep -c '"record":"result"' "$log")
bytes=$(stat -c %s "$log")
echo "log: $results results, $((bytes / 1048576)) MiB"

t0=$(date +%s.%N); jq -c . "$log" > /dev/null; t1=$(date +%s.%N)
jq_s=$(echo "$t1 - $t0" | bc)
rm -f "$db" "$db-wal" "$db-shm"
/usr/bin/time -f '%e %M' -o "$work/ingest.time" "$K" store --store "$db" -q ingest "$log"
read -r ing_s ing_kb < "$work/ingest.time"
t0=$(date +%s.%N); "$K" store --store "$db" -q ingest "$log"; t1=$(date +%s.%N)
again_s=$(echo "$t1 - $t0" | bc)
printf 'jq -c . LOG > /dev/null: %.1f s (%.0f records/s)\n' "$jq_s" "$(echo "$results / $jq_s" | bc -l)"
printf 'kong store ingest LOG:   %.1f s (%.0f results/s), peak RSS %d MiB\n' "$ing_s" \
    "$(echo "$results / $ing_s" | bc -l)" $((ing_kb / 1024))
printf 'ingest again (nothing new): %.2f s\n' "$again_s"
sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE)' > /dev/null
size=$(stat -c %s "$db")
pairs=$(sqlite3 "$db" 'SELECT count(*) FROM pairs')
printf 'store: %d MiB for %d pairs (%d KiB per pair)\n' $((size / 1048576)) "$pairs" $((size / pairs / 1024))
sqlite3 "$db" "SELECT name, sum(pgsize) / 1024 FROM dbstat GROUP BY name ORDER BY 2 DESC" 2>/dev/null |
    awk -F'|' '{ printf "  %-20s %8d KiB\n", $1, $2 }' || true
daily=$(sqlite3 "$db" "SELECT sum(pgsize) FROM dbstat WHERE name = 'rollups'" 2>/dev/null || echo 0)
rows=$(sqlite3 "$db" "SELECT count(*) FROM rollups")
drows=$(sqlite3 "$db" "SELECT count(*) FROM rollups WHERE period = 86400")
per_row=$(echo "$daily / $rows" | bc -l)
printf 'rollups: %.0f bytes a row on disk; 400 daily rows a pair: %.1f KiB; 35 days of hourly: %.1f KiB\n' \
    "$per_row" "$(echo "$per_row * 400 / 1024" | bc -l)" "$(echo "$per_row * 35 * 24 / 1024" | bc -l)"

# --- kong serve --------------------------------------------------------------
"$K" serve --store "$db" --listen 127.0.0.1:0 > "$work/serve.out" &
spid=$!
for _ in $(seq 100); do grep -q listening "$work/serve.out" && break; sleep 0.05; done
url=$(sed -n 's/.*listening on \(http[^ ]*\)\/$/\1/p' "$work/serve.out")
pair=site00003/home
oldest=$(sqlite3 "$db" "SELECT min(r.start_us) FROM results r JOIN pairs p ON p.id = r.pair WHERE p.site = 'site00003' AND p.test = 'home'")
for path in / /failed "/sites/$pair" "/sites/$pair?before=$(( oldest + 50 * 600000000 ))" /dashboard /api/v1/status /metrics; do
	curl -s -o /dev/null "$url$path"
	for _ in 1 2 3 4 5; do curl -s -o /dev/null -w '%{time_total}\n' "$url$path"; done > "$work/t"
	printf 'GET %-45s %6.1f ms  (%d bytes)\n' "$path" "$(echo "$(med < "$work/t") * 1000" | bc -l)" \
	    "$(curl -s "$url$path" | wc -c)"
done
echo "  (the deepest history page is the one before=$((oldest + 50 * 600000000)): its 50 oldest results)"
printf 'kong serve peak RSS: %d MiB\n' $(( $(awk '/VmHWM/ { print $2 }' /proc/$spid/status) / 1024 ))
if command -v chromium > /dev/null; then
	# One browser for all loads, started before: its start-up is not in it.
	python3 "$here/firstpaint.py" -n 5 "data:text/html,<p>Kong</p>" "$url/failed" "$url/" |
	    sed 's/^/chromium: /'
fi
kill $spid; wait $spid 2>/dev/null || true

# What the store costs a sweep is bench/sink.sh's.
