#!/usr/bin/env bash
# pages.sh: what one heavy page costs one session. Against the loopback test
# site, `kong run` goes to /heavy?links=N (a page of N links, about 36 bytes
# each) and runs each of: follow (the last link), showlinks, title, find x,
# showforms; and /deep?depth=D with follow. Prints, per binary and command,
# the peak RSS (KB, /usr/bin/time -f %M), the wall and user time and the
# body size. find x runs again with --max-elements 100000 (a sweep's
# default).
# A second binary (-r KONG) runs the same as a reference, e.g. a build of an
# earlier commit.
#
#   bench/pages.sh [-k KONG] [-r REFERENCE_KONG] [-n LINKS] [-s TESTSITE]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
kong=$top/kong ref= n=400000 depth=100000 site=$top/tests/kong-testsite
while getopts k:r:n:d:s: o; do
	case $o in
	k) kong=$OPTARG ;; r) ref=$OPTARG ;; n) n=$OPTARG ;; d) depth=$OPTARG ;;
	s) site=$OPTARG ;; *) exit 2 ;;
	esac
done
tmp=$(mktemp -d /tmp/kong-pages.XXXXXX)
"$site" --root "$top/tests/site" --port-file "$tmp/port" &
spid=$!
trap 'kill $spid; rm -rf "$tmp"' EXIT
while [ ! -s "$tmp/port" ]; do sleep 0.05; done
url=http://127.0.0.1:$(cat "$tmp/port")
bytes=$(curl -s "$url/heavy?links=$n" | wc -c)
dbytes=$(curl -s "$url/deep?depth=$depth" | wc -c)
printf 'binary\tpage\tcommand\tbody B\tpeak RSS KB\twall s\tuser s\tresult\n'
run() {	# KONG PAGE BYTES COMMAND [OPTION...]
	k=$1 page=$2 b=$3 c=$4
	shift 4
	printf 'go %s\n%s\n' "$url$page" "$c" > "$tmp/t.twill"
	set +e
	/usr/bin/time -f '%M %e %U' "$k" run -q "$@" "$tmp/t.twill" \
	    >/dev/null 2>"$tmp/err"
	set -e
	out=$(tail -1 "$tmp/err")
	read -r kb secs user <<< "$out"
	rc=$(grep -c '^Failed:' "$tmp/err" || true)
	printf '%s\t%s\t%s %s\t%s\t%s\t%s\t%s\t%s\n' "$k" "$page" "$c" "$*" "$b" \
	    "$kb" "$secs" "$user" "$([ "$rc" = 0 ] && echo pass || echo fail)"
}
for k in "$kong" $ref; do
	run "$k" "/heavy?links=0" 0 'find "the end"'
	for c in 'find "the end"' 'follow "the end"' 'showlinks' 'title Heavy' \
	    'find //p/a x' 'showforms'; do
		run "$k" "/heavy?links=$n" "$bytes" "$c"
	done
	run "$k" "/heavy?links=$n" "$bytes" 'find //p/a x' --max-elements 100000
	run "$k" "/deep?depth=$depth" "$dbytes" 'follow "after the nest"'
done
