#!/bin/bash
# alerts-merge.sh: alerts of a sharded run. The same fleet is swept run
# after run as one kong check (which alerts as it ends) and as 4 shards
# side by side (which do not alert), merged with kong merge, ingested into
# a store of their own and alerted once with kong alert --run; each run's
# mails, to a real SMTP server (aiosmtpd) per side, must be the same:
# one per recipient for the whole fleet, not one per shard. TAP output; a
# failure names this file and its line.
: "${top_srcdir:=.}" "${top_builddir:=.}" "${KONG:=$top_builddir/kong}"
. "$top_srcdir/tests/testsite-lib.sh"
TEST_NAME=tests/alerts-merge.sh
. "$top_srcdir/tests/alerts-lib.sh"
if ! command -v parallel > /dev/null; then
	echo "1..0 # SKIP GNU parallel is not installed (.ci/deps)"
	exit 0
fi

sites=$(seq -f 's%02g' 1 24)
state_sites $sites

smtp_start "$tmp/mail-one"
ONE=$SMTP_PORT
smtp_start "$tmp/mail-sharded"
SHARDED=$SMTP_PORT

# fleet DIR SMTP-PORT: 24 sites of 3 types on 3 servers; types and two
# sites have managers of their own.
fleet() {
	mkdir -p "$1"
	{
		printf '[kong]\nadmins = ops@example.com\nsmtp = smtp://127.0.0.1:%s\n' "$2"
		printf 'smtp_insecure = yes\nmail_from = kong@example.com\n'
		printf 'base_url = https://kong.example/\ntimeout = 5s\nconcurrency = 8\n\n'
		for t in news shop blog; do
			printf '[type %s]\nmanagers = %s-team@example.com\n\n' "$t" "$t"
		done
		for k in 1 2 3; do printf '[server web%d]\naddress = 127.0.0.1\n\n' "$k"; done
		i=0
		for s in $sites; do
			i=$((i + 1))
			types=(news shop blog)
			printf '[site %s]\nurl = http://127.0.0.1:%s/%s/\ntype = %s\nservers = web%d\n' \
			    "$s" "$P" "$s" "${types[$((i % 3))]}" $((i % 3 + 1))
			[ $((i % 7)) = 0 ] && printf 'managers = owner-%s@example.com\n' "$s"
			printf '\n'
		done
		printf '[test state]\ntypes = news, shop, blog\nbody =\n'
		printf '    go {{ site.url }}state.txt\n    code 200\n    find "up"\n'
	} > "$1/kong.ini"
}
one=$tmp/one
sharded=$tmp/sharded
fleet "$one" "$ONE"
fleet "$sharded" "$SHARDED"

# sweep N: run N of both sides. The sharded side: 4 shards side by side,
# each with its own log and store, merged, ingested, alerted.
sweep() {
	"$KONG" check -c "$one" -q 2> "$tmp/one.err"
	for k in 1 2 3 4; do mkdir -p "$sharded/shard$k"; done
	parallel -j4 "$KONG" check -c "$sharded" --shard {}/4 --run-id "run$1" \
	    --log "$sharded/shard{}/run$1.jsonl" -q ::: 1 2 3 4 2> "$tmp/shards.err"
	"$KONG" merge "$sharded"/shard[1-4]/run$1.jsonl -o "$sharded/run$1.jsonl" 2>> "$tmp/shards.err"
	"$KONG" store -c "$sharded" --store "$sharded/kong.db" ingest -q "$sharded/run$1.jsonl"
	"$KONG" alert -c "$sharded" --run "run$1" > "$tmp/alert.out" 2> "$tmp/alert.err"
}
# What each mail after the first $2 of maildir $1 says, one line a mail,
# sorted: to, subject and the text part (lines joined by ~), times and run
# ids made alike.
said() {
	for f in $(new_mails "$1" "$2"); do
		printf '%s|%s|%s\n' "$(part "$f" to)" "$(part "$f" subject)" \
		    "$(part "$f" text | sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:]{8}(\.[0-9]+)?Z?/TIME/g;
		    s/20[0-9]{6}T[0-9]{6}Z-[0-9a-f]{6}|run[0-9]+/RUN/g' | tr '\n' '~')"
	done | sort
}
# Compare run N's mails on both sides (after m1 and m2 mails).
compare() {
	said "$tmp/mail-one" "$m1" > "$tmp/one.$1"
	said "$tmp/mail-sharded" "$m2" > "$tmp/sharded.$1"
	if diff "$tmp/one.$1" "$tmp/sharded.$1" > "$tmp/diff.$1"; then
		ok "$2"
	else
		notok "$2"
		sed 's/^/# /' "$tmp/diff.$1" | head -30
	fi
}
count() { m1=$(mails "$tmp/mail-one"); m2=$(mails "$tmp/mail-sharded"); }

# Run 1: everything passes. Run 2: six sites on three servers fail once.
count
sweep 1
is "$(mails "$tmp/mail-sharded")" 0 "run 1, all passing: no mail from the merged run"
has "$tmp/shards.err" 'a shard does not alert' "the shards say that they leave alerting to the merged run"
down s02 s05 s09 s13 s17 s21
sweep 2
is "$(mails "$tmp/mail-one"):$(mails "$tmp/mail-sharded")" 0:0 "run 2, failing once: no mail on either side"

# Run 3: failing twice, the alerts go out.
count
sweep 3
has "$tmp/alert.out" '^run run3: [1-9][0-9]* messages? queued' "kong alert --run run3 decides the merged run's alerts"
compare 3 "run 3: the merged run's mails are the unsharded run's (recipients, subjects, texts)"
got "$tmp/mail-sharded" "$m2" | cut -d'|' -f1 > "$tmp/rcpt3"
is "$(sort "$tmp/rcpt3" | uniq -d | wc -l)" 0 "one mail per recipient for the whole fleet"
is "$(wc -l < "$tmp/rcpt3")" "$(($(mails "$tmp/mail-one") - m1))" "as many as the unsharded run sent"
has "$tmp/rcpt3" '^ops@example.com$' "the admins among them"
is "$(grep -c '^ops@example.com|Kong: 6 failing' "$tmp/sharded.3")" 1 "the admin's mail lists all six failures"

# kong alert --run run3 again: nothing new.
m=$(mails "$tmp/mail-sharded")
"$KONG" alert -c "$sharded" --run run3 > "$tmp/again.out" 2> "$tmp/again.err"
is "$?" 0 "kong alert --run run3 a second time: exit 0"
has "$tmp/again.err" 'were decided already' "and says the run's alerts were decided already"
is "$(mails "$tmp/mail-sharded")" "$m" "and sends nothing"
"$KONG" alert -c "$sharded" --run run2 2> "$tmp/older.err"
has "$tmp/older.err" 'not newer than run run3' "an older run is refused: alert state only moves forward"
"$KONG" alert -c "$sharded" --run nosuch 2> "$tmp/nosuch.err"
is "$?" 2 "a run the store does not have: exit 2"
has "$tmp/nosuch.err" 'no finished run nosuch' "named"
"$KONG" alert -c "$sharded" --dry-run --run run3 > "$tmp/dry3"
has "$tmp/dry3" '^=== mail to ops@example.com: delivered' "--dry-run --run run3 shows what was sent"

# Run 4: still failing (no mail), two recover. Run 5: recovered mails.
up s02 s05
count
sweep 4
compare 4 "run 4: two recover; the same mails on both sides"
count
sweep 5
is "$(mails "$tmp/mail-one"):$(mails "$tmp/mail-sharded")" "$m1:$m2" "run 5, nothing changed: no mail on either side"

# A run not alerted yet, seen with --dry-run: printed, nothing kept.
up s09 s13 s17 s21
for k in 1 2 3 4; do
	"$KONG" check -c "$sharded" --shard $k/4 --run-id run6 --log "$sharded/shard$k/run6.jsonl" -q 2> /dev/null
done
"$KONG" merge "$sharded"/shard[1-4]/run6.jsonl -o "$sharded/run6.jsonl"
"$KONG" store -c "$sharded" --store "$sharded/kong.db" ingest -q "$sharded/run6.jsonl"
count
"$KONG" alert -c "$sharded" --dry-run --run run6 > "$tmp/dry6"
has "$tmp/dry6" 'not decided yet' "--dry-run on a run not alerted yet: says what would be queued"
has "$tmp/dry6" 'Subject: Kong: 4 recovered' "the recoveries it would send"
is "$(mails "$tmp/mail-sharded")" "$m2" "and sends nothing"
"$KONG" alert -c "$sharded" --run last > "$tmp/last.out" 2>&1
has "$tmp/last.out" '^run run6: [1-9][0-9]* messages? queued' "--run last decides the newest run, which --dry-run left undecided"
is "$(got "$tmp/mail-sharded" "$m2" | grep -c '|Kong: 4 recovered')" 1 "the admin's recovery mail, once"

echo "1..$n"
