#!/bin/bash
# check.sh: kong check end to end against real loopback sites: selection,
# per-server fan-out, retries, deadlines, signals, kill -9, the JSONL log
# and exit statuses. TAP output; a failure names this file and its line.
: "${top_srcdir:=.}" "${top_builddir:=.}" "${KONG:=$top_builddir/kong}"
. "$top_srcdir/tests/testsite-lib.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kong-check.XXXXXX")
trap 'testsite_stop_all; rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - tests/check.sh:${BASH_LINENO[0]}: $*"; }
notok() { n=$((n + 1)); echo "not ok $n - tests/check.sh:${BASH_LINENO[0]}: $*"; }
# is GOT WANT NAME
is() {
	if [ "$1" = "$2" ]; then
		n=$((n + 1)); echo "ok $n - tests/check.sh:${BASH_LINENO[0]}: $3"
	else
		n=$((n + 1)); echo "not ok $n - tests/check.sh:${BASH_LINENO[0]}: $3"
		printf '# got:  %s\n# want: %s\n' "$1" "$2"
	fi
}

testsite_start --vhost shop.test --vhost blog.test:nonews \
    --vhost down.test:status=503 || exit 99
P=$TESTSITE_PORT
inv=$tmp/fleet
mkdir -p "$inv/tests"
cat > "$inv/kong.ini" <<INI
[kong]
concurrency = 8
timeout = 5s
deadline = 5s
resolve = shop.test:$P:127.0.0.1, blog.test:$P:127.0.0.1, down.test:$P:127.0.0.1

[server web1]
address = 127.0.0.1

[type news]
headline = Latest News

[site shop]
url = http://shop.test:$P/
type = news
tags = prod, eu
servers = web1

[site blog]
url = http://blog.test:$P/
type = news
tags = prod

[site down]
url = http://down.test:$P/
type = news
tags = beta

[site old]
url = http://old.test:$P/
type = news
live = no

[test home]
file = tests/home.twill
types = news

[test health]
body =
    go {{ site.url }}health
    code 200
tags = prod
INI
cat > "$inv/tests/home.twill" <<'TW'
go {{ site.url }}
code 200
find "{{ type.headline }}"
echo checked {{ site.name }}
TW

# --- selection (dry run) ------------------------------------------------
pairs() { $KONG_WRAPPER "$KONG" check -c "$inv" --dry-run "$@" | cut -f1,2,4 | tr '\t' ' ' | paste -sd, -; }
is "$(pairs)" "shop home live,shop health live,blog home live,blog health live,down home live,old home skipped" "every pair, non-live ones shown as skipped"
is "$(pairs --site 'b*')" "blog home live,blog health live" "--site glob"
is "$(pairs --test health)" "shop health live,blog health live" "--test"
is "$(pairs --tag beta)" "down home live" "--tag"
is "$(pairs --server web1)" "shop home live,shop health live" "--server"
is "$(pairs --type news --site shop --test home)" "shop home live" "selectors combine"
$KONG_WRAPPER "$KONG" check -c "$inv" --site nothing >/dev/null 2>&1
is "$?" 2 "no pair selected: exit 2"

# --- a sweep: records, statuses, exit status -----------------------------
log=$tmp/run1.jsonl
$KONG_WRAPPER "$KONG" check -c "$inv" --log "$log" -q
is "$?" 1 "a sweep with failures exits 1"
is "$(jq -r 'select(.record=="result") | "\(.site)/\(.test)=\(.status)"' "$log" | sort | paste -sd, -)" \
    "blog/health=pass,blog/home=fail,down/home=fail,old/home=skipped,shop/health=pass,shop/home=pass" \
    "one record per pair with its status"
is "$(jq -s 'map(.record) | [first, last]' -c "$log")" '["run_start","run_end"]' "run_start opens and run_end closes the run"
is "$(jq -c 'select(.record=="run_end") | [.totals.pass, .totals.fail, .totals.skipped, .exit_status]' "$log")" "[3,2,1,1]" "run_end totals and exit status"
is "$(jq -r 'select(.site=="blog" and .test=="home") | "\(.error_class) \(.error.line) \(.error.command) | \(.error.message)"' "$log")" \
    "assert 3 find \"Latest News\" | no match to 'Latest News'" "a failure records class, line, command and message"
is "$(jq -r 'select(.site=="blog" and .test=="home") | .error.file' "$log")" "$inv/tests/home.twill" "the failing file is the test's file"
is "$(jq -r 'select(.site=="shop" and .test=="home") | .output' "$log")" "checked shop" "what the script printed is in the record"
is "$(jq -r 'select(.site=="shop" and .test=="home") | [.steps[0].command, .steps[0].code, (.steps[0].bytes > 20000), (.steps[0].total_us > 0)] | map(tostring) | join(" ")' "$log")" \
    "go 200 true true" "steps carry command, code, bytes and timings"
is "$(jq -r 'select(.site=="shop" and .test=="home") | (.duration_us > 0 and .duration_us < 5000000)' "$log")" "true" "durations are microseconds, not truncated"
is "$(jq -r 'select(.site=="down") | .steps[0].code' "$log")" "503" "a 503 is recorded as its code"
jq -e . "$log" >/dev/null 2>&1
is "$?" 0 "every line of the log is valid JSON"
all=$($KONG_WRAPPER "$KONG" check -c "$inv" --log "$tmp/pass.jsonl" -q --site shop)
is "$?" 0 "a sweep that passes exits 0"

# --- the person at the terminal: progress and summary on a TTY only -------
if command -v script >/dev/null 2>&1; then
	tty=$tmp/tty.out
	script -qec "$KONG_WRAPPER $KONG check -c $inv --log $tmp/tty.jsonl" /dev/null > "$tty" 2>&1
	grep -q 'kong check' "$tty" && grep -q 'Failures by test' "$tty" && grep -q 'Slowest' "$tty"
	is "$?" 0 "on a terminal: a summary with failures by test and the slowest"
	grep -q '\[[0-9]*/5\]' "$tty"
	is "$?" 0 "on a terminal: a progress line (done/total)"
	grep -q "$(printf '\033')\[31m" "$tty"
	is "$?" 0 "on a terminal: failures in colour"
	NO_COLOR=1 script -qec "$KONG_WRAPPER $KONG check -c $inv --log $tmp/tty.jsonl" /dev/null > "$tty" 2>&1
	grep -q "$(printf '\033')\[3[12]m" "$tty"
	is "$?" 1 "NO_COLOR: no colours"
	script -qec "$KONG_WRAPPER $KONG check -c $inv --log $tmp/tty.jsonl -q" /dev/null > "$tty" 2>&1
	is "$(wc -c < "$tty" | tr -d ' ')" 0 "-q: nothing on the terminal"
fi
"$KONG" check -c "$inv" --log "$tmp/pipe.jsonl" > "$tmp/pipe.out" 2>&1
is "$(wc -c < "$tmp/pipe.out" | tr -d ' ')" 0 "not a terminal: quiet, for cron"
"$KONG" check -c "$inv" --log "$tmp/pipe.jsonl" --summary 2>&1 >/dev/null | grep -q 'Failures by site'
is "$?" 0 "--summary prints the summary anyway"

# --- the jq one-liners of docs/jsonl.md run against that log --------------
sed -n '/^```sh$/,/^```$/p' "$top_srcdir/docs/jsonl.md" | grep '^jq ' > "$tmp/oneliners"
is "$(wc -l < "$tmp/oneliners" | tr -d ' ')" "$(grep -c '^jq ' "$tmp/oneliners")" "docs/jsonl.md has jq one-liners"
while IFS= read -r line; do
	cmd=${line/kong.jsonl/$log}
	out=$(eval "$cmd" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && [ -n "$out" ]; then
		ok "docs/jsonl.md: $line"
	else
		notok "docs/jsonl.md: $line (exit $rc, output '$out')"
	fi
done < "$tmp/oneliners"

# --- per-server fan-out: one host name, two servers that answer differently
testsite_start --listen 127.0.0.2:0 --label alpha --vhost multi.test || exit 99
MP=$TESTSITE_PORT
testsite_start --listen 127.0.0.3:$MP --label beta --vhost multi.test:status=500 || exit 99
cat > "$tmp/multi.ini" <<INI
[kong]
resolve = multi.test:$MP:127.0.0.2
[server alpha]
address = 127.0.0.2
[server beta]
address = 127.0.0.3
[site multi]
url = http://multi.test:$MP/
servers = alpha, beta
[test whoami]
sites = multi
body =
    go {{ site.url }}whoami
    find "^{{ server.name|default:"alpha" }}$" m
    go {{ site.url }}
    code 200
INI
$KONG_WRAPPER "$KONG" check -c "$tmp/multi.ini" --log "$tmp/multi1.jsonl" -q
is "$?" 0 "through the name, the check sees only the healthy backend"
$KONG_WRAPPER "$KONG" check -c "$tmp/multi.ini" --log "$tmp/multi2.jsonl" -q --per-server
is "$?" 1 "--per-server finds the bad backend"
is "$(jq -r 'select(.record=="result") | "\(.server)=\(.status)"' "$tmp/multi2.jsonl" | sort | paste -sd, -)" \
    "alpha=pass,beta=fail" "each server is checked, and records carry the server"
is "$(jq -r 'select(.server=="beta") | .error.message' "$tmp/multi2.jsonl")" "code is 500 != 200" \
    "beta answered as beta (its whoami matched, its front page failed)"

# --- retries --------------------------------------------------------------
# A port nothing listens on: connection refused, a network failure.
testsite_start || exit 99
DEAD=$TESTSITE_PORT
testsite_stop
cat > "$tmp/retry.ini" <<INI
[site gone]
url = http://127.0.0.1:$DEAD/
[test home]
sites = gone
body = go {{ site.url }}
INI
$KONG_WRAPPER "$KONG" check -c "$tmp/retry.ini" --log "$tmp/retry1.jsonl" -q --retries 2
is "$?" 1 "a site that stays down fails after its retries"
is "$(jq -c 'select(.record=="result") | [.status, .error_class, .attempts, (.tries|length)]' "$tmp/retry1.jsonl")" \
    '["error","net",3,2]' "every attempt is recorded; the last one is the result"
# The site comes up while Kong waits to retry: pass_after_retry, not pass.
( sleep 0.4; exec "$TESTSITE" --listen 127.0.0.1:$DEAD --root "$top_srcdir/tests/site" ) &
late=$!
$KONG_WRAPPER "$KONG" check -c "$tmp/retry.ini" --log "$tmp/retry2.jsonl" -q --retries 4
is "$?" 0 "a site that comes back passes"
is "$(jq -c 'select(.record=="result") | [.status, (.attempts > 1), .tries[0].error_class]' "$tmp/retry2.jsonl")" \
    '["pass_after_retry",true,"net"]' "a pass after a retry says so"
kill -TERM $late; wait $late 2>/dev/null
# Assertion failures are never retried.
$KONG_WRAPPER "$KONG" check -c "$inv" --log "$tmp/retry3.jsonl" -q --retries 3 --site blog --test home
is "$(jq -c 'select(.record=="result") | [.status, .attempts]' "$tmp/retry3.jsonl")" '["fail",1]' "an assertion failure is not retried"
# 5xx only with --retry-5xx
$KONG_WRAPPER "$KONG" check -c "$inv" --log "$tmp/retry4.jsonl" -q --retries 1 --retry-5xx --site down
is "$(jq -c 'select(.record=="result") | [.status, .attempts]' "$tmp/retry4.jsonl")" '["fail",2]' "--retry-5xx retries a 5xx failure"

# --- deadlines --------------------------------------------------------------
cat > "$tmp/slow.ini" <<INI
[site slow]
url = $TESTSITE_URL/
[site quick]
url = $TESTSITE_URL/
[test wait]
sites = slow, quick
body =
    go {{ site.url }}{% if site.name == "slow" %}slow?ms=3000{% else %}text{% endif %}
    code 200
INI
testsite_start || exit 99
sed -i "s|http://127.0.0.1:[0-9]*/|$TESTSITE_URL/|" "$tmp/slow.ini"
start=$(date +%s%N)
$KONG_WRAPPER "$KONG" check -c "$tmp/slow.ini" --log "$tmp/slow.jsonl" -q --deadline 400ms
is "$?" 1 "a check past its deadline fails the sweep"
end=$(date +%s%N)
is "$(jq -c 'select(.site=="slow") | [.status, .error_class]' "$tmp/slow.jsonl")" \
    '["timeout","timeout"]' "it is recorded as a timeout"
d=$(jq -r 'select(.site=="slow") | .duration_us' "$tmp/slow.jsonl")
is "$(( d >= 400000 && d < 2900000 ))" 1 "after the deadline, before the page would have come ($d us)"
is "$(jq -r 'select(.site=="quick") | .status' "$tmp/slow.jsonl")" "pass" "and the sweep goes on"
is "$(( (end - start) / 1000000 < 2500 ))" 1 "the sweep does not wait for the slow page"

# --- per-host and per-server caps: the site counts /slow requests at once ---
testsite_start || exit 99
CAPURL=$TESTSITE_URL
{
	echo "[kong]"; echo "concurrency = 50"
	echo "[server big]"; echo "address = 127.0.0.1"
	echo "[server small]"; echo "address = 127.0.0.1"
	for i in $(seq 1 12); do
		printf '[site h%02d]\nurl = %s/\ntags = all\nservers = %s\n' "$i" \
		    "$CAPURL" "$([ "$i" -le 6 ] && echo big || echo small)"
	done
	printf '[test slow]\ntags = all\nbody =\n    go {{ site.url }}slow?ms=250\n    code 200\n'
} > "$tmp/caps.ini"
slowmax() { curl -s "$CAPURL/stats/reset" >/dev/null; "$@"; curl -s "$CAPURL/stats" | sed -n 's/^slow_max //p'; }
is "$(slowmax $KONG_WRAPPER "$KONG" check -c "$tmp/caps.ini" --log "$tmp/caps1.jsonl" -q)" 12 \
    "without caps, all 12 checks of one host are in flight at once"
is "$(slowmax $KONG_WRAPPER "$KONG" check -c "$tmp/caps.ini" --log "$tmp/caps2.jsonl" -q --host-cap 3)" 3 \
    "--host-cap 3: at most 3 at once on the host"
is "$(slowmax $KONG_WRAPPER "$KONG" check -c "$tmp/caps.ini" --log "$tmp/caps3.jsonl" -q --server-cap 2)" 4 \
    "--server-cap 2: at most 2 per server (two servers)"
is "$(slowmax $KONG_WRAPPER "$KONG" check -c "$tmp/caps.ini" --log "$tmp/caps4.jsonl" -q -j 5)" 5 \
    "-j 5: at most 5 in flight"
is "$(jq -c 'select(.record=="run_end") | .totals.pass' "$tmp/caps2.jsonl")" 12 "capped sweeps still run every pair"

# --- SIGTERM mid-sweep ------------------------------------------------------
{
	echo "[kong]"; echo "concurrency = 5"
	for i in $(seq 1 20); do
		printf '[site s%02d]\nurl = %s/\n' "$i" "$TESTSITE_URL"
	done
	printf '[test wait]\ntags =\nbody = go {{ site.url }}slow?ms=1500\n'
	printf 'sites ='; for i in $(seq 1 20); do printf ' s%02d' "$i"; done; echo
} > "$tmp/term.ini"
$KONG_WRAPPER "$KONG" check -c "$tmp/term.ini" --log "$tmp/term.jsonl" -q --grace 200ms &
kpid=$!
sleep 0.5
kill -TERM $kpid
wait $kpid
is "$?" 4 "SIGTERM: exit status 4"
is "$(jq -c 'select(.record=="run_end") | [.interrupted, .totals.cancelled, .totals.not_started]' "$tmp/term.jsonl")" \
    '[true,5,15]' "run_end is written; the 5 started pairs are cancelled, 15 never started"
is "$(jq -r 'select(.record=="result") | .status' "$tmp/term.jsonl" | sort -u | paste -sd,)" "cancelled" "every started pair has a record"
# With a long enough grace period, the sessions in flight finish.
$KONG_WRAPPER "$KONG" check -c "$tmp/term.ini" --log "$tmp/term2.jsonl" -q --grace 5s &
kpid=$!
sleep 0.5
kill -INT $kpid
wait $kpid
is "$(jq -c 'select(.record=="run_end") | [.totals.pass, .totals.not_started]' "$tmp/term2.jsonl")" '[5,15]' \
    "SIGINT: sessions in flight finish within the grace period"

# --- kill -9: only whole lines ----------------------------------------------
{
	echo "[kong]"; echo "concurrency = 50"
	for i in $(seq 1 300); do
		printf '[site k%03d]\nurl = %s/\ntags = all\n' "$i" "$TESTSITE_URL"
	done
	printf '[test many]\ntags = all\nbody =\n    go {{ site.url }}slow?ms=200\n    echo {{ site.name }} done\n'
} > "$tmp/kill.ini"
$KONG_WRAPPER "$KONG" check -c "$tmp/kill.ini" --log "$tmp/kill.jsonl" -q &
kpid=$!
sleep 0.6
kill -9 $kpid
wait $kpid 2>/dev/null
lines=$(wc -l < "$tmp/kill.jsonl")
valid=$(jq -c . "$tmp/kill.jsonl" 2>/dev/null | wc -l)
is "$valid" "$lines" "after kill -9 every line is a whole JSON record ($lines lines)"
is "$(( lines > 1 && lines < 302 ))" 1 "the sweep was killed mid-way"
is "$(tail -c 1 "$tmp/kill.jsonl" | od -An -c | tr -d ' ')" '\n' "the file ends with a whole line"

# --- a results log that cannot be written ---------------------------------------
$KONG_WRAPPER "$KONG" check -c "$inv" --log /dev/full -q --site shop 2>"$tmp/full.err"
is "$?" 3 "a full disk: exit status 3"
grep -q "could not be written to /dev/full" "$tmp/full.err"
is "$?" 0 "and it says so"
$KONG_WRAPPER "$KONG" check -c "$inv" --log "$tmp/no/such/dir/x.jsonl" -q 2>/dev/null
is "$?" 3 "a log that cannot be opened: exit status 3"

# --- concurrency: 1,000 sessions in flight --------------------------------------
{
	echo "[kong]"; echo "concurrency = 1000"
	for i in $(seq 1 1000); do
		printf '[site c%04d]\nurl = %s/\ntags = all\n' "$i" "$TESTSITE_URL"
	done
	printf '[test slow]\ntags = all\nbody =\n    go {{ site.url }}slow?ms=300\n    code 200\n'
} > "$tmp/wide.ini"
ulimit -n 8192 2>/dev/null
$KONG_WRAPPER "$KONG" check -c "$tmp/wide.ini" --log "$tmp/wide.jsonl" -q
is "$?" 0 "1,000 sessions in flight at once all pass"
is "$(jq -c 'select(.record=="run_end") | .totals.pass' "$tmp/wide.jsonl")" 1000 "1,000 records"

# --- KONG_DEBUG=session traces every state change ------------------------------
printf 'go %s/slow?ms=10\ncode 200\n' "$TESTSITE_URL" > "$tmp/trace.twill"
KONG_DEBUG=session $KONG_WRAPPER "$KONG" run "$tmp/trace.twill" >/dev/null 2>"$tmp/trace.err"
is "$?" 0 "a traced run still passes"
is "$(sed -n 's/^session 0x[0-9a-f]*: \(.* -> [A-Z]*\) at src\/session\.c:[0-9]*$/\1/p' "$tmp/trace.err" |
    paste -sd, -)" "- -> NEW,NEW -> RUN,RUN -> WAIT,WAIT -> RUN,RUN -> DONE" \
    "KONG_DEBUG=session: one line per move, with where it happened"
"$KONG" run "$tmp/trace.twill" >/dev/null 2>"$tmp/trace2.err"
is "$(grep -c '^session ' "$tmp/trace2.err")" 0 "no trace without it"

echo "1..$n"
