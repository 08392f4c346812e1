#!/usr/bin/env bash
# sink.sh: what the history store costs a sweep, against the same sweep with `--store none` and against a
# reference build's store, in the same session (the machine is noisy).
#
# usage: bench/sink.sh REF_BUILD NEW_BUILD [-r ROUNDS] [-o OUTDIR] [--no-callgrind] [--no-fleet]
#
# REF_BUILD and NEW_BUILD are built trees (bench/build.sh DIR): their kong is used, and NEW_BUILD's
# tests/kong-testsite. Every store is in its steady state first: 12 sweeps into it before anything is
# measured (more than flap_window, so alerting's state is what it is run after run in a fleet swept from
# cron), then each measured sweep adds to it like the next cron run would.
#
#  1. loopback: 2,000 sites x 1 check of kong-testsite's /title.html, 50 at a time: the worst case, where
#     the checks take a millisecond and the sweep is bound by Kong's CPU. ROUNDS rounds (default 5),
#     alternating none / REF store / NEW store, each under /usr/bin/time: wall and user+sys medians.
#  2. callgrind (unless --no-callgrind): instructions of one such sweep, per result over none.
#  3. a fleet with latency (unless --no-fleet): bench/fleet-up's nginx fleet, 500 sites x 3 checks
#     (bench/mkinv), every response 50 ms late, 50 at a time; the same alternation, plus the checks'
#     own durations (p50, p95 of duration_us from the run's records), which a loop held up by SQLite
#     would inflate.
# Tables go to OUTDIR/sink.md and standard output. Traffic stays on 127.0.0.1.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
REF=${1:?usage: sink.sh REF_BUILD NEW_BUILD [-r ROUNDS] [-o OUTDIR] [--no-callgrind] [--no-fleet]}
NEW=${2:?usage: sink.sh REF_BUILD NEW_BUILD [-r ROUNDS] [-o OUTDIR] [--no-callgrind] [--no-fleet]}
shift 2
ROUNDS=5 OUT=/tmp/kong-sink.$(date +%Y%m%d-%H%M%S) cg=1 fleet=1
while [ $# -gt 0 ]; do
	case $1 in
	-r) ROUNDS=$2; shift 2 ;;
	-o) OUT=$2; shift 2 ;;
	--no-callgrind) cg=0; shift ;;
	--no-fleet) fleet=0; shift ;;
	*) echo "usage: sink.sh REF_BUILD NEW_BUILD [-r ROUNDS] [-o OUTDIR] [--no-callgrind] [--no-fleet]" >&2; exit 2 ;;
	esac
done
for b in "$REF" "$NEW"; do
	[ -x "$b/kong" ] || { echo "sink.sh: no kong in $b (bench/build.sh $b)" >&2; exit 2; }
done
mkdir -p "$OUT"
work=$(mktemp -d /tmp/kong-sink-work.XXXXXX)
chmod 755 "$work"	# the fleet's nginx workers read their pages under it
tpid=
cleanup() { [ -n "$tpid" ] && kill "$tpid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
md=$OUT/sink.md
: > "$md"
say() { printf '%s\n' "$*" | tee -a "$md"; }
median() { sort -n | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# sweep BUILD INV STORE TAG: one timed kong check (with the options in extra); appends "TAG wall cpu" to
# $work/times.
extra=()
sweep() {
	local rc=0
	/usr/bin/time -f '%e %U %S' -o "$work/t" "$1/kong" check -c "$2" -q --store "$3" ${extra[@]+"${extra[@]}"} \
	    > /dev/null 2>&1 || rc=$?
	# Every check passes here: anything else is a broken set-up, not a result.
	[ "$rc" -eq 0 ] || { echo "sink.sh: kong check exited $rc ($1, $3)" >&2; exit 1; }
	read -r e u s <<< "$(tail -n 1 "$work/t")"
	printf '%s %s %s\n' "$4" "$e" "$(echo "$u + $s" | bc)" >> "$work/times"
}

# prefill BUILD INV DB: 12 sweeps into DB, untimed.
prefill() {
	local i
	rm -f "$3" "$3-wal" "$3-shm"
	for i in $(seq 12); do
		"$1/kong" check -c "$2" -q --store "$3" ${extra[@]+"${extra[@]}"} > /dev/null 2>&1 || true
	done
}

# table TITLE: medians of $work/times per tag, then empties it.
table() {
	local tag
	say ""
	say "$1"
	say ""
	say "| store | wall (median) | CPU user+sys (median) | walls | CPUs |"
	say "|---|---|---|---|---|"
	for tag in none ref new; do
		grep -q "^$tag " "$work/times" || continue
		say "| $tag | $(awk -v t=$tag '$1 == t {print $2}' "$work/times" | median) s |" \
		    "$(awk -v t=$tag '$1 == t {print $3}' "$work/times" | median) s |" \
		    "$(awk -v t=$tag '$1 == t {printf "%s%s", s, $2; s = ", "}' "$work/times") |" \
		    "$(awk -v t=$tag '$1 == t {printf "%s%s", s, $3; s = ", "}' "$work/times") |"
	done
	: > "$work/times"
}

say "# sink.sh $(date -u +%Y-%m-%dT%H:%MZ): ref $(cat "$REF/BUILD" 2>/dev/null || echo "$REF"), new $(cat "$NEW/BUILD" 2>/dev/null || echo "$NEW")"

# --- 1. loopback -------------------------------------------------------------------------
"$NEW/tests/kong-testsite" --root "$here/../tests/site" --port-file "$work/port" > /dev/null 2>&1 &
tpid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
port=$(head -1 "$work/port")
inv=$work/loop
mkdir -p "$inv"
{
	printf '[kong]\nconcurrency = 50\n\n[type web]\n\n[test page]\ntypes = web\nbody =\n    go {{ site.url }}\n    code 200\n\n'
	for i in $(seq 2000); do printf '[site s%04d]\ntype = web\nurl = http://127.0.0.1:%d/title.html?%d\n\n' "$i" "$port" "$i"; done
} > "$inv/kong.ini"
prefill "$REF" "$inv" "$work/ref.db"
prefill "$NEW" "$inv" "$work/new.db"
: > "$work/times"
for _ in $(seq "$ROUNDS"); do
	sweep "$NEW" "$inv" none none
	sweep "$REF" "$inv" "$work/ref.db" ref
	sweep "$NEW" "$inv" "$work/new.db" new
done
table "1. loopback, 2,000 pairs of /title.html, 50 at a time, $ROUNDS rounds alternated"

# --- 2. callgrind ----------------------------------------------------------------------------
if [ "$cg" = 1 ] && command -v valgrind > /dev/null; then
	ir() {
		valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$1/kong" check -c "$inv" -q \
		    --store "$2" > /dev/null 2>&1 || true
		awk '/^(summary|totals):/ {print $2; exit}' "$work/cg.out"
	}
	none=$(ir "$NEW" none)
	ref=$(ir "$REF" "$work/ref.db")
	new=$(ir "$NEW" "$work/new.db")
	say ""
	say "2. callgrind, one such sweep (2,000 results), the store in its steady state"
	say ""
	say "| store | instructions | per result over none |"
	say "|---|---|---|"
	say "| none | $none | |"
	say "| ref | $ref | $(( (ref - none) / 2000 )) |"
	say "| new | $new | $(( (new - none) / 2000 )) |"
fi
kill "$tpid" 2>/dev/null || true
wait "$tpid" 2>/dev/null || true
tpid=

# --- 3. a fleet 50 ms away -----------------------------------------------------------------
if [ "$fleet" = 1 ]; then
	fdir=$work/fleet50
	python3 "$here/fleet-up" -n 500 -l 50 --name-only -d "$fdir" -p 8250 > /dev/null
	finv=$work/lat
	mkdir -p "$finv"
	"$here/mkinv" 500 8250 > "$finv/kong.ini"
	sed -i 's/^\[kong\]$/[kong]\nconcurrency = 50/' "$finv/kong.ini"
	extra=(--resolve '*:8250:127.0.0.1')
	prefill "$REF" "$finv" "$work/fref.db"
	prefill "$NEW" "$finv" "$work/fnew.db"
	: > "$work/times"
	: > "$work/durs"
	for _ in $(seq "$ROUNDS"); do
		for tag in none ref new; do
			case $tag in
			none) b=$NEW db=none ;;
			ref) b=$REF db=$work/fref.db ;;
			new) b=$NEW db=$work/fnew.db ;;
			esac
			sweep "$b" "$finv" "$db" "$tag"
			# The checks' durations in the run just made (the log's last run).
			tail -n 1501 "$finv/kong.jsonl" | jq -r 'select(.record == "result") | .duration_us' |
			    sort -n | awk -v t=$tag '{v[NR] = $1} END {print t, v[int(NR * 0.5)], v[int(NR * 0.95)], NR}' >> "$work/durs"
		done
	done
	table "3. nginx fleet, every response 50 ms late, 500 sites x 3 checks, 50 at a time, $ROUNDS rounds alternated"
	say ""
	say "| store | check p50 (median of runs) | check p95 (median of runs) |"
	say "|---|---|---|"
	for tag in none ref new; do
		say "| $tag | $(awk -v t=$tag '$1 == t {print $2 / 1000}' "$work/durs" | median) ms |" \
		    "$(awk -v t=$tag '$1 == t {print $3 / 1000}' "$work/durs" | median) ms |"
	done
	awk '$4 != 1500 {print "sink.sh: a run had " $4 " results, not 1500" > "/dev/stderr"; exit 1}' "$work/durs"
	"$here/fleet-down" "$fdir" > /dev/null 2>&1 || true
fi
