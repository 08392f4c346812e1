#!/bin/bash
# alerts.sh: alerting end to end, against a real SMTP server (aiosmtpd), a
# real webhook receiver and the loopback test site, all on 127.0.0.1: the
# failure and success thresholds, one mail per recipient, server groups,
# the fleet rule, silences, reminders, flapping, delivery that fails and
# is caught up, STARTTLS on a certificate made here; the lock and
# ping_url. TAP output; a failure names this file and its line.
: "${top_srcdir:=.}" "${top_builddir:=.}" "${KONG:=$top_builddir/kong}"
. "$top_srcdir/tests/testsite-lib.sh"
TEST_NAME=tests/alerts.sh
. "$top_srcdir/tests/alerts-lib.sh"
state_sites shop blog g1 g2 g3 t1 t2 t3 t4 t5 rem flap

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
webhook = http://127.0.0.1:$HP/hook
alert_retry_delay = 50ms
ping_url = http://127.0.0.1:$HP/ping/
timeout = 5s

[server web1]
address = 127.0.0.1

[server web2]
address = 127.0.0.1

[type shop]
managers = shop-team@example.com

[site shop]
url = http://127.0.0.1:$P/shop/
type = shop
servers = web1

[site blog]
url = http://127.0.0.1:$P/blog/
managers = blogger@example.com
servers = web1

[site g1]
url = http://127.0.0.1:$P/g1/
managers = grp@example.com
servers = web2

[site g2]
url = http://127.0.0.1:$P/g2/
managers = grp@example.com
servers = web2

[site g3]
url = http://127.0.0.1:$P/g3/
managers = grp@example.com
servers = web2

[test state]
sites = shop, blog, g1, g2, g3
body =
    go {{ site.url }}state.txt
    code 200
    find "up"
INI
check() { "$KONG" check -c "$inv" -q 2>"$tmp/check.err"; }
hooks() { ls "$hookdir" | grep -c '\.json$'; }

# --- thresholds: once is nothing, twice is one mail per recipient ---------
check
is "$?" 0 "everything passes"
is "$(mails "$maildir")" 0 "nothing to say: no mail"
is "$(hooks)" 0 "and nothing posted"
down shop
check
is "$?" 1 "shop fails once"
is "$(mails "$maildir")" 0 "failing once (failure_threshold 2): no mail"
check
m=0
is "$(got "$maildir" $m)" "ops@example.com|Kong: 1 failing (shop)
shop-team@example.com|Kong: 1 failing (shop)" \
    "failing twice: one mail to the type's manager and one to the admin"
f=$(new_mails "$maildir" $m | head -1)
part "$f" check
is "$?" 0 "Date, Message-ID, From, To, Subject; multipart/alternative text and HTML"
is "$(part "$f" header:From)" "kong@example.com" "From is mail_from"
part "$f" text > "$tmp/text"
has "$tmp/text" '^- shop / state: fail at kong.ini:[0-9]+: find up: no match to .up.$' \
    "the line names site, test, the failing command at file:line and the message"
has "$tmp/text" '^  https://kong.example/sites/shop/state$' "and links to the pair's page"
has "$tmp/text" '^    >  *[0-9]+  find "up"$' "the rendered script, the failing line marked"
has "$tmp/text" "go http://127.0.0.1:$P/shop/state.txt" "rendered for the site"
part "$f" html > "$tmp/html"
has "$tmp/html" '<a href="https://kong.example/sites/shop/state">' "the HTML part links too"
is "$(hooks)" 1 "one webhook document for the run"
jq -r '[.subject, .failing[0].site, .failing[0].link, (.failing[0].recipients | join(","))] | join("|")' \
    "$hookdir/0001.json" > "$tmp/hook1"
is "$(cat "$tmp/hook1")" "Kong: 1 failing (shop)|shop|https://kong.example/sites/shop/state|shop-team@example.com,ops@example.com" \
    "the webhook has the same: subject, site, link, recipients"
jq -r '.text' "$hookdir/0001.json" > "$tmp/hooktext"
has "$tmp/hooktext" '^- shop / state: fail' "and a text member for Slack and friends"
jq -c 'select(.record=="run_end") | .alerts' "$inv/kong.jsonl" | tail -1 > "$tmp/end"
is "$(jq -r '[.queued, .delivered, .undelivered] | map(tostring) | join(" ")' "$tmp/end")" "3 3 0" \
    "run_end: three messages queued and delivered"

m=$(mails "$maildir")
check
is "$(mails "$maildir")" "$m" "still failing: no more mail"
up shop
check
is "$(got "$maildir" $m)" "ops@example.com|Kong: 1 recovered (shop)
shop-team@example.com|Kong: 1 recovered (shop)" "recovered: one recovery mail each"
m=$(mails "$maildir")
check
is "$(mails "$maildir")" "$m" "passing again: no mail"
is "$(sqlite3 "$inv/kong.db" "SELECT passes || ' ' || history FROM alert_pairs WHERE site = 'blog'")" \
    "1 PPPPPP" "six passing runs: passes count up to success_threshold only: a steady pair is not written again"

"$KONG" alert -c "$inv" --dry-run > "$tmp/dry"
is "$?" 0 "kong alert --dry-run"
has "$tmp/dry" '^=== mail to shop-team@example.com: delivered ' "shows the last run's mail and that it was delivered"
has "$tmp/dry" '^Subject: Kong: 1 recovered \(shop\)$' "with its subject"
has "$tmp/dry" '^- shop / state: passes again$' "and its text"
run1=$(jq -r 'select(.record=="run_start") | .run' "$inv/kong.jsonl" | sed -n 3p)
"$KONG" alert -c "$inv" --dry-run --run "$run1" > "$tmp/dry1"
has "$tmp/dry1" '^Subject: Kong: 1 failing \(shop\)$' "--run ID: that run's messages"

# --- a whole server failing alike: one line -------------------------------
m=$(mails "$maildir")
down g1 g2 g3
check; check
got "$maildir" $m > "$tmp/got"
is "$(cat "$tmp/got")" "grp@example.com|Kong: 3 failing (g1, g2, g3)
ops@example.com|Kong: 3 failing (g1, g2, g3)" "web2's three sites fail: one mail each, to their managers and the admin"
f=$(new_mails "$maildir" $m | head -1)
part "$f" text > "$tmp/text"
has "$tmp/text" '^- server web2: 3 of its 3 checks fail with assert errors \(g1/state, g2/state, g3/state\)' \
    "one line for the server"
hasnt "$tmp/text" '^- g[123] / state' "instead of one per site"
up g1 g2 g3
check

# --- silences -------------------------------------------------------------
"$KONG" silence -c "$inv" add --site 'sh*' --for 1h --reason "deploy" > "$tmp/sil"
is "$?" 0 "kong silence add"
sid=$(cut -f1 "$tmp/sil")
"$KONG" silence -c "$inv" list > "$tmp/list"
has "$tmp/list" "^ *$sid +site +sh\\* +[0-9T:.-]+Z +deploy$" "kong silence list shows it"
m=$(mails "$maildir")
down shop
check; check; check
is "$?" 1 "silenced checks still run and fail"
is "$(mails "$maildir")" "$m" "but nothing is mailed"
is "$(jq -r 'select(.record=="result" and .site=="shop") | .status' "$inv/kong.jsonl" | tail -1)" fail \
    "and the failure is recorded"
"$KONG" silence -c "$inv" rm "$sid"
is "$?" 0 "kong silence rm"
"$KONG" silence -c "$inv" rm "$sid" 2> "$tmp/rm.err"
is "$?" 2 "rm of a silence that is gone: exit 2"
check
is "$(got "$maildir" $m)" "ops@example.com|Kong: 1 failing (shop)
shop-team@example.com|Kong: 1 failing (shop)" "still failing when the silence ends: mailed at the next run"
up shop
check
"$KONG" silence -c "$inv" add --site shop --for 1s > /dev/null
"$KONG" silence -c "$inv" add --site shop --test state --for 1h 2> "$tmp/sil.err"
is "$?" 2 "add takes exactly one pattern"
"$KONG" silence -c "$inv" add --site shop 2> "$tmp/sil.err"
is "$?" 2 "add without --for: exit 2 (every silence expires)"
sleep 1.2
"$KONG" silence -c "$inv" list > "$tmp/list"
has "$tmp/list" '^no silence is in force$' "an expired silence is gone from list"
"$KONG" silence -c "$inv" list --all > "$tmp/list"
has "$tmp/list" ' expired ' "list --all shows it as expired"

# --- SMTP down: retried, reported, kept, delivered next run ---------------
m=$(mails "$maildir")
kill "$SMTP_PID"; wait "$SMTP_PID" 2>/dev/null
down blog
check; check
is "$?" 1 "a run whose mail cannot be delivered"
has "$tmp/check.err" 'mail to blogger@example.com not delivered after 3 attempts: .*\(kept; tried again next run\)' \
    "is reported on stderr after its retries"
jq -c 'select(.record=="run_end") | .alerts' "$inv/kong.jsonl" | tail -1 > "$tmp/end"
is "$(jq -r '[.undelivered, .errors[0].attempts, .errors[0].transport] | map(tostring) | join(" ")' "$tmp/end")" "2 3 mail" \
    "and in run_end"
SMTP_AT=$SMTP_PORT smtp_start "$maildir"
SMTP_AT=
check
is "$(got "$maildir" $m)" "blogger@example.com|Kong: 1 failing (blog)
ops@example.com|Kong: 1 failing (blog)
ops@example.com|Kong: 2 alert messages could not be delivered" \
    "the next run delivers what was kept: nothing lost, and the admin's note of it"
jq -c 'select(.record=="run_end") | .alerts' "$inv/kong.jsonl" | tail -1 > "$tmp/end"
is "$(jq -r '[.queued, .delivered] | map(tostring) | join(" ")' "$tmp/end")" "0 3" \
    "run_end: nothing new, three caught up (tests/alerts-admins.sh has the rest)"
up blog
check

# --- the webhook failing is kept too ---------------------------------------
h=$(hooks)
echo 500 > "$hookdir/status"
down blog; check; check
has "$tmp/check.err" 'webhook to http://127.0.0.1:[0-9]+/hook not delivered after 3 attempts: the webhook answered 500' \
    "a webhook answering 500 is retried and reported"
rm "$hookdir/status"
"$KONG" alert -c "$inv" > "$tmp/alert.out"
is "$?" 0 "kong alert delivers what is left in the outbox"
is "$(cat "$tmp/alert.out")" "2 delivered, 0 not delivered" \
    "and says so (the run's document and the one about its failure)"
is "$(for f in $(ls "$hookdir"/*.json | sort | tail -2); do jq -r '.failing[0].site // .kong' "$f"; done | sort | tr '\n' ' ')" \
    "blog undelivered " "the webhook documents that were kept"
h=$(hooks)
"$KONG" alert -c "$inv" > "$tmp/alert.out"
is "$(cat "$tmp/alert.out") $(hooks)" "0 delivered, 0 not delivered $h" "and only once"
up blog; check

# --- ping_url -------------------------------------------------------------
grep -c '^GET /ping/start$' "$hookdir/requests" > "$tmp/starts"
grep -c '^GET /ping$' "$hookdir/requests" > "$tmp/ends"
is "$(cat "$tmp/starts")" "$(jq -r 'select(.record=="run_start") | .run' "$inv/kong.jsonl" | wc -l)" \
    "ping_url/start once per run"
is "$(cat "$tmp/ends")" "$(cat "$tmp/starts")" "and ping_url at each end (exit 0 or 1)"
down shop blog
"$KONG" check -c "$inv" -q --abort-if 50%/1 -j 1 2>/dev/null
is "$?" 5 "an aborted sweep"
is "$(tail -1 "$hookdir/requests")" "GET /ping/fail" "pings ping_url/fail"
up shop blog; check

# --- the lock -------------------------------------------------------------
{
	# Another run holds the lock (one process: flock(1) would fork).
	$PY -c 'import fcntl, sys, time
f = open(sys.argv[1], "a")
fcntl.flock(f, fcntl.LOCK_EX)
open(sys.argv[2], "w").write("held")
time.sleep(60)' "$inv/kong.jsonl.lock" "$tmp/held" &
	lockpid=$!
	PIDS="$PIDS $lockpid"
	wait_file "$tmp/held"
	lines=$(wc -l < "$inv/kong.jsonl")
	"$KONG" check -c "$inv" -q 2> "$tmp/lock.err"
	is "$?" 6 "a run while another holds the lock: exit 6"
	has "$tmp/lock.err" "another kong check is running .*kong.jsonl.lock.*not starting a second one" "and says so"
	is "$(wc -l < "$inv/kong.jsonl")" "$lines" "nothing ran"
	kill "$lockpid"; wait "$lockpid" 2>/dev/null
	check
	is "$?" 0 "once it is released, the next run goes"
}

# --- a store that cannot be opened: nothing runs -----------------------------
bad=$tmp/badstore
mkdir -p "$bad"
sed 's|^\[kong\]$|[kong]\nstore = /nonexistent/kong.db|' "$inv/kong.ini" > "$bad/kong.ini"
"$KONG" check -c "$bad" -q 2> "$tmp/bad.err"
is "$?" 3 "a store that cannot be opened: exit 3"
has "$tmp/bad.err" '^kong check: cannot open the store /nonexistent/kong.db: ' "naming it"
[ -e "$bad/kong.jsonl" ] && [ -s "$bad/kong.jsonl" ]
is "$?" 1 "and nothing ran"

# --- the fleet unreachable: one message to the admins ----------------------
fleet=$tmp/far
mkdir -p "$fleet"
{
	cat <<INI
[kong]
admins = ops@example.com, oncall@example.com
smtp = smtp://127.0.0.1:$SMTP_PORT
smtp_insecure = yes
failure_threshold = 1
connect_timeout = 2s

INI
	for s in t1 t2 t3 t4 t5; do
		printf '[site %s]\nurl = http://127.0.0.1:%s/%s/\nmanagers = %s@example.com\n\n' "$s" "$P" "$s" "$s"
	done
	printf '[test state]\nsites = t1, t2, t3, t4, t5\nbody =\n    go {{ site.url }}state.txt\n    find "up"\n'
} > "$fleet/kong.ini"
"$KONG" check -c "$fleet" -q
is "$?" 0 "a second fleet passes"
m=$(mails "$maildir")
sed -i "s|127.0.0.1:$P/|127.0.0.1:1/|" "$fleet/kong.ini"
"$KONG" check -c "$fleet" -q; "$KONG" check -c "$fleet" -q
is "$(got "$maildir" $m)" "oncall@example.com|Kong cannot reach the fleet
ops@example.com|Kong cannot reach the fleet" "every check fails with net errors: one message to each admin, none to the sites"
f=$(new_mails "$maildir" $m | head -1)
part "$f" text > "$tmp/text"
has "$tmp/text" '5 of 5 checks failed with network errors' "saying how many"
m=$(mails "$maildir")
sed -i "s|127.0.0.1:1/|127.0.0.1:$P/|" "$fleet/kong.ini"
"$KONG" check -c "$fleet" -q
is "$(got "$maildir" $m)" "oncall@example.com|Kong reaches the fleet again
ops@example.com|Kong reaches the fleet again" "and one when it can again, with no recoveries"

# --- reminders and flapping (policy set per site) ---------------------------
pol=$tmp/policy
mkdir -p "$pol"
cat > "$pol/kong.ini" <<INI
[kong]
smtp = smtp://127.0.0.1:$SMTP_PORT
smtp_insecure = yes
reminder_interval = 1ms

[site rem]
url = http://127.0.0.1:$P/rem/
managers = rem@example.com
failure_threshold = 1

[site flap]
url = http://127.0.0.1:$P/flap/
managers = flap@example.com
failure_threshold = 1
flap_window = 5
flap_changes = 2

[site mnt]
url = http://127.0.0.1:$P/rem/
managers = mnt@example.com
failure_threshold = 1
maintenance = mon-sun 00:00-24:00

[site later]
url = http://127.0.0.1:$P/rem/
managers = later@example.com
failure_threshold = 1
maintenance = $(date -d tomorrow +%a | tr 'A-Z' 'a-z') 00:00-24:00

[site bad]
url = http://127.0.0.1:$P/rem/
managers = bad@example.com
failure_threshold = 1
maintenance = sometimes

[test state]
sites = rem, flap, mnt, later, bad
body =
    go {{ site.url }}state.txt
    find "up"
INI
"$KONG" lint -c "$pol" 2> "$tmp/lint.err"
is "$?" 2 "kong lint checks alerting's attributes"
has "$tmp/lint.err" "kong.ini:[0-9]+: error: site 'bad': maintenance = 'sometimes' is not a list of \[DAY\[-DAY\]\] HH:MM-HH:MM windows" \
    "a bad maintenance window is an error at its site"
hasnt "$tmp/lint.err" "attribute '(failure_threshold|flap_window|flap_changes|maintenance)' is read by no template" \
    "and alerting's attributes are not 'read by no template'"
m=$(mails "$maildir")
down rem
"$KONG" check -c "$pol" -q 2> "$tmp/pol.err"
got "$maildir" $m > "$tmp/got"
has "$tmp/got" '^rem@example.com\|Kong: 1 failing \(rem\)$' "a site's own failure_threshold = 1: mailed at once"
hasnt "$tmp/got" '^mnt@' "a site in its maintenance window: not mailed"
has "$tmp/got" '^later@example.com\|Kong: 1 failing \(later\)$' "outside its window (tomorrow's): mailed"
has "$tmp/pol.err" "site bad: maintenance = 'sometimes' is not a list of \[DAY\[-DAY\]\] HH:MM-HH:MM windows" \
    "a maintenance value that does not parse is said"
has "$tmp/got" '^bad@example.com\|Kong: 1 failing \(bad\)$' "and ignored: the site is mailed"
m=$(mails "$maildir")
"$KONG" check -c "$pol" -q 2>/dev/null
is "$(got "$maildir" $m | grep '^rem@')" "rem@example.com|Kong: 1 still failing (rem)" "reminder_interval: a reminder of what still fails"
up rem
m=$(mails "$maildir")
for st in down up down up down; do
	echo "$st" > "$tmp/root/flap/state.txt"
	"$KONG" check -c "$pol" -q 2>/dev/null
done
got "$maildir" $m | grep flap@ > "$tmp/flap"
# flap passed twice before (PP), so: F is a new failure, P the second
# change within the window (flap_changes = 2): flapping, and from then on
# no mail at each change.
is "$(cat "$tmp/flap")" "flap@example.com|Kong: 1 failing (flap)
flap@example.com|Kong: 1 flapping (flap)" "a flapping pair is reported once as flapping, not at every change"

# --- SIGTERM while a mail server hangs: the run ends, the mail is kept ------
$PY -c 'import os, socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(5)
open(sys.argv[1] + ".tmp", "w").write("%d\n" % s.getsockname()[1])
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(120)' "$tmp/stuck.port" &
PIDS="$PIDS $!"
wait_file "$tmp/stuck.port"
stuck=$tmp/stuck
rem_fleet "$stuck" <<INI
[kong]
smtp = smtp://127.0.0.1:$(cat "$tmp/stuck.port")
smtp_insecure = yes
failure_threshold = 1
timeout = 60s
INI
down rem
"$KONG" check -c "$stuck" -q 2> "$tmp/stuck.err" &
kpid=$!
i=0
while [ "$(grep -c '"record":"result"' "$stuck/kong.jsonl" 2>/dev/null)" != 1 ] && [ $i -lt 200 ]; do
	sleep 0.05; i=$((i + 1))
done
sleep 0.3
kill -TERM "$kpid"
( sleep 20; kill -KILL "$kpid" 2>/dev/null ) &
guard=$!
wait "$kpid"
is "$?" 1 "SIGTERM while the mail server does not answer: the run ends with its own status"
kill "$guard" 2>/dev/null; wait "$guard" 2>/dev/null
has "$tmp/stuck.err" 'mail to rem@example.com not delivered after 1 attempt: interrupted \(kept' "saying the mail was kept"
is "$(jq -r 'select(.record=="run_end") | .alerts.undelivered' "$stuck/kong.jsonl")" 1 "run_end is written and says so"
up rem

# --- what was sent to whom: /alerts and /api/v1/alerts -----------------------
db=$inv/kong.db
total=$(sqlite3 "$db" 'SELECT count(*) FROM alert_outbox')
newest=$(sqlite3 "$db" 'SELECT max(id) FROM alert_outbox')
# A message whose fields are hostile: the pages must escape them.
sqlite3 "$db" "INSERT INTO alert_outbox (run, created_us, transport, recipients, subject, text, payload, attempts, last_error) VALUES ('r<b>1', 1, 'mail', 'x<script>alert(1)</script>@example.com', 'Kong: <img src=x onerror=alert(2)>', 'line <script>alert(3)</script>', '', 2, 'refused <i>')"
hostile=$((newest + 1))
"$KONG" html -c "$inv" --out "$tmp/static" > /dev/null 2>&1
is "$?" 0 "kong html writes the alerts pages"
has "$tmp/static/alerts.html" "<h1>Alerts</h1>" "alerts.html"
is "$(grep -c '<tr class=' "$tmp/static/alerts.html")" "$(( total + 1 > 50 ? 50 : total + 1 ))" \
    "one row per message, the newest page of them"
has "$tmp/static/alerts.html" 'href="alerts/'"$hostile"'.html"' "each links to its message"
has "$tmp/static/alerts.html" 'mail: ops@example.com' "naming whom it went to"
has "$tmp/static/alerts.html" "webhook: http://127.0.0.1:$HP/…" "a webhook by its scheme and host"
hasnt "$tmp/static/alerts.html" "127.0.0.1:$HP/hook" "never its path (Slack's carries the token)"
has "$tmp/static/alerts.html" 'not delivered</span> after 2 attempts: refused &lt;i&gt;' \
    "an undelivered message says so, with the last error"
has "$tmp/static/alerts.html" '>delivered <time' "a delivered one says when"
hasnt "$tmp/static/alerts.html" '<script|<img|<b>1|<i>' "hostile fields are escaped on the list"
has "$tmp/static/alerts/$hostile.html" 'line &lt;script&gt;alert\(3\)&lt;/script&gt;' \
    "the message page shows its text, escaped"
hasnt "$tmp/static/alerts/$hostile.html" '<script|<img' "and nothing live"
has "$tmp/static/index.html" 'href="alerts.html">Alerts</a>' "the navigation links to the alerts"
jq -r '[(.alerts | length), .alerts[0].id, .alerts[0].subject, (.alerts[0] | has("text"))] | join("|")' \
    "$tmp/static/api/v1/alerts.json" > "$tmp/api"
is "$(cat "$tmp/api")" "$(( total + 1 > 50 ? 50 : total + 1 ))|$hostile|Kong: <img src=x onerror=alert(2)>|false" \
    "api/v1/alerts.json: newest first, the subject as it was, no text in the list"
is "$(jq -r .text "$tmp/static/api/v1/alerts/$hostile.json")" "line <script>alert(3)</script>" \
    "api/v1/alerts/ID.json carries the text"
sdb=$("$KONG" serve -c "$inv" --listen 127.0.0.1:0 > "$tmp/serve.out" 2> "$tmp/serve.err" & echo $!)
PIDS="$PIDS $sdb"
for _i in $(seq 100); do
	URL=$(sed -n 's/^kong serve: listening on \(http[^ ]*\)\/$/\1/p' "$tmp/serve.out")
	[ -n "$URL" ] && break; sleep 0.05
done
code() { curl -s -o "$tmp/body" -w '%{http_code}' "$URL$1"; }
is "$(code /alerts)" 200 "kong serve: /alerts"
is "$(code "/api/v1/alerts?limit=2")" 200 "/api/v1/alerts?limit=2"
is "$(jq -r '[.alerts[].id] | join(",")' "$tmp/body")" "$hostile,$newest" "the two newest"
is "$(jq -r .next "$tmp/body")" "$newest" "and where the next page starts"
code "/api/v1/alerts?limit=500&before=$newest" > /dev/null
is "$(jq -r '[.alerts[].id] | (length|tostring) + " " + (max|tostring)' "$tmp/body")" \
    "$((total - 1)) $((newest - 1))" "?before= pages back through every older message"
is "$(code /alerts/999999)" 404 "no such message: 404"
is "$(code /alerts/x1)" 404 "not a message number: 404"
is "$(code /api/v1/alerts/999999)" 404 "the API says 404 too"
is "$(code "/api/v1/alerts?limit=0")" 400 "a bad limit: 400"
is "$(code "/alerts?before=no")" 400 "a bad before: 400"
kill "$sdb"; wait "$sdb" 2>/dev/null
sqlite3 "$db" "DELETE FROM alert_outbox WHERE id = $hostile"

# --- STARTTLS: required by default, verified with the test's own CA ---------
if command -v openssl >/dev/null 2>&1; then
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
	    -addext subjectAltName=IP:127.0.0.1 -keyout "$tmp/key.pem" \
	    -out "$tmp/cert.pem" 2>/dev/null
	tlsdir=$tmp/tlsmail
	smtp_start "$tlsdir" "$tmp/cert.pem" "$tmp/key.pem" require
	tls=$tmp/tls
	rem_fleet "$tls" <<INI
[kong]
smtp = smtp://127.0.0.1:$SMTP_PORT
smtp_cafile = $tmp/cert.pem
failure_threshold = 1
INI
	down rem
	"$KONG" check -c "$tls" -q 2> "$tmp/tls.err"
	is "$(mails "$tlsdir")" 1 "STARTTLS with a verified self-signed certificate: delivered"
	f=$(new_mails "$tlsdir" 0 | head -1)
	is "$(part "$f" header:X-Envelope-TLS)" yes "over TLS"
	# A server that offers no STARTTLS: the mail is not sent in clear.
	plain=$tmp/plainmail
	smtp_start "$plain"
	sed -i "s|^smtp = .*|smtp = smtp://127.0.0.1:$SMTP_PORT|; s|^failure_threshold = 1|failure_threshold = 1\nalert_retries = 0|" "$tls/kong.ini"
	up rem; "$KONG" check -c "$tls" -q 2>/dev/null
	down rem; "$KONG" check -c "$tls" -q 2> "$tmp/tls.err"
	is "$(mails "$plain")" 0 "no STARTTLS offered: nothing sent in clear"
	has "$tmp/tls.err" 'mail to rem@example.com not delivered' "and it says so"
	up rem

	# --- SMTP AUTH, required by the server, over STARTTLS only ------------
	authdir=$tmp/authmail
	SMTP_AUTH=kong:s3cret-pw smtp_start "$authdir" "$tmp/cert.pem" "$tmp/key.pem" require
	au=$tmp/auth
	rem_fleet "$au" <<INI
[kong]
smtp = smtp://127.0.0.1:$SMTP_PORT
smtp_cafile = $tmp/cert.pem
smtp_user = kong
smtp_password_file = smtp-password
failure_threshold = 1
alert_retries = 0
INI
	printf 's3cret-pw\n' > "$au/smtp-password"
	chmod 600 "$au/smtp-password"
	flip() { up rem; "$KONG" check -c "$au" -q 2>/dev/null; down rem; "$KONG" check -c "$au" -q 2> "$tmp/auth.err"; }
	down rem
	"$KONG" check -c "$au" -q 2> "$tmp/auth.err"
	is "$(mails "$authdir")" 1 "SMTP AUTH with smtp_user and smtp_password_file: delivered"
	f=$(new_mails "$authdir" 0 | head -1)
	is "$(part "$f" header:X-Envelope-Auth) $(part "$f" header:X-Envelope-TLS)" "kong yes" \
	    "authenticated as smtp_user, after STARTTLS"
	printf 'wrong-pw\n' > "$au/smtp-password"
	flip
	is "$(mails "$authdir")" 1 "a wrong password: not delivered"
	has "$tmp/auth.err" 'mail to rem@example.com not delivered after 1 attempt: .*(Login denied|auth)' \
	    "and it says the login was refused"
	cat "$au/kong.jsonl" "$tmp/auth.err" > "$tmp/auth.all"
	sqlite3 "$au/kong.db" 'SELECT * FROM alert_outbox' >> "$tmp/auth.all"
	hasnt "$tmp/auth.all" 's3cret-pw|wrong-pw' "no password in the log, stderr or the outbox"
	chmod 644 "$au/smtp-password"
	flip
	has "$tmp/auth.err" 'smtp_password_file .*smtp-password is readable by others \(mode 0644\): chmod 600 it' \
	    "a password file others can read is refused, saying what to do"
	sed -i '/^smtp_password_file/d' "$au/kong.ini"
	up rem; "$KONG" check -c "$au" -q 2>/dev/null; down rem
	m=$(mails "$authdir")
	KONG_SMTP_PASSWORD=s3cret-pw "$KONG" check -c "$au" -q 2> "$tmp/auth.err"
	is "$(sqlite3 "$au/kong.db" "SELECT count(*) FROM alert_outbox WHERE delivered_us IS NULL")" 0 \
	    "the password from \$KONG_SMTP_PASSWORD: everything delivered, the held mails too"
	ok_more=$(( $(mails "$authdir") - m ))
	is "$([ $ok_more -ge 1 ] && echo yes)" yes "($ok_more mails)"
	up rem
fi

echo "1..$n"
