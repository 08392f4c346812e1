#!/bin/bash
# serve-every.sh: kong serve --every end to end: sweeps on a schedule in the
# dashboard's process, against the loopback test site, a real SMTP server
# (aiosmtpd) and a webhook/ping receiver. The sweeps are kong check's (log,
# store, alerts, ping_url), never two at once, sharing kong check's lock;
# a sweep that overruns skips ticks; a run now waits for none; SIGTERM ends
# the sweep in flight with its run_end; bad options and scripts are usage
# errors. TAP output; a failure names this file and its line.
: "${top_srcdir:=.}" "${top_builddir:=.}" "${KONG:=$top_builddir/kong}"
. "$top_srcdir/tests/testsite-lib.sh"
TEST_NAME=tests/serve-every.sh
. "$top_srcdir/tests/alerts-lib.sh"
state_sites shop -- --vhost slow.test:slow=1500
down shop
maildir=$tmp/mail
smtp_start "$maildir"
hookdir=$tmp/hook
hook_start "$hookdir"

inv=$tmp/fleet
mkdir -p "$inv"
cat > "$inv/kong.ini" <<INI
[kong]
admins = ops@example.com
smtp = smtp://127.0.0.1:$SMTP_PORT
smtp_insecure = yes
mail_from = kong@example.com
base_url = https://kong.example/
ping_url = http://127.0.0.1:$HP/ping/
alert_retry_delay = 50ms
timeout = 5s
resolve = slow.test:$P:127.0.0.1

[type shop]
managers = shop-team@example.com

[site shop]
url = http://127.0.0.1:$P/shop/
type = shop

[site slow]
url = http://slow.test:$P/

[test state]
sites = shop
body =
    go {{ site.url }}state.txt
    code 200
    find "up"

[test home]
sites = slow
body =
    go {{ site.url }}
    code 200
INI
log=$inv/kong.jsonl
# runs_ended: how many run_end records the log has.
runs_ended() { grep -c '"record":"run_end"' "$log" 2>/dev/null || true; }
# wait_runs N [SECONDS]: until the log has N run_end records.
wait_runs() {
	_i=0
	while [ "$(runs_ended)" -lt "$1" ] && [ $_i -lt $((${2:-30} * 20)) ]; do
		sleep 0.05; _i=$((_i + 1))
	done
	[ "$(runs_ended)" -ge "$1" ]
}
# wait_mails N: until N mails arrived (10 s at most).
wait_mails() {
	_i=0
	while [ "$(mails "$maildir")" -lt "$1" ] && [ $_i -lt 200 ]; do
		sleep 0.05; _i=$((_i + 1))
	done
}
# serve_start ARGS...: kong serve in the background; sets URL and SERVE_PID.
serve_start() {
	rm -f "$tmp/serve.out"
	URL=
	"$KONG" serve -c "$inv" --listen 127.0.0.1:0 "$@" > "$tmp/serve.out" \
	    2> "$tmp/serve.err" &
	SERVE_PID=$!
	PIDS="$PIDS $SERVE_PID"
	for _i in $(seq 200); do
		URL=$(sed -n 's/^kong serve: listening on \(http[^ ]*\)\/$/\1/p' \
		    "$tmp/serve.out" 2>/dev/null)
		[ -n "$URL" ] && return 0
		kill -0 $SERVE_PID 2>/dev/null || break
		sleep 0.05
	done
	cat "$tmp/serve.err" >&2
	return 1
}
# The log's run records, in order: "start ID" and "end ID".
run_records() {
	jq -r 'select(.record == "run_start" or .record == "run_end") |
	    if .record == "run_start" then "start \(.run)"
	    else "end \(.run)" end' "$log"
}
# The last record's member $1.
last_is() { tail -1 "$log" | jq -r ".$1"; }
# The latest status of site $1 on the dashboard.
board() {
	curl -s "$URL/api/v1/status" | jq -r --arg s "$1" \
	    '.pairs[] | select(.site == $s) | .status'
}
# Whether the runs of the log never overlap: each run_start is followed by
# its own run_end before the next run_start. Prints what is wrong.
no_overlap() {
	run_records | awk '
	    $1 == "start" { if (open != "") print "run " $2 " started while " open " was running"; open = $2 }
	    $1 == "end" { if ($2 != open) print "run " $2 " ended, not " open; open = "" }'
}

# --- options ------------------------------------------------------------------
"$KONG" serve -c "$inv" --every 500ms 2> "$tmp/err"
is "$?" 2 "--every under a second is a usage error"
has "$tmp/err" "under a second" "and says why"
"$KONG" serve -c "$inv" --every often 2> "$tmp/err"
is "$?" 2 "--every that is not a duration is a usage error"
has "$tmp/err" "'often' is not a duration" "and names the value"
"$KONG" serve -c "$inv" --jitter 1s 2> "$tmp/err"
is "$?" 2 "--jitter without --every is a usage error"
"$KONG" serve -c "$inv" --every 2s --jitter 2s 2> "$tmp/err"
is "$?" 2 "a jitter as long as the interval is a usage error"
"$KONG" serve --store "$tmp/none.db" --every 1s 2> "$tmp/err"
is "$?" 2 "--every without the inventory is a usage error"
has "$tmp/err" "needs the inventory" "and says so"
"$KONG" serve -c "$inv" --every 1s --site nosuch 2> "$tmp/err"
is "$?" 2 "--every with nothing selected is a usage error"
mkdir -p "$tmp/bad"
cat > "$tmp/bad/kong.ini" <<INI
[site shop]
url = http://127.0.0.1:$P/shop/

[test broken]
sites = shop
body =
    go {{ site.ulr }}
INI
"$KONG" serve -c "$tmp/bad" --every 1s --listen 127.0.0.1:0 > "$tmp/out" 2> "$tmp/err"
is "$?" 2 "a template error is a usage error before listening"
has "$tmp/err" "kong.ini:[0-9]+:[0-9]+: .*ulr" "naming file:line:col and the typo"
hasnt "$tmp/out" "listening" "and nothing listens"
if [ ! -e "$tmp/bad/kong.db" ]; then ok "no store is made by a failed start"; else notok "a store was made by a failed start"; fi

# --- sweeps on a schedule, with alerts, pings and the store -----------------
if [ ! -e "$inv/kong.db" ]; then ok "no store before the first sweep"; else notok "a store before the first sweep"; fi
serve_start --every 1s --jitter 0 --site shop || { echo "Bail out! kong serve did not start"; exit 1; }
ok "kong serve --every starts without a store and listens"
wait_runs 3
is "$([ "$(runs_ended)" -ge 3 ] && echo yes)" yes "three sweeps in about three seconds"
is "$(no_overlap)" "" "never two at once"
jq -r 'select(.record == "run_start") | .time' "$log" | $PY -c '
import sys
from datetime import datetime
t = [datetime.fromisoformat(l.strip().replace("Z", "+00:00")) for l in sys.stdin]
# Ticks are on a grid from the start: a late one makes the next one
# closer, so only "not much closer" holds on a loaded machine.
print(min((b - a).total_seconds() for a, b in zip(t, t[1:])) >= 0.5)' > "$tmp/gap"
is "$(cat "$tmp/gap")" "True" "runs start about --every apart (no jitter asked)"
wait_mails 2
is "$(got "$maildir" 0)" "ops@example.com|Kong: 1 failing (shop)
shop-team@example.com|Kong: 1 failing (shop)" \
    "failing twice: one mail per recipient, from the scheduled sweeps"
is "$(board shop)" "fail" "the board shows the latest sweep's result"
curl -s "$URL/runs" > "$tmp/runs.html"
last=$(run_records | awk '$1 == "end" { id = $2 } END { print id }')
has "$tmp/runs.html" "$last" "and /runs lists the last sweep"
up shop
m=$(mails "$maildir")
wait_runs $(($(runs_ended) + 2))
wait_mails $((m + 2))
is "$(got "$maildir" $m)" "ops@example.com|Kong: 1 recovered (shop)
shop-team@example.com|Kong: 1 recovered (shop)" "it recovers: one recovery mail per recipient"
is "$(board shop)" "pass" "and the board follows"
kill -TERM $SERVE_PID
wait $SERVE_PID
is "$?" 0 "SIGTERM stops kong serve, status 0"
# Counted once kong serve is done: a ping and its run_start are a few
# milliseconds apart.
is "$(grep -c '^GET /ping/start$' "$hookdir/requests")" \
    "$(grep -c '"record":"run_start"' "$log")" "ping_url/start once per sweep"
is "$(grep -c '^GET /ping$' "$hookdir/requests")" \
    "$(grep -c '"record":"run_end"' "$log")" "and ping_url at each end"
is "$(last_is record)" "run_end" "and the log ends with a run_end"
is "$(no_overlap)" "" "no run was left open"
is "$("$KONG" store -c "$inv" info | awk '$1 == "runs" { print $2 }')" \
    "$(runs_ended)" "the store has every sweep"

# --- the lock: kong check and kong serve --every take turns --------------
"$KONG" check -c "$inv" --site slow -q 2> "$tmp/check.err" &
cpid=$!
PIDS="$PIDS $cpid"
for _i in $(seq 100); do [ -s "$log.lock" ] && grep -q "^$cpid$" "$log.lock" && break; sleep 0.02; done
before=$(runs_ended)
serve_start --every 1s --jitter 0 --site shop || { echo "Bail out! kong serve did not start"; exit 1; }
wait $cpid
is "$?" 0 "a kong check from cron runs its sweep (the slow site)"
wait_runs $((before + 2))
has "$tmp/serve.err" "kong serve: another kong check is running \(pid $cpid holds .*kong.jsonl.lock\); not starting a second one" \
    "kong serve's tick found kong check running, said so and skipped"
is "$(no_overlap)" "" "kong check's run and kong serve's never overlap"
kill -TERM $SERVE_PID
wait $SERVE_PID

# A sweep that takes longer than --every: ticks are skipped, kong check
# meanwhile exits 6, and a run now is refused until it ends.
before=$(runs_ended)
serve_start --every 1s --jitter 0 --site slow --allow-run || { echo "Bail out! kong serve did not start"; exit 1; }
# One copy of the log for both questions: read apart, they can straddle
# the end of a sweep.
for _i in $(seq 200); do
	cp "$log" "$tmp/snap"
	[ "$(tail -1 "$tmp/snap" | jq -r .record)" = "run_start" ] &&
	    [ "$(grep -c '"record":"run_end"' "$tmp/snap")" -gt "$before" ] && break
	sleep 0.02
done
"$KONG" check -c "$inv" --site shop -q 2> "$tmp/check.err"
is "$?" 6 "kong check while kong serve sweeps: exit 6, nothing ran"
has "$tmp/check.err" "another kong check is running \(pid $SERVE_PID holds" "naming kong serve's pid"
curl -s "$URL/sites/slow/home" > "$tmp/pair.html"
token=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$tmp/pair.html" | head -1)
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d "csrf=$token" "$URL/sites/slow/home/run")" \
    409 "a run now while a scheduled sweep is in flight: 409"
wait_runs $((before + 3))
has "$tmp/serve.err" "the sweep took longer than --every; 1 sweep skipped" \
    "a sweep of 1.5 s with --every 1s skips a tick and says so"
is "$(no_overlap)" "" "still never two at once"
# SIGTERM in the middle of a sweep: it ends, with its run_end, then out.
for _i in $(seq 200); do
	[ "$(last_is record)" = "run_start" ] && break
	sleep 0.02
done
kill -TERM $SERVE_PID
wait $SERVE_PID
is "$?" 0 "SIGTERM during a sweep: status 0"
is "$(last_is record)" "run_end" "the sweep in flight wrote its run_end"
is "$(last_is interrupted)" "true" "marked interrupted"
is "$(no_overlap)" "" "and every run is closed"

# --- examples/systemd/kong-serve.service runs as written ---------------------
unit=$top_srcdir/examples/systemd/kong-serve.service
cmdline=$(sed -n 's/^ExecStart=//p' "$unit")
has "$unit" '^ExecStart=/usr/local/bin/kong serve .*--every ' "the unit runs kong serve --every"
set -- $(echo "$cmdline" | sed "s|^/usr/local/bin/kong ||; s|/etc/kong|$inv|; s|127.0.0.1:8470|127.0.0.1:0|")
shift	# serve
before=$(runs_ended)
serve_start "$@" --site shop --jitter 0 || notok "the unit's command line starts"
wait_runs $((before + 1))
is "$(runs_ended)" $((before + 1)) "its command line sweeps at start"
kill -TERM $SERVE_PID
wait $SERVE_PID
is "$?" 0 "and stops on the unit's KillSignal"
echo "1..$n"
