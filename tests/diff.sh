#!/bin/bash
# diff.sh: what a deploy changed: kong diff between runs that differ in
# known ways (a new failure, a fix, a pair still failing, a pair that got
# slower), kong check --baseline, and kong check --rerun-failed selecting
# exactly the pairs that failed. TAP output; a failure names this line.
: "${top_srcdir:=.}" "${top_builddir:=.}" "${KONG:=$top_builddir/kong}"
. "$top_srcdir/tests/testsite-lib.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kong-diff.XXXXXX")
trap 'testsite_stop_all; rm -rf "$tmp"' EXIT
n=0
is() {
	n=$((n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $n - tests/diff.sh:${BASH_LINENO[0]}: $3"
	else
		echo "not ok $n - tests/diff.sh:${BASH_LINENO[0]}: $3"
		diff <(printf '%s\n' "$2") <(printf '%s\n' "$1") | sed 's/^/# /' | head -30
	fi
}
like() {
	n=$((n + 1))
	if [[ $1 =~ $2 ]]; then
		echo "ok $n - tests/diff.sh:${BASH_LINENO[0]}: $3"
	else
		echo "not ok $n - tests/diff.sh:${BASH_LINENO[0]}: $3"
		printf '# got:  %s\n# want: /%s/\n' "$1" "$2" | head -20
	fi
}
kong() { $KONG_WRAPPER "$KONG" "$@"; }

testsite_start || exit 99
P=$TESTSITE_PORT
# fleet SHOP_CHECKOUT BLOG API SLOW_MS: an inventory whose pairs answer so.
fleet() {
	cat <<INI
[kong]
concurrency = 8
[site shop]
url = http://127.0.0.1:$P/
[site blog]
url = http://127.0.0.1:$P/status/$2
[site api]
url = http://127.0.0.1:$P/status/$3
[site slow]
url = http://127.0.0.1:$P/slow?ms=$4
[test home]
sites = shop, blog, api, slow
body =
    go {{ site.url }}
    code 200
[test checkout]
sites = shop
body =
    go {{ site.url }}status/$1
    code 200
INI
}
fleet 500 200 500 10 > "$tmp/before.ini"
fleet 200 500 500 600 > "$tmp/after.ini"
log=$tmp/kong.jsonl
kong check -c "$tmp/before.ini" --log "$log" -q
is "$?" 1 "before the deploy: checkout and api fail"
kong check -c "$tmp/after.ini" --log "$log" -q
is "$?" 1 "after: checkout is fixed, blog broke, api still fails, slow is slower"
runs=$(jq -r 'select(.record=="run_start") | .run' "$log")
r1=$(sed -n 1p <<<"$runs") r2=$(sed -n 2p <<<"$runs")

out=$(kong diff --log "$log"); rc=$?
is "$rc" 1 "kong diff of the last two runs: a new failure is exit 1"
is "$(sed -n 1p <<<"$out")" \
    "kong diff: $r1 -> $r2: 1 new failure, 0 slower, 1 fixed, 1 still failing" \
    "the first line counts each kind"
is "$(sed -n '/^New failures/,/^$/p; /^Fixed/,/^$/p; /^Still/,/^$/p' <<<"$out" | sed 's/after.ini:[0-9]*/after.ini:L/')" \
"New failures (1)
  blog/home  fail  after.ini:L  code is 500 != 200 (was pass)

Fixed (1)
  shop/checkout  pass (was fail)

Still failing (1)
  api/home  fail  after.ini:L  code is 500 != 200" \
    "new failures, fixed and still failing, each pair named once"
is "$(kong diff "$r1" "$r2" --log "$log")" "$out" "run ids in the log"
is "$(kong diff "$r1" --log "$log")" "$out" "OLD alone: NEW is the last run"
is "$(kong diff --store "$tmp/kong.db")" "$out" \
    "--store: the store's last two runs, the same comparison as the log's"
is "$(kong diff "$r1" "$r2" --store "$tmp/kong.db")" "$out" "--store: run ids in the store"
kong diff nosuch "$r2" --store "$tmp/kong.db" > /dev/null 2> "$tmp/nosuch.err"
is "$? $(cat "$tmp/nosuch.err")" "2 kong diff: $tmp/kong.db: no results of run nosuch in the store (kong serve's /runs lists its runs)" \
    "--store: a run it does not have is an error, exit 2"
jq -c --arg r "$r1" 'select(.run==$r)' "$log" > "$tmp/one.jsonl"
jq -c --arg r "$r2" 'select(.run==$r)' "$log" > "$tmp/two.jsonl"
is "$(kong diff "$tmp/one.jsonl" "$tmp/two.jsonl")" "$out" "two log files"

# Durations: slow went from ~10 ms to ~600 ms.
out=$(kong diff --log "$log" --slower 50% --slower-ms 200)
like "$(sed -n '/^Slower/,/^$/p' <<<"$out" | paste -sd'|' -)" \
    "^Slower \(1\)\|  slow/home  0\.[0-9]+s -> 0\.[0-9]+s \(\+[0-9]+%\)" \
    "--slower 50% --slower-ms 200: the slower pair is listed"
is "$(kong diff --log "$log" --slower 50% --slower-ms 100000 | grep -c '^Slower')" 0 \
    "with both limits, both must hold"
is "$(kong diff --log "$log" | grep -c '^Slower')" 0 "without limits, durations are not compared"
kong diff "$r2" "$r2" --log "$log" > /dev/null
is "$?" 0 "a run against itself: nothing regressed, exit 0"
out=$(kong diff "$r2" "$r1" --log "$log"); rc=$?
is "$rc $(sed -n 1p <<<"$out")" "1 kong diff: $r2 -> $r1: 1 new failure, 0 slower, 1 fixed, 1 still failing" \
    "backwards: checkout is the new failure"
kong diff nosuch --log "$log" 2> "$tmp/err"
is "$? $(cat "$tmp/err")" "2 kong diff: $log: no run 'nosuch' in this log" "an unknown run: exit 2"
kong diff --log "$tmp/one.jsonl" 2> "$tmp/err"
is "$? $(cat "$tmp/err")" "2 kong diff: $tmp/one.jsonl: 1 run in this log; diff needs two" "one run only"
kong diff --log "$log" --slower fast 2> "$tmp/err"
is "$? $(head -1 "$tmp/err")" "2 kong diff: --slower takes a positive number of percent (50%), not 'fast'" "a bad --slower"

# --- kong check --baseline ---------------------------------------------------
kong check -c "$tmp/after.ini" --log "$log" -q --baseline last 2> "$tmp/base.err"
is "$?" 0 "--baseline last: the same failures as last time are not a regression"
like "$(head -1 "$tmp/base.err")" "^kong diff: $r2 -> [^ ]+: 0 new failures, 0 slower, 0 fixed, 2 still failing" \
    "and it says what it compared"
kong check -c "$tmp/after.ini" --log "$log" -q --baseline "$tmp/one.jsonl" 2> "$tmp/base.err"
is "$?" 1 "--baseline FILE: against the run before the deploy, blog is new"
like "$(cat "$tmp/base.err")" "New failures \(1\).  blog/home" "and named"
kong check -c "$tmp/after.ini" --log "$log" -q --baseline "$r1" > /dev/null 2>&1
is "$?" 1 "--baseline RUN: a run id in the log"
kong check -c "$tmp/after.ini" --log "$log" -q --baseline "$r1" --slower 50% --slower-ms 200 2> "$tmp/base.err"
is "$?" 1 "--baseline with --slower"
like "$(cat "$tmp/base.err")" "Slower \(1\).  slow/home" "lists the slower pair"
lines=$(wc -l < "$log")
kong check -c "$tmp/after.ini" --log "$log" -q --baseline nosuch 2> "$tmp/err"
is "$? $(cat "$tmp/err")" "2 kong check: --baseline: $log: no run 'nosuch' in this log" \
    "a baseline that is not there: exit 2"
is "$(wc -l < "$log")" "$lines" "and nothing ran"

kong check -c "$tmp/after.ini" --log "$tmp/first.jsonl" -q --baseline last 2> "$tmp/err"
is "$? $(cat "$tmp/err")" "1 kong check: --baseline last: no earlier run in $tmp/first.jsonl; every failure counts" \
    "--baseline last without an earlier run (the first pipeline): every failure counts"

# --- kong check --rerun-failed -----------------------------------------------
kong check -c "$tmp/after.ini" --log "$log" -q > /dev/null 2>&1
kong check -c "$tmp/after.ini" --log "$log" -q --rerun-failed
is "$?" 1 "--rerun-failed: the failed pairs fail again"
last=$(jq -r 'select(.record=="run_start") | .run' "$log" | tail -1)
prev=$(jq -r 'select(.record=="run_start") | .run' "$log" | tail -2 | head -1)
is "$(jq -r --arg r "$last" 'select(.record=="result" and .run==$r) | "\(.site)/\(.test)"' "$log" | sort | paste -sd, -)" \
    "$(jq -r --arg r "$prev" 'select(.record=="result" and .run==$r and (.status|test("fail|error|timeout"))) | "\(.site)/\(.test)"' "$log" | sort | paste -sd, -)" \
    "it runs exactly the pairs that failed in the last run"
is "$(jq -r --arg r "$last" 'select(.record=="result" and .run==$r) | "\(.site)/\(.test)"' "$log" | sort | paste -sd, -)" \
    "api/home,blog/home" "(api and blog)"
kong check -c "$tmp/after.ini" --log "$log" -q --rerun-failed="$tmp/one.jsonl"
last=$(jq -r 'select(.record=="run_start") | .run' "$log" | tail -1)
is "$(jq -r --arg r "$last" 'select(.record=="result" and .run==$r) | "\(.site)/\(.test)"' "$log" | sort | paste -sd, -)" \
    "api/home,shop/checkout" "--rerun-failed=LOG: the failures of that log's last run"
kong check -c "$tmp/after.ini" --log "$tmp/ok.jsonl" -q --site shop --test home
lines=$(wc -l < "$tmp/ok.jsonl")
kong check -c "$tmp/after.ini" --log "$tmp/ok.jsonl" -q --rerun-failed 2> "$tmp/err"
is "$? $(cat "$tmp/err")" "0 kong check: nothing failed in run $(jq -r 'select(.record=="run_start") | .run' "$tmp/ok.jsonl"); nothing to rerun" \
    "nothing failed: nothing to rerun, exit 0"
is "$(wc -l < "$tmp/ok.jsonl")" "$lines" "and no run is written"
kong check -c "$tmp/after.ini" --log "$tmp/none.jsonl" -q --rerun-failed 2> "$tmp/err"
is "$? $(cat "$tmp/err")" "2 kong check: --rerun-failed: $tmp/none.jsonl: No such file or directory" \
    "no log to rerun from: exit 2"

echo "1..$n"
