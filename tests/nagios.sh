#!/bin/bash
# nagios.sh: kong nagios as a monitoring plugin, on a real sweep of the test
# site: the status line, the long output, perfdata, the thresholds (plain,
# '%', and the monitoring-plugins range syntax), the 8192-byte cap, and each
# exit status 0-3 reaching the shell. TAP output; a failure names this line.
: "${top_srcdir:=.}" "${top_builddir:=.}" "${KONG:=$top_builddir/kong}"
. "$top_srcdir/tests/testsite-lib.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kong-nagios.XXXXXX")
trap 'testsite_stop_all; rm -rf "$tmp"' EXIT
n=0
is() {
	n=$((n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $n - tests/nagios.sh:${BASH_LINENO[0]}: $3"
	else
		echo "not ok $n - tests/nagios.sh:${BASH_LINENO[0]}: $3"
		diff <(printf '%s\n' "$2") <(printf '%s\n' "$1") | sed 's/^/# /' | head -30
	fi
}
like() {
	n=$((n + 1))
	if [[ $1 =~ $2 ]]; then
		echo "ok $n - tests/nagios.sh:${BASH_LINENO[0]}: $3"
	else
		echo "not ok $n - tests/nagios.sh:${BASH_LINENO[0]}: $3"
		printf '# got:  %s\n# want: /%s/\n' "$1" "$2" | head -20
	fi
}
kong() { $KONG_WRAPPER "$KONG" "$@"; }

testsite_start || exit 99
P=$TESTSITE_PORT
C=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
inv=$tmp/kong.ini
cat > "$inv" <<INI
[kong]
concurrency = 8
timeout = 1s
log = kong.jsonl
[type web]
[type api]
[site shop]
url = http://127.0.0.1:$P/
type = web
[site blog]
url = http://127.0.0.1:$P/
type = web
[site down]
url = http://127.0.0.1:$C/
type = api
[site slow]
url = http://127.0.0.1:$P/slow?ms=3000
type = web
[site old]
url = http://127.0.0.1:$P/
type = web
live = no
[test home]
sites = shop, blog, down, slow, old
body =
    go {{ site.url }}
    code 200
[test checkout]
sites = shop
body =
    go {{ site.url }}status/500
    code 200
[test hang]
sites = blog
body =
    go {{ site.url }}slow?ms=20000
INI
# nagios OPTIONS...: the output in $out, the exit status in $rc.
nagios() { out=$(kong nagios --inventory "$inv" "$@"); rc=$?; }

# Failing: down/home (error), slow/home (timeout), shop/checkout (fail).
nagios --test home --test checkout
is "$rc" 2 "failing checks are CRITICAL by default: exit 2"
is "$(printf '%s\n' "$out" | sed -n 1p | sed 's/ | .*//')" \
    "KONG CRITICAL - 3 of 5 checks failing: $(jq -r 'select(.record=="result" and (.status|test("fail|error|timeout"))) | "\(.site)/\(.test)"' "$tmp/kong.jsonl" | paste -sd, - | sed 's/,/, /g')" \
    "the status line counts the failing checks of those run and names them"
is "$(printf '%s\n' "$out" | sed -n 1p | sed 's/.* | //')" \
    "'failing'=3;;0;0;5 'checks'=5;;;0" "perfdata: failing with its thresholds, checks"
is "$(printf '%s\n' "$out" | sed -n '2,$p' | sed 's/ | .*//; s/: .*//' | sort | paste -sd, -)" \
    "down/home,shop/checkout,slow/home" "one long output line per failure"
like "$(printf '%s\n' "$out" | grep '^shop/checkout')" "^shop/checkout: fail at kong.ini:[0-9]+: code is 500 != 200" \
    "each with its status, where and why"
like "$(printf '%s\n' "$out" | tail -1)" \
    " \| 'api_failing'=1;;;0;1 'api_p95'=[0-9.]+s;;;0 'web_failing'=2;;;0;4 'web_p95'=[0-9.]+s;;;0$" \
    "per-type perfdata after the long output: failing and p95 in seconds"
is "$(jq -s '[.[] | select(.record=="result")] | length' "$tmp/kong.jsonl")" 6 \
    "the sweep is in the log, like kong check's"

# Thresholds: 3 failing of 5 (60%).
t() { nagios --test home --test checkout "$@"; echo "$rc $(printf '%s\n' "$out" | sed -n '1s/^KONG \([A-Z]*\).*| \(.failing.=[^ ]*\).*/\1 \2/p')"; }
is "$(t -w 2 -c 5)" "1 WARNING 'failing'=3;2;5;0;5" "-w 2 -c 5: WARNING, exit 1"
is "$(t -w 3 -c 5)" "0 OK 'failing'=3;3;5;0;5" "-w 3: 3 is inside 0..3, OK, exit 0"
is "$(t -c 2)" "2 CRITICAL 'failing'=3;;2;0;5" "-c 2 alone: CRITICAL"
is "$(t -w 5:)" "1 WARNING 'failing'=3;5:;;0;5" "-w 5: alerts below 5"
is "$(t -w '~:2')" "1 WARNING 'failing'=3;~:2;;0;5" "-w ~:2 alerts above 2"
is "$(t -w 1:4)" "0 OK 'failing'=3;1:4;;0;5" "-w 1:4: inside, OK"
is "$(t -w @1:4)" "1 WARNING 'failing'=3;@1:4;;0;5" "-w @1:4 alerts inside"
is "$(t -w @4:9)" "0 OK 'failing'=3;@4:9;;0;5" "-w @4:9: outside, OK"
is "$(t -w 50% -c 70%)" "1 WARNING 'failing'=3;;;0;5" "-w 50% -c 70%: 60% failing is WARNING"
like "$(t -w 50% -c 70%; printf '%s\n' "$out" | sed -n 1p)" "'failing_pct'=60.00%;50;70;0;100" \
    "a percentage threshold is perfdata on failing_pct"
is "$(t -c 60%)" "0 OK 'failing'=3;;;0;5" "-c 60%: 60% is inside 0..60"
is "$(t -c 59.5%)" "2 CRITICAL 'failing'=3;;;0;5" "-c 59.5%: CRITICAL"
nagios --test home --site shop --site blog -w 0
is "$rc $(printf '%s\n' "$out" | sed 's/ |.*//')" "0 KONG OK - 2 checks, none failing" "all passing: OK"
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 1 "one line, perfdata on it"
like "$out" "\| 'failing'=0;0;;0;2 'checks'=2;;;0 'web_failing'=0;;;0;2 'web_p95'=[0-9.]+s;;;0$" \
    "with all its perfdata after one '|'"

# UNKNOWN, exit 3.
for bad in foo 5:1 1%:5 @ '' 1e999; do
	nagios -w "$bad"
	is "$rc $out" "3 KONG UNKNOWN - '$bad' is not a range (N, N:, ~:N, N:M, @N:M, N%)" "-w '$bad': UNKNOWN"
done
nagios --bogus 2>/dev/null
is "$rc $out" "3 KONG UNKNOWN - usage error (kong help nagios)" "an unknown option: UNKNOWN, not CRITICAL"
out=$(kong nagios --inventory "$tmp/none.ini" 2>/dev/null); rc=$?
is "$rc $out" "3 KONG UNKNOWN - the inventory did not load (kong lint shows why)" "an inventory that does not load"
nagios --site nosuch
is "$rc $out" "3 KONG UNKNOWN - no (site, test) pair is selected" "nothing selected"
printf '[test broken]\nsites = shop\nbody = fnid x\n' > "$tmp/broken.ini"
cat "$inv" "$tmp/broken.ini" > "$tmp/b.ini"
out=$(kong nagios --inventory "$tmp/b.ini" --test broken 2>/dev/null); rc=$?
is "$rc $out" "3 KONG UNKNOWN - a script did not compile (kong lint shows why)" "a script that does not compile"
$KONG_WRAPPER "$KONG" nagios --inventory "$inv" --test hang > "$tmp/hang.out" &
pid=$!
for i in $(seq 100); do
	[ "$(jq -s 'map(select(.record=="run_start")) | length' "$tmp/kong.jsonl")" -gt "$(grep -c run_end "$tmp/kong.jsonl")" ] && break
	sleep 0.05
done
kill -TERM $pid
wait $pid
is "$? $(cat "$tmp/hang.out")" "3 KONG UNKNOWN - interrupted before every check ran" \
    "SIGTERM (the Nagios timeout): UNKNOWN, exit 3"

# --from-store: the latest results kong check (and kong nagios) fed to the
# store, without sweeping: the same answer as the sweep of those pairs.
fs() { out=$(kong nagios --inventory "$inv" --from-store "$@"); rc=$?; }
runs=$(grep -c '"record":"run_start"' "$tmp/kong.jsonl")
fs --test home --test checkout
is "$rc" 2 "--from-store: the failing pairs of the last sweeps: CRITICAL"
like "$(printf '%s\n' "$out" | sed -n 1p)" \
    "^KONG CRITICAL - 3 of 5 checks failing: .* \| 'failing'=3;;0;0;5 'checks'=5;;;0$" \
    "--from-store: the status line and perfdata, as the sweep's"
is "$(printf '%s\n' "$out" | sed -n '2,$p' | sed 's/ | .*//; s/: .*//' | sort | paste -sd, -)" \
    "down/home,shop/checkout,slow/home" "--from-store: one line per failure"
is "$(grep -c '"record":"run_start"' "$tmp/kong.jsonl")" "$runs" "--from-store runs no check"
fs --test home --site shop --site blog -w 0
is "$rc $(printf '%s\n' "$out" | sed 's/ |.*//')" "0 KONG OK - 2 checks, none failing" "--from-store: all passing: OK"
fs --test home --site shop --max-age 1h
is "$rc" 0 "--max-age 1h: a result of seconds ago is fresh"
sleep 1.1
fs --test home --site shop --max-age 1s
like "$rc $out" "^3 KONG UNKNOWN - the oldest result in the store is [0-9]+s old, more than --max-age" \
    "--max-age: results older than that are UNKNOWN (the sweeps stopped)"
printf '[test never]\nsites = shop\nbody =\n    go {{ site.url }}\n' > "$tmp/never.ini"
cat "$inv" "$tmp/never.ini" > "$tmp/n.ini"
out=$(kong nagios --inventory "$tmp/n.ini" --from-store --test never); rc=$?
like "$rc $out" "^3 KONG UNKNOWN - 1 of 1 selected checks have no result in the store .*kong.db" \
    "--from-store: a pair the store has no result for is UNKNOWN, not OK"
sed 's/^log = kong.jsonl$/log = kong.jsonl\nstore = none/' "$inv" > "$tmp/nostore.ini"
out=$(kong nagios --inventory "$tmp/nostore.ini" --from-store); rc=$?
is "$rc $out" "3 KONG UNKNOWN - store = none: there is no store to read" "--from-store with store = none"
nagios --max-age 1h
is "$rc $out" "3 KONG UNKNOWN - --max-age goes with --from-store" "--max-age alone is a usage error"

# A big failing fleet: the output stays within 8192 bytes.
{
	echo "[kong]"; echo "concurrency = 50"; echo "log = big.jsonl"; echo "[type big]"
	for i in $(seq 300); do
		echo "[site site-number-$i-with-a-long-name]"
		echo "url = http://127.0.0.1:$P/status/500?padding=$(printf 'x%.0s' $(seq 40))"
		echo "type = big"
	done
	echo "[test home]"; echo "types = big"; echo "body ="; echo "    go {{ site.url }}"; echo "    code 200"
} > "$tmp/big.ini"
out=$(kong nagios --inventory "$tmp/big.ini"); rc=$?
is "$rc" 2 "300 failing: CRITICAL"
is "$(printf '%s\n' "$out" | wc -c | awk '$1 <= 8192 && $1 > 4096 { print "fits" }')" fits \
    "the output is cut to at most 8192 bytes, and uses them"
like "$(printf '%s\n' "$out" | sed -n 1p)" \
    "^KONG CRITICAL - 300 of 300 checks failing: site-number-[0-9]+-with-a-long-name/home, .*, \.\.\. \| 'failing'=300;;0;0;300 'checks'=300;;;0$" \
    "the status line names five and its perfdata is whole"
like "$(printf '%s\n' "$out" | tail -1)" "^\.\.\. and [0-9]+ more failing checks \(see the log\) \| 'big_failing'=300;;;0;300 'big_p95'=[0-9.]+s;;;0$" \
    "the long output says how many it left out, and the perfdata follows"

echo "1..$n"
