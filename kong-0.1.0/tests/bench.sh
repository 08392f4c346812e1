#!/bin/bash
# bench.sh: kong bench against a real loopback site: both loop models, the
# correction for coordinated omission, errors that never vanish, exact
# merges, compare, --fail-if, --percentiles, keep-alive against new
# connections, and SIGINT. No timing is a pass/fail threshold: the counts
# checked are fixed by the schedule (an open loop's arrivals), the loop
# model (iterations) or orders of magnitude (a 50 ms server against a
# 10 ms arrival interval). TAP output.
: "${top_srcdir:=.}" "${top_builddir:=.}" "${KONG:=$top_builddir/kong}"
. "$top_srcdir/tests/testsite-lib.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kong-bench.XXXXXX")
trap 'testsite_stop_all; rm -rf "$tmp"' EXIT
n=0
is() {
	n=$((n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $n - tests/bench.sh:${BASH_LINENO[0]}: $3"
	else
		echo "not ok $n - tests/bench.sh:${BASH_LINENO[0]}: $3"
		printf '# got:  %s\n# want: %s\n' "$1" "$2" | head -20
	fi
}
kong() { $KONG_WRAPPER "$KONG" "$@"; }
q() { jq -r "$1" "$2"; }

testsite_start --vhost fast.test --vhost slow.test:slow=50 || exit 99
P=$TESTSITE_PORT
testsite_start || exit 99
DEAD=$TESTSITE_PORT
testsite_stop
cat > "$tmp/kong.ini" <<INI
[kong]
timeout = 5s
resolve = fast.test:$P:127.0.0.1, slow.test:$P:127.0.0.1
[site fast]
url = http://fast.test:$P/
[site slow]
url = http://slow.test:$P/
[site gone]
url = http://127.0.0.1:$DEAD/
[test health]
sites = fast, slow, gone
body =
    go {{ site.url }}health
    code 200
[test page]
sites = slow
body =
    go {{ site.url }}slow?ms=50
    code 200
[test missing]
sites = fast
body =
    go {{ site.url }}health
    code 404
INI
b() { kong bench -c "$tmp/kong.ini" -q "$@"; }

# --- closed loop ----------------------------------------------------------
b --site fast --test health --sessions 4 --iterations 200 --json "$tmp/fast.json"
is "$?" 0 "closed loop: a passing run exits 0"
is "$(q '[.model, .iterations, .targets[0].count, .targets[0].errors] | join(" ")' "$tmp/fast.json")" \
    "closed 200 200 0" "--iterations 200: exactly 200 measured iterations"
is "$(q '.targets[0].steps[0] | [.command, (.phases.total.count|tostring), (.phases.first_byte.count|tostring)] | join(" ")' "$tmp/fast.json")" \
    "go 200 200" "every step's phases are counted"
is "$(q '.targets[0].steps[0].phases.connect | (.count > 0 and .min == 0)' "$tmp/fast.json")" \
    true "keep-alive: the sessions reuse their connections (a reused one connects in 0)"

b --site fast --test health --sessions 2 --iterations 50 --new-connections --json "$tmp/cold.json"
is "$(q '.targets[0].steps[0].phases.connect.min > 0' "$tmp/cold.json")" true \
    "--new-connections: every request connects"

# --- errors never vanish --------------------------------------------------
b --test missing --sessions 2 --iterations 30 --json "$tmp/assert.json"
is "$(q '[.targets[0].count, .targets[0].errors, .targets[0].errors_by_class.assert] | map(tostring) | join(" ")' "$tmp/assert.json")" \
    "30 30 30" "a failed assertion counts as an error of class assert, and stays counted"
b --site gone --sessions 2 --iterations 20 --json "$tmp/net.json"
is "$(q '[.targets[0].count, .targets[0].errors_by_class.net] | map(tostring) | join(" ")' "$tmp/net.json")" \
    "20 20" "a refused connection counts as an error of class net"
is "$(q '.targets[0].latency.count' "$tmp/net.json")" 20 "and its latency is counted too"

# --- open loop: the schedule decides the count ----------------------------
b --site fast --test health --rate 200 --duration 2s --json "$tmp/open.json"
rc=$?
is "$(q '.iterations + .dropped' "$tmp/open.json")" 400 \
    "--rate 200 for 2s: 400 arrivals, each run or counted as dropped"
is "$rc" "$(q 'if .achieved_rate >= 190 then 0 else 1 end' "$tmp/open.json")" \
    "the exit status follows the achieved rate (95 %)"

# A 50 ms server, one iteration at a time, 100 arrivals a second: most start
# late; their latency counts from when they were due.
b --test page --rate 100 --max-in-flight 1 --duration 2s --json "$tmp/co.json" 2> "$tmp/co.err"
is "$?" 1 "an open loop that cannot keep its rate fails"
grep -q 'below 95% of the 100.0/s asked for' "$tmp/co.err"
is "$?" 0 "and says so"
is "$(q '.late > 0' "$tmp/co.json")" true "late starts are counted"
is "$(q '.targets[0] | .latency.max > 5 * .latency_uncorrected.max' "$tmp/co.json")" true \
    "corrected latency shows the wait that the uncorrected one hides"
is "$(q '(.dropped + .iterations) == 200' "$tmp/co.json")" true \
    "arrivals that never started are counted as dropped"

# --- --fail-if ------------------------------------------------------------
b --site fast --test health --sessions 2 --iterations 50 --fail-if 'errors<1,p99<60s'
is "$?" 0 "--fail-if: thresholds that hold"
b --site fast --test health --sessions 2 --iterations 50 --fail-if 'p99<1us' 2> "$tmp/fail.err"
is "$?" 1 "--fail-if: a missed threshold exits 1"
grep -q '^kong bench: missed p99<1us: p99 is ' "$tmp/fail.err"
is "$?" 0 "and names it"
b --test missing --sessions 2 --iterations 20 --fail-if 'errors<50%' 2> /dev/null
is "$?" 1 "--fail-if errors as a percentage of the iterations"
b --fail-if 'p99~3' 2> "$tmp/fail.err"
is "$?" 2 "--fail-if with a bad expression is a usage error"
b --sessions 2 --rate 5 2> /dev/null
is "$?" 2 "--sessions and --rate together are a usage error"

# --- merge, compare, percentiles ------------------------------------------
kong bench merge "$tmp/fast.json" "$tmp/fast.json" -o "$tmp/twice.json"
is "$?" 0 "merge"
is "$(jq -s -r '(.[0].targets[0].latency.count * 2 == .[1].targets[0].latency.count) and
    (.[0].targets[0].latency.buckets | map(.[2] * 2)) == (.[1].targets[0].latency.buckets | map(.[2])) and
    .[1].machines == 2' "$tmp/fast.json" "$tmp/twice.json")" true \
    "merged histograms add bucket by bucket, exactly"
kong bench merge "$tmp/fast.json" "$tmp/open.json" > /dev/null 2> "$tmp/merge.err"
is "$?" 2 "a closed and an open loop do not merge"
kong bench compare "$tmp/fast.json" "$tmp/fast.json" > "$tmp/cmp.out"
is "$?" 0 "a report compared with itself: nothing changed"
is "$(grep -c 'beyond noise' "$tmp/cmp.out")" 0 "nothing is flagged"
b --test page --sessions 4 --iterations 100 --json "$tmp/slow.json"
b --site fast --test health --sessions 4 --iterations 100 --json "$tmp/fast100.json"
jq '.targets[0].site = "fast" | .targets[0].test = "health"' "$tmp/slow.json" > "$tmp/slow-as-fast.json"
kong bench compare "$tmp/fast100.json" "$tmp/slow-as-fast.json" > "$tmp/cmp.out"
is "$?" 1 "compare: B slower than A beyond the noise exits 1"
grep -q 'p50 .* \* slower, beyond noise' "$tmp/cmp.out"
is "$?" 0 "and flags the percentile"
b --site fast --test health --sessions 2 --iterations 100 --percentiles "$tmp/spectrum.hgrm"
is "$(head -1 "$tmp/spectrum.hgrm" | tr -s ' ' | sed 's/^ //')" "Value Percentile TotalCount 1/(1-Percentile)" \
    "--percentiles: HdrHistogram's header"
grep -q '^#\[Max *= *[0-9.]*, Total count *= *100\]$' "$tmp/spectrum.hgrm"
is "$?" 0 "--percentiles: its footer, with the count"

# --- SIGINT: the numbers so far, exit 4 -----------------------------------
$KONG_WRAPPER "$KONG" bench -c "$tmp/kong.ini" --site fast --test health --sessions 2 --duration 60s --json "$tmp/int.json" > "$tmp/int.out" &
pid=$!
sleep 1
kill -INT $pid
wait $pid
is "$?" 4 "SIGINT: exit 4"
is "$(q '.interrupted and .iterations > 0' "$tmp/int.json")" true "the report is written, marked interrupted"
grep -q '^fast health ' "$tmp/int.out"
is "$?" 0 "and the table printed"

echo "1..$n"
