#!/usr/bin/env bash
# memory.sh: what a big sweep costs in memory. 33,334 sites x 3 tests
# (100,002 pairs) on the local nginx fleet (one host, 127.0.0.1): peak RSS of
# `kong list --pairs` (the inventory and its pairs) against `kong check`
# (the same, plus the sweep), and the inventory's cost per site (list --pairs
# on N sites against on one site). A second binary (-r KONG) runs the same
# commands as a reference, e.g. a build of an earlier commit.
#
#   bench/build.sh && bench/fleet-up -n 10000 -l 0 --name-only
#   bench/memory.sh [-k KONG] [-r REFERENCE_KONG] [-n SITES] [-j C]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
kong=/tmp/kong-bench/kong ref= n=33334 c=100 port=8000
while getopts k:r:n:j:p: o; do
	case $o in
	k) kong=$OPTARG ;; r) ref=$OPTARG ;; n) n=$OPTARG ;; j) c=$OPTARG ;;
	p) port=$OPTARG ;; *) exit 2 ;;
	esac
done
tmp=$(mktemp -d /tmp/kong-memory.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$top/bench/mkinv" "$n" "$port" > "$tmp/big.ini"
"$top/bench/mkinv" 1 "$port" > "$tmp/one.ini"
rss() { /usr/bin/time -f '%M %e' "$@" 2>&1 >/dev/null | tail -1; }
printf 'binary\tlist 1 site KB\tlist %s sites KB\tper site B\tcheck KB\tcheck - list KB\tcheck s\tpass\tfail\n' "$n"
for k in "$kong" $ref; do
	read -r one _ <<< "$(rss "$k" list -c "$tmp/one.ini" --pairs)"
	read -r big _ <<< "$(rss "$k" list -c "$tmp/big.ini" --pairs)"
	out=$( { /usr/bin/time -f '%M %e' "$k" check -c "$tmp/big.ini" \
	    --resolve "*:$port:127.0.0.1" -j "$c" -q --log "$tmp/log.jsonl"; } 2>&1 | tail -1)
	read -r chk secs <<< "$out"
	pass=$(tail -1 "$tmp/log.jsonl" | jq .totals.pass)
	fail=$(tail -1 "$tmp/log.jsonl" | jq .totals.fail)
	rm -f "$tmp/log.jsonl"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$k" "$one" "$big" \
	    $(( (big - one) * 1024 / n )) "$chk" $((chk - big)) "$secs" "$pass" "$fail"
done
