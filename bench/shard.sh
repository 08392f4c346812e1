#!/usr/bin/env bash
# shard.sh: what sharding costs: kong merge of 4 shards of 2,500 records
# each against jq passing the same records through, and --shard on a
# 100,000-pair inventory against the same commands without it.
#
# usage: bench/shard.sh [-k KONG] [-R REFKONG] [-r RUNS] [-o OUTDIR]
#
# KONG (default /tmp/kong-shard-opt/kong) is an optimized build; the test
# site is the one beside it (tests/kong-testsite). Needs jq and GNU time.
# Traffic stays on 127.0.0.1. Each command runs RUNS times (default 5),
# alternating with its reference; the tables give medians of wall time,
# user+sys CPU and peak RSS. Raw rows go to OUTDIR/raw.tsv.
#
#   merge 4 x 2,500: the four logs of a real sharded sweep of 10,000 pairs
#     (3,334 sites x 3 tests on one loopback site), merged with
#     kong merge -o FILE; reference: jq -c 'select(.record=="result")'
#     over the same four logs into a file (read, parse, write each record
#     once; merge reads them three times and checks them).
#   --shard on 100,000 pairs (33,334 sites x 3 tests): kong check --dry-run
#     --shard 1/4 (the inventory hash of every pair, then shard 1's pairs)
#     against kong check --dry-run (all pairs); kong list --pairs --shards 4
#     against kong list --pairs.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
KONG=${KONG:-/tmp/kong-shard-opt/kong}
RUNS=5
REF=
OUT=/tmp/kong-shard-bench.$(date +%Y%m%d-%H%M%S)
while [ $# -gt 0 ]; do
	case $1 in
	-k) KONG=$2; shift 2 ;;
	-R) REF=$2; shift 2 ;;
	-r) RUNS=$2; shift 2 ;;
	-o) OUT=$2; shift 2 ;;
	*) echo "usage: bench/shard.sh [-k KONG] [-R REFKONG] [-r RUNS] [-o OUTDIR]" >&2; exit 2 ;;
	esac
done
TESTSITE=${TESTSITE:-$(dirname "$KONG")/tests/kong-testsite}
mkdir -p "$OUT"
raw=$OUT/raw.tsv
printf 'what\tcmd\trun\twall_s\tcpu_s\trss_kb\n' > "$raw"

# measure WHAT NAME RUN CMD...: one timed run, a row in raw.tsv.
measure() {
	local what=$1 name=$2 run=$3
	shift 3
	/usr/bin/time -f '%e %U %S %M' -o "$OUT/time" "$@" > /dev/null 2>&1 || true
	read -r e u s m < "$OUT/time"
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$what" "$name" "$run" "$e" \
	    "$(echo "$u + $s" | bc)" "$m" >> "$raw"
}

# --- merge 4 x 2,500 ---------------------------------------------------------
"$TESTSITE" --root "$here/../tests/site" --port-file "$OUT/port" &
site=$!
trap 'kill $site 2>/dev/null' EXIT
for i in $(seq 100); do [ -s "$OUT/port" ] && break; sleep 0.05; done
P=$(head -1 "$OUT/port")
"$here/mkinv" 3334 "$P" > "$OUT/10k.ini"
rm -f "$OUT"/s[1-4].jsonl "$OUT"/s[1-4].jsonl.lock	# a run of an earlier try
for k in 1 2 3 4; do
	"$KONG" check -c "$OUT/10k.ini" --resolve "*:$P:127.0.0.1" --shard $k/4 \
	    --run-id bench -q --log "$OUT/s$k.jsonl" || true
done
kill $site
trap - EXIT
recs=$(cat "$OUT"/s[1-4].jsonl | grep -c '"record":"result"')
for r in $(seq "$RUNS"); do
	rm -f "$OUT/merged.jsonl"
	measure merge "kong merge" "$r" "$KONG" merge -o "$OUT/merged.jsonl" "$OUT"/s[1-4].jsonl
	measure merge "jq (reference)" "$r" sh -c "jq -c 'select(.record==\"result\")' $OUT/s[1-4].jsonl > $OUT/jq.jsonl"
done
[ "$(grep -c '"record":"result"' "$OUT/merged.jsonl")" = "$recs" ] || { echo "merge lost records" >&2; exit 1; }

# --- --shard on 100,000 pairs -------------------------------------------------
"$here/mkinv" 33334 1 > "$OUT/100k.ini"
for r in $(seq "$RUNS"); do
	measure check "check --dry-run" "$r" "$KONG" check -c "$OUT/100k.ini" --dry-run
	measure check "check --dry-run --shard 1/4" "$r" "$KONG" check -c "$OUT/100k.ini" --dry-run --shard 1/4 --run-id b
	measure list "list --pairs" "$r" "$KONG" list -c "$OUT/100k.ini" --pairs
	measure list "list --pairs --shards 4" "$r" "$KONG" list -c "$OUT/100k.ini" --pairs --shards 4
	if [ -n "$REF" ]; then
		measure check "check --dry-run --shard 1/4 (REFKONG)" "$r" "$REF" check -c "$OUT/100k.ini" --dry-run --shard 1/4 --run-id b
		measure list "list --pairs --shards 4 (REFKONG)" "$r" "$REF" list -c "$OUT/100k.ini" --pairs --shards 4
	fi
done

# --- balance ---------------------------------------------------------------------
imbalance() { "$1" list -c "$2" --pairs --shards "$3" | sed -n 's/.*imbalance \([0-9.]*\)%.*/\1/p'; }
moved() {
	"$1" list -c "$2" --pairs --shards 4 --json | jq -r 'select(.kind=="pair") | "\(.site) \(.shard)"' | sort -u > "$OUT/m4"
	"$1" list -c "$2" --pairs --shards 5 --json | jq -r 'select(.kind=="pair") | "\(.site) \(.shard)"' | sort -u > "$OUT/m5"
	join "$OUT/m4" "$OUT/m5" | awk '$2 != $3 { m++; if ($3 != 5) o++ } END { printf "%d (%d not to shard 5)", m, o }'
}
{
	printf '| sites | shards | sites per shard | imbalance |%s\n' "${REF:+ reference |}"
	printf '|---|---|---|---|%s\n' "${REF:+---|}"
	for sn in 400:4 1000:10 2000:20 1000:4 4000:4 4000:10; do
		sites=${sn%:*} shards=${sn#*:}
		"$here/mkinv" "$sites" 1 > "$OUT/bal.ini"
		printf '| %s | %s | %s | %s %% |' "$sites" "$shards" $((sites / shards)) "$(imbalance "$KONG" "$OUT/bal.ini" "$shards")"
		[ -n "$REF" ] && printf ' %s %% |' "$(imbalance "$REF" "$OUT/bal.ini" "$shards")"
		printf '\n'
	done
	"$here/mkinv" 1000 1 > "$OUT/bal.ini"
	printf '\n4 -> 5 shards, 1,000 sites: %s moved' "$(moved "$KONG" "$OUT/bal.ini")"
	[ -n "$REF" ] && printf '; reference: %s' "$(moved "$REF" "$OUT/bal.ini")"
	printf '\n\n'
} > "$OUT/balance.md"

# --- tables: medians -----------------------------------------------------------
{
	cat "$OUT/balance.md"
	printf 'records merged: %s (4 shards: %s)\n\n' "$recs" \
	    "$(for k in 1 2 3 4; do grep -c '"record":"result"' "$OUT/s$k.jsonl"; done | paste -sd' ')"
	printf '| what | command | wall s | CPU s | peak RSS MB |\n|---|---|---|---|---|\n'
	awk -F'\t' 'NR > 1 { k = $1 "\t" $2; if (!(k in seen)) { seen[k] = 1; order[++n] = k }
	    w[k] = w[k] " " $4; c[k] = c[k] " " $5; m[k] = m[k] " " $6 }
	    function med(s,   a, i, j, t, n) { n = split(s, a, " ")
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		return a[int((n + 1) / 2)] }
	    END { for (i = 1; i <= n; i++) { k = order[i]; split(k, p, "\t")
		printf "| %s | %s | %.2f | %.2f | %.1f |\n", p[1], p[2], med(w[k]), med(c[k]), med(m[k]) / 1024 } }' "$raw"
} | tee "$OUT/tables.md"
