#!/usr/bin/env bash
# rollups.sh: what the rollups cost a pair over 400 days, on disk.
#
#   bench/rollups.sh [-R REFKONG] [PAIRS [DAYS]]     (default 20 400)
#
# A generated log (bench/genlog: PAIRS sites x 1 test, a sweep every 10
# minutes over DAYS days) is ingested into a fresh store by the optimized
# build of this tree (bench/build.sh) and, with -R, by another kong binary
# (the reference, same log, same run). For each: the rollup rows kept, and
# the bytes on disk of rollups and rollups_cold (SQLite's dbstat) per pair.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
REF=
while getopts R: o; do
	case $o in
	R) REF=$OPTARG ;;
	*) echo "usage: bench/rollups.sh [-R REFKONG] [PAIRS [DAYS]]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
pairs=${1:-20} days=${2:-400}
work=${WORK:-/tmp/kong-bench-rollups}
mkdir -p "$work"
"$here/build.sh" "$work/build" >&2
log=$work/gen.jsonl
python3 "$here/genlog" --seed 2 "$pairs" 1 "$days" 10 > "$log"
echo "# bench/rollups.sh $pairs $days ($(date -u +%FT%TZ), $(git -C "$here" rev-parse --short HEAD)): $(grep -c '"record":"result"' "$log") results"
measure() {
	name=$1 k=$2 db=$work/$1.db
	rm -f "$db" "$db-wal" "$db-shm"
	/usr/bin/time -f '%e' -o "$work/time" "$k" store --store "$db" -q ingest "$log"
	sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE)' > /dev/null
	rows=$(sqlite3 "$db" "SELECT group_concat(n, ' + ') FROM (SELECT (CASE period WHEN 3600 THEN 'hourly ' ELSE 'daily ' END) || count(*) AS n FROM rollups GROUP BY period)")
	packed=$(sqlite3 "$db" "SELECT count(*) FROM sqlite_master WHERE name = 'rollups_cold'")
	[ "$packed" = 1 ] && rows="$rows rows, packed $(sqlite3 "$db" "SELECT count(*) FROM rollups_cold") rows" || rows="$rows rows"
	bytes=$(sqlite3 "$db" "SELECT sum(pgsize) FROM dbstat WHERE name IN ('rollups', 'rollups_cold')")
	printf '%-10s ingest %6.1f s  %s; %d bytes on disk, %.1f KiB a pair\n' "$name" \
	    "$(cat "$work/time")" "$rows" "$bytes" "$(echo "$bytes / $pairs / 1024" | bc -l)"
}
measure this "$work/build/kong"
[ -z "$REF" ] || measure reference "$REF"
