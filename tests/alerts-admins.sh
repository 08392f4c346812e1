#!/bin/bash
# alerts-admins.sh: the admins are told of Kong's own problems, against a
# real SMTP server (aiosmtpd) and webhook receiver on loopback: mail that
# cannot be delivered (told by the webhook now, by mail once mail works,
# once per outage), a webhook that fails (told by mail in the same run), a
# store that cannot be opened (nothing checked, the admins told without
# it). TAP output; a failure names this file and its line.
: "${top_srcdir:=.}" "${top_builddir:=.}" "${KONG:=$top_builddir/kong}"
. "$top_srcdir/tests/testsite-lib.sh"
TEST_NAME=tests/alerts-admins.sh
. "$top_srcdir/tests/alerts-lib.sh"
state_sites rem
hookdir=$tmp/hook
hook_start "$hookdir"
hooks() { ls "$hookdir" | grep -c '\.json$'; }
# The webhook documents about Kong itself: "KIND|SUBJECT" lines.
kong_docs() {
	for f in "$hookdir"/*.json; do
		[ -e "$f" ] || continue
		jq -r 'select(.kong != null) | "\(.kong)|\(.subject)"' "$f"
	done
}

# A port with nothing on it (yet): the SMTP server comes there later.
maildir=$tmp/mail
smtp_start "$maildir"
SPORT=$SMTP_PORT
kill "$SMTP_PID"; wait "$SMTP_PID" 2>/dev/null

inv=$tmp/fleet
rem_fleet "$inv" <<INI
[kong]
admins = ops@example.com
smtp = smtp://127.0.0.1:$SPORT
smtp_insecure = yes
mail_from = kong@example.com
webhook = http://127.0.0.1:$HP/hook/T000/SECRET-TOKEN
failure_threshold = 1
alert_retries = 1
alert_retry_delay = 50ms
timeout = 5s
INI
check() { "$KONG" check -c "$inv" -q 2> "$tmp/check.err"; }
run_end() { jq -c 'select(.record == "run_end") | .alerts' "$inv/kong.jsonl" | tail -1; }

# --- mail cannot be delivered: the webhook tells the admins now ------------
down rem
check
is "$?" 1 "rem fails; the mail server is down"
has "$tmp/check.err" 'mail to rem@example.com not delivered after 2 attempts' \
    "the undelivered mail is reported on stderr"
is "$(kong_docs)" "undelivered|Kong: 2 alert messages could not be delivered" \
    "the webhook gets one document about Kong itself"
doc=$(grep -l '"kong":"undelivered"' "$hookdir"/*.json | head -1)
is "$(jq -r '[.undelivered[] | "\(.transport) \(.to)"] | join(",")' "$doc")" \
    "mail rem@example.com,mail ops@example.com" "naming each message that was not delivered"
has "$doc" 'tried again at every run' "and saying what happens to them"
is "$(run_end | jq -r .admins_told)" 2 "run_end: the admins were told (a mail kept, the webhook sent)"
is "$(sqlite3 "$inv/kong.db" "SELECT count(*) FROM alert_outbox WHERE subject LIKE 'Kong: 2 alert%' AND transport = 'mail' AND delivered_us IS NULL AND attempts = 0")" \
    1 "the admins' mail waits in the outbox, not tried on the mail server that failed"
n1=$(hooks)
check
is "$?" 1 "the next run: rem still fails, mail still down"
is "$(kong_docs | wc -l)" 1 "told once per outage: no second document"
is "$(( $(hooks) - n1 ))" 0 "and nothing new to post"

# --- mail works again: everything held comes, with the admins' message -----
SMTP_AT=$SPORT smtp_start "$maildir"
up rem
check
is "$?" 0 "rem passes; the mail server is back"
wait_i=0
while [ "$(mails "$maildir")" -lt 5 ] && [ $wait_i -lt 100 ]; do sleep 0.05; wait_i=$((wait_i + 1)); done
is "$(got "$maildir" 0)" "ops@example.com|Kong: 1 failing (rem)
ops@example.com|Kong: 1 recovered (rem)
ops@example.com|Kong: 2 alert messages could not be delivered
rem@example.com|Kong: 1 failing (rem)
rem@example.com|Kong: 1 recovered (rem)" \
    "the held mails, the recovery and the admins' message about the outage"
f=$(grep -l 'could not be delivered' $(new_mails "$maildir" 0) | head -1)
part "$f" text > "$tmp/text"
has "$tmp/text" '^- mail to rem@example.com: not delivered after 2 attempts: ' \
    "the admins' mail lists what was held and why"
has "$tmp/text" 'If this came by mail, mail works again' "and says what its arrival means"
is "$(sqlite3 "$inv/kong.db" "SELECT count(*) FROM alert_meta WHERE key = 'delivery_trouble'")" 0 \
    "the outage is over: the next one is told again"

# --- the webhook fails: the admins are told by mail, in the same run ---------
echo 500 > "$hookdir/status"
m=$(mails "$maildir")
down rem
check
is "$?" 1 "rem fails; the webhook answers 500"
has "$tmp/check.err" 'webhook to http://127.0.0.1:[0-9]+/hook/T000/SECRET-TOKEN not delivered after 2 attempts' \
    "the failed webhook is reported on stderr"
wait_i=0
while [ "$(mails "$maildir")" -lt $((m + 3)) ] && [ $wait_i -lt 100 ]; do sleep 0.05; wait_i=$((wait_i + 1)); done
is "$(got "$maildir" $m)" "ops@example.com|Kong: 1 alert message could not be delivered
ops@example.com|Kong: 1 failing (rem)
rem@example.com|Kong: 1 failing (rem)" "the admins get a mail about the webhook in the same run"
f=$(grep -l 'could not be delivered' $(new_mails "$maildir" $m) | head -1)
part "$f" text > "$tmp/text"
has "$tmp/text" '^- webhook to the webhook: not delivered after 2 attempts: the webhook answered 500' \
    "naming the webhook and its answer"
hasnt "$tmp/text" 'SECRET-TOKEN' "without its URL (a token)"
rm -f "$hookdir/status"
up rem
check

# --- the store cannot be opened: nothing runs, the admins are told ---------
bad=$tmp/badstore
mkdir -p "$bad/kong.db/x"
sed "s|^\[kong\]|[kong]\nlog = $bad/kong.jsonl|" "$inv/kong.ini" > "$bad/kong.ini"
m=$(mails "$maildir")
n1=$(hooks)
"$KONG" check -c "$bad" -q 2> "$tmp/bad.err"
is "$?" 3 "a store that cannot be opened: exit 3"
has "$tmp/bad.err" 'cannot open the store' "it says so"
is "$(got "$maildir" $m)" "ops@example.com|Kong: the store cannot be opened; nothing was checked" \
    "the admins get a mail, without the store"
f=$(new_mails "$maildir" $m | head -1)
part "$f" text > "$tmp/text"
has "$tmp/text" "could not open the store $bad/kong.db" "naming the store"
is "$(( $(hooks) - n1 ))" 1 "and the webhook one document"
is "$(kong_docs | tail -1)" "store|Kong: the store cannot be opened; nothing was checked" \
    "about the store"
if [ ! -s "$bad/kong.jsonl" ]; then ok "nothing was checked"; else notok "the log got records"; fi

echo "1..$n"
