#!/bin/bash
# heavy.sh: heavy and deep pages (issue 7, sections 3 and 4). One session's
# memory for a 14 MB page of 400,000 links stays within three times the
# body plus a fixed base; follow finds a link after a nest deeper than
# libxml2's 256 and says so when a page is deeper than Kong reads; a sweep
# where one site serves the heavy page keeps the fast checks fast (their
# durations are reported beside an undisturbed run); SIGTERM during it
# still ends the sweep with run_end. TAP; a failure names this line.
: "${top_srcdir:=.}" "${top_builddir:=.}" "${KONG:=$top_builddir/kong}"
. "$top_srcdir/tests/testsite-lib.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kong-heavy.XXXXXX")
trap 'testsite_stop_all; rm -rf "$tmp"' EXIT
n=0
is() {
	n=$((n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $n - tests/heavy.sh:${BASH_LINENO[0]}: $3"
	else
		echo "not ok $n - tests/heavy.sh:${BASH_LINENO[0]}: $3"
		printf '# got:  %s\n# want: %s\n' "$1" "$2" | head -20
	fi
}
# cmp A OP B NAME: a numeric comparison (test's -le, -lt...).
cmp() {
	n=$((n + 1))
	if [ "$1" "$2" "$3" ]; then
		echo "ok $n - tests/heavy.sh:${BASH_LINENO[0]}: $4"
	else
		echo "not ok $n - tests/heavy.sh:${BASH_LINENO[0]}: $4"
		echo "# $1 $2 $3 is false"
	fi
}
has() {
	n=$((n + 1))
	if grep -Eq -- "$2" "$1"; then
		echo "ok $n - tests/heavy.sh:${BASH_LINENO[0]}: $3"
	else
		echo "not ok $n - tests/heavy.sh:${BASH_LINENO[0]}: $3"
		sed 's/^/# /' "$1" | head -20
	fi
}
kong() { $KONG_WRAPPER "$KONG" "$@"; }

testsite_start || exit 99
U=$TESTSITE_URL
LINKS=400000

# --- memory: one session on a 14 MB page of links -------------------------
# Peak RSS of `kong run` on the page (follow reads every link) against the
# same run on an empty page of the same route (the fixed base).
rss() {	# PAGE COMMAND: peak RSS in KB; the run's exit status in $rc
	printf 'go %s\n%s\n' "$U$1" "$2" > "$tmp/m.twill"
	/usr/bin/time -o "$tmp/time" -f %M "$KONG" run -q "$tmp/m.twill" \
	    > /dev/null 2> "$tmp/m.err"
	echo $? > "$tmp/rc"
	tail -1 "$tmp/time"
}
body=$(curl -s "$U/heavy?links=$LINKS" | wc -c)
if [ -n "$KONG_WRAPPER" ] || grep -q __asan_init "$KONG" 2>/dev/null ||
    [ ! -x /usr/bin/time ]; then
	echo "ok $((n + 1)) - tests/heavy.sh:$LINENO: # SKIP memory under a wrapper or ASan"
	echo "ok $((n + 2)) - tests/heavy.sh:$LINENO: # SKIP"
	echo "ok $((n + 3)) - tests/heavy.sh:$LINENO: # SKIP"
	n=$((n + 3))
else
	base=$(rss "/heavy?links=0" 'follow "the end"')
	is "$(cat "$tmp/rc")" 0 "follow on an empty heavy page works (the base run)"
	kb=$(rss "/heavy?links=$LINKS" 'follow "the end"')
	is "$(cat "$tmp/rc")" 0 "follow finds the last of $LINKS links"
	echo "# body $body B, base $base KB, peak $kb KB: $(( (kb - base) * 1024 / body )).$(( (kb - base) * 1024 * 10 / body % 10 ))x the body above the base"
	cmp $(( (kb - base) * 1024 )) -le $((3 * body)) \
	    "follow on a $body-byte page: peak RSS within 3x the body + base"
fi

# --- the tree's cap ----------------------------------------------------------
printf 'go %s/heavy?links=%s\nfind //p/a x\n' "$U" 200000 > "$tmp/x.twill"
kong run --max-elements 100000 "$tmp/x.twill" > /dev/null 2> "$tmp/x.err"
is "$?" 1 "find x on a page with more elements than max_elements fails"
has "$tmp/x.err" "x.twill:2: error: cannot read the HTML of $U/heavy\\?links=200000: the page has more than 100000 elements \\(raise max_elements\\)$" \
    "and says so, naming the setting"
printf 'go %s/heavy?links=1000&forms=3\nfind //p/a x\nfv f2 q x\n' "$U" > "$tmp/x2.twill"
kong run "$tmp/x2.twill" > /dev/null 2> "$tmp/x2.err"
is "$?" 0 "below the cap, find x and fv run"

# --- deep pages ----------------------------------------------------------------
printf 'go %s/deep?depth=300\nfollow "after the nest"\nurl /refreshed$\n' "$U" > "$tmp/d.twill"
kong run "$tmp/d.twill" > /dev/null 2> "$tmp/d.err"
is "$?" 0 "follow finds a link after a nest 300 deep (libxml2 stops at 256)"
printf 'go %s/deep?depth=3000\nfind //form/input x\n' "$U" > "$tmp/d2.twill"
kong run "$tmp/d2.twill" > /dev/null 2> "$tmp/d2.err"
is "$?" 0 "find x sees a form after a nest 3000 deep"
printf 'go %s/deep?depth=5000\nfollow "after the nest"\n' "$U" > "$tmp/d3.twill"
kong run "$tmp/d3.twill" > /dev/null 2> "$tmp/d3.err"
is "$?" 1 "follow on a page deeper than 4096 fails"
has "$tmp/d3.err" "d3.twill:2: error: no links match to 'after the nest' in the part of the page read: the page nests elements deeper than 4096$" \
    "and says the page was too deep"
printf 'go %s/deep?depth=5000\nnotfind //a x\n' "$U" > "$tmp/d4.twill"
kong run "$tmp/d4.twill" > /dev/null 2> "$tmp/d4.err"
is "$?" 1 "notfind x never passes on a tree cut short"
has "$tmp/d4.err" "the page nests elements deeper than 4096$" "and says why"

# --- a sweep: one heavy site among fast ones --------------------------------
# Fast checks wait 300 ms on the server, so they are in flight while the
# heavy page is read; their durations are compared with a run without it.
inv() {	# HEAVY(0/1) FILE
	{
		printf '[kong]\nconcurrency = 20\ntimeout = 30s\ndeadline = 60s\n'
		for i in $(seq 1 8); do
			printf '[site f%d]\nurl = %s/\ntags = fast\n' "$i" "$U"
		done
		[ "$1" = 1 ] && printf '[site heavy]\nurl = %s/\ntags = heavy\n' "$U"
		printf '[test quick]\ntags = fast\nbody =\n    go {{ site.url }}slow?ms=300\n    code 200\n'
		printf '[test links]\ntags = heavy\nbody =\n    go {{ site.url }}heavy?links=%s&refresh=1\n    url /refreshed$\n    go {{ site.url }}heavy?links=%s\n    follow "the end"\n' "$LINKS" "$LINKS"
	} > "$2"
}
inv 0 "$tmp/calm.ini"
inv 1 "$tmp/busy.ini"
kong check -c "$tmp/calm.ini" --log "$tmp/calm.jsonl" -q
is "$?" 0 "undisturbed sweep: every fast check passes"
kong check -c "$tmp/busy.ini" --log "$tmp/busy.jsonl" -q
is "$?" 0 "with the heavy site: every check passes"
calm=$(jq -s '[.[] | select(.record=="result" and .test=="quick") | .duration_us] | max' "$tmp/calm.jsonl")
busy=$(jq -s '[.[] | select(.record=="result" and .test=="quick") | .duration_us] | max' "$tmp/busy.jsonl")
heavy=$(jq -s '[.[] | select(.record=="result" and .test=="links") | .duration_us] | max' "$tmp/busy.jsonl")
echo "# slowest fast check: $((calm / 1000)) ms undisturbed, $((busy / 1000)) ms beside the heavy one ($((heavy / 1000)) ms)"
cmp "$busy" -lt $((calm * 10)) \
    "fast checks stay within an order of magnitude of the undisturbed run"

# --- SIGTERM while heavy pages are read ---------------------------------------
{
	printf '[kong]\nconcurrency = 4\ntimeout = 30s\ndeadline = 60s\n'
	for i in $(seq 1 8); do printf '[site h%d]\nurl = %s/\ntags = heavy\n' "$i" "$U"; done
	printf '[test links]\ntags = heavy\nbody =\n    go {{ site.url }}heavy?links=%s\n    follow "the end"\n    go {{ site.url }}heavy?links=%s\n    showlinks\n' "$LINKS" "$LINKS"
} > "$tmp/term.ini"
$KONG_WRAPPER "$KONG" check -c "$tmp/term.ini" --log "$tmp/term.jsonl" -q --grace 1s &
kpid=$!
sleep 1
t0=$(date +%s%N)
kill -TERM $kpid
wait $kpid
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "# the sweep ended $ms ms after SIGTERM (grace 1s)"
is "$rc" 4 "SIGTERM during heavy pages: exit status 4"
is "$(jq -c 'select(.record=="run_end") | .interrupted' "$tmp/term.jsonl")" true \
    "run_end is written"
is "$(jq -r 'select(.record=="result") | .status' "$tmp/term.jsonl" | sort -u | grep -v '^pass$' | paste -sd,)" \
    cancelled "the pairs in flight are cancelled, with a record each"
cmp "$ms" -lt 10000 "and the sweep ends soon after the grace period"

echo "1..$n"
