#!/bin/bash
# store.sh: the history store end to end: kong check feeds it, kong store
# ingest is idempotent and follows rotated, truncated and torn logs,
# compressed logs are refused, kill -9 mid-ingest loses nothing, rebuild
# gives the same store, store = none turns it off. TAP output.
: "${top_srcdir:=.}" "${top_builddir:=.}" "${KONG:=$top_builddir/kong}"
. "$top_srcdir/tests/testsite-lib.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kong-store.XXXXXX")
trap 'testsite_stop_all; rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - tests/store.sh:${BASH_LINENO[0]}: $*"; }
notok() { n=$((n + 1)); echo "not ok $n - tests/store.sh:${BASH_LINENO[0]}: $*"; }
is() {
	n=$((n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $n - tests/store.sh:${BASH_LINENO[0]}: $3"
	else
		echo "not ok $n - tests/store.sh:${BASH_LINENO[0]}: $3"
		printf '# got:  %s\n# want: %s\n' "$1" "$2"
	fi
}
q() { sqlite3 "$1" "$2"; }

testsite_start --vhost shop.test --vhost down.test:status=503 || exit 99
P=$TESTSITE_PORT
inv=$tmp/fleet
mkdir -p "$inv"
cat > "$inv/kong.ini" <<INI
[kong]
concurrency = 4
timeout = 5s
resolve = shop.test:$P:127.0.0.1, down.test:$P:127.0.0.1

[type web]

[site shop]
url = http://shop.test:$P/
type = web

[site down]
url = http://down.test:$P/
type = web

[site old]
url = http://old.test:$P/
type = web
live = no

[test home]
types = web
body =
    go {{ site.url }}
    code 200
INI
db=$inv/kong.db
log=$inv/kong.jsonl

# --- kong check feeds the store ------------------------------------------
"$KONG" check -c "$inv" -q; rc=$?
is "$rc" 1 "the sweep ran (one site fails)"
[ -f "$db" ] && ok "kong.db is created beside the log" || notok "no $db"
is "$(q "$db" 'PRAGMA journal_mode')" wal "the store is in WAL mode"
is "$(q "$db" 'SELECT count(*) FROM latest')" 3 "one latest row per pair"
is "$(q "$db" "SELECT p.site || ':' || l.status || ':' || l.streak FROM latest l JOIN pairs p ON p.id = l.pair ORDER BY p.site" | paste -sd, -)" \
    "down:2:1,old:5:0,shop:0:0" "latest status and failing streak per pair"
is "$(q "$db" 'SELECT count(*) FROM results')" 3 "three raw results"
is "$(q "$db" 'SELECT ended || ":" || results || ":" || failures || ":" || exit_status FROM runs')" \
    "1:3:1:1" "the run is recorded with its counts and exit status"
is "$(q "$db" 'SELECT sum(count) FROM rollups WHERE period = 3600')" 2 \
    "hourly rollups count the checked results (not the skipped one)"
is "$(q "$db" 'SELECT sum(count) FROM rollups WHERE period = 86400')" 2 \
    "daily rollups too"
is "$(q "$db" "SELECT json_extract(record, '$.error.message') FROM latest l JOIN pairs p ON p.id = l.pair WHERE p.site = 'down'")" \
    "code is 503 != 200" "the latest full record is kept"

# --- ingest of the same log adds nothing -----------------------------------
out=$("$KONG" store -c "$inv" ingest "$log")
is "$out" "$log: read whole (fed by a sweep); 5 records, 0 new results, 3 already stored" \
    "ingesting the log the sweep fed finds everything stored"
out=$("$KONG" store -c "$inv" ingest "$log")
is "$out" "$log: continued; 0 records, 0 new results, 0 already stored" \
    "a second ingest continues at the end"
"$KONG" check -c "$inv" -q
is "$(q "$db" 'SELECT count(*) FROM results')" 6 "a second sweep adds its results"
is "$(q "$db" "SELECT l.streak FROM latest l JOIN pairs p ON p.id = l.pair WHERE p.site = 'down'")" \
    2 "the failing streak grows"
is "$(q "$db" 'SELECT sum(count) FROM rollups WHERE period = 3600')" 4 "rollups grow"

# --- a fresh store from the log, twice ------------------------------------
fresh=$tmp/fresh.db
"$KONG" store --store "$fresh" -q ingest "$log"
"$KONG" store --store "$fresh" -q ingest "$log"
cp "$log" "$tmp/copy.jsonl"
"$KONG" store --store "$fresh" -q ingest "$tmp/copy.jsonl"
is "$(q "$fresh" 'SELECT count(*) FROM results')" 6 "ingesting twice, and a copy, counts once"
is "$(q "$fresh" 'SELECT sum(count) || "/" || sum(failures) FROM rollups WHERE period = 86400')" \
    "$(q "$db" 'SELECT sum(count) || "/" || sum(failures) FROM rollups WHERE period = 86400')" \
    "the ingested store's rollups equal the fed store's"
is "$(q "$fresh" 'SELECT count(*) FROM runs WHERE ended')" 2 "both runs, ended"

# --- logrotate: renamed, then a new log -------------------------------------
mv "$log" "$log.1"
"$KONG" check -c "$inv" -q
out=$("$KONG" store --store "$fresh" ingest "$log.1")
is "$out" "$log.1: continued; 0 records, 0 new results, 0 already stored" \
    "a renamed log is known by its first line and continues"
out=$("$KONG" store --store "$fresh" ingest "$log")
is "$out" "$log: new; 5 records, 3 new results, 0 already stored" \
    "the new log after a rotation is read from its start"
is "$(q "$fresh" 'SELECT count(*) FROM results')" 9 "nothing lost across the rotation"

# --- copytruncate: the same inode, emptied ---------------------------------
cp "$log" "$log.2"
: > "$log"
"$KONG" check -c "$inv" -q
out=$("$KONG" store --store "$fresh" ingest "$log")
is "$out" "$log: restarted (truncated); 5 records, 3 new results, 0 already stored" \
    "a truncated log is read again from its start"
is "$(q "$fresh" 'SELECT count(*) FROM results')" 12 "its new results are in"

# --- compressed logs --------------------------------------------------------
gzip -c "$log.2" > "$log.2.gz"
out=$("$KONG" store --store "$fresh" ingest "$log.2.gz" 2>&1); rc=$?
is "$rc" 3 "a compressed log is refused (exit 3)"
case $out in *"compressed log is not read"*"zcat"*) ok "and the message says what to do" ;;
*) notok "message: $out" ;; esac

# --- a torn last line waits until it is whole ----------------------------------
torn=$tmp/torn.jsonl
head -2 "$log.2" > "$torn"
line=$(sed -n 3p "$log.2")
printf '%s' "${line:0:40}" >> "$torn"
tdb=$tmp/torn.db
out=$("$KONG" store --store "$tdb" ingest "$torn")
is "$out" "$torn: new; 2 records, 1 new result, 0 already stored" "a torn last line is left for later"
printf '%s\n' "${line:40}" >> "$torn"
out=$("$KONG" store --store "$tdb" ingest "$torn")
is "$out" "$torn: continued; 1 record, 1 new result, 0 already stored" "and read once it is whole"

# --- kill -9 during an ingest ---------------------------------------------------
big=$tmp/big.jsonl
python3 "$top_srcdir/bench/genlog" 60 3 2 10 > "$big"
want=$(grep -c '"record":"result"' "$big")
kdb=$tmp/kill.db
"$KONG" store --store "$kdb" -q ingest "$big" &
pid=$!
sleep 0.5
kill -9 $pid 2>/dev/null && killed=yes || killed=no
wait $pid 2>/dev/null
is "$(q "$kdb" 'PRAGMA integrity_check')" ok "after kill -9 ($killed killed) the store is intact"
"$KONG" store --store "$kdb" -q ingest "$big"
is "$(q "$kdb" 'SELECT count(*) FROM results')" "$want" "the next ingest completes it: every result once"
is "$(q "$kdb" 'SELECT sum(count) FROM rollups WHERE period = 86400')" "$want" \
    "and the rollups count each result once"
is "$(q "$kdb" 'SELECT count(*) FROM runs WHERE ended')" \
    "$(grep -c '"record":"run_end"' "$big")" "every run ended"

# --- rebuild ---------------------------------------------------------------------
before=$(q "$fresh" 'SELECT count(*) || ":" || (SELECT sum(count) FROM rollups) FROM results')
"$KONG" store --store "$fresh" -q rebuild; rc=$?
is "$rc" 0 "rebuild exits 0"
is "$(q "$fresh" 'SELECT count(*) FROM results')" 9 \
    "rebuild reads the logs it knows (what copytruncate emptied is gone)"
"$KONG" store --store "$fresh" -q rebuild "$log.2"
is "$(q "$fresh" 'SELECT count(*) || ":" || (SELECT sum(count) FROM rollups) FROM results')" \
    "$before" "rebuild with the saved copy named gives the same store"

# --- retention: raw results go, rollups stay, and nothing counts twice ----------
inv3=$tmp/fleet3
mkdir -p "$inv3"
printf '[kong]\nretention = 1d\nstore = ret.db\n' > "$inv3/kong.ini"
python3 "$top_srcdir/bench/genlog" 5 2 3 60 > "$tmp/old.jsonl"
all=$(grep -c '"record":"result"' "$tmp/old.jsonl")
"$KONG" store -c "$inv3" -q ingest "$tmp/old.jsonl"
rdb=$inv3/ret.db
kept=$(q "$rdb" 'SELECT count(*) FROM results')
[ "$kept" -gt 0 ] && [ "$kept" -lt "$all" ] && ok "retention = 1d keeps $kept of $all raw results" || notok "kept $kept of $all"
is "$(q "$rdb" "SELECT count(*) FROM results WHERE start_us < (strftime('%s', 'now') - 86400 - 60) * 1000000")" 0 \
    "none older than the retention period"
is "$(q "$rdb" 'SELECT sum(count) FROM rollups WHERE period = 86400')" "$all" "the daily rollups count them all"
cp "$tmp/old.jsonl" "$tmp/old-copy.jsonl"
printf '\n' >> "$tmp/old-copy.jsonl"
"$KONG" store -c "$inv3" -q ingest "$tmp/old-copy.jsonl"
is "$(q "$rdb" 'SELECT sum(count) FROM rollups WHERE period = 86400')" "$all" \
    "ingesting the log again (as another file) counts nothing twice, even past retention"
is "$(q "$rdb" 'SELECT count(*) FROM results')" "$kept" "and adds no raw results"

# --- store = none, and [kong] store ---------------------------------------------
inv2=$tmp/fleet2
mkdir -p "$inv2"
sed 's/^concurrency = 4$/concurrency = 4\nstore = none/' "$inv/kong.ini" > "$inv2/kong.ini"
"$KONG" check -c "$inv2" -q
[ ! -e "$inv2/kong.db" ] && ok "store = none: no store" || notok "store = none wrote $inv2/kong.db"
sed 's/^concurrency = 4$/concurrency = 4\nstore = db\/history.sqlite\nretention = 30d/' "$inv/kong.ini" > "$inv2/kong.ini"
mkdir -p "$inv2/db"
"$KONG" check -c "$inv2" -q
is "$(q "$inv2/db/history.sqlite" 'SELECT count(*) FROM latest')" 3 \
    "[kong] store = PATH, relative to the inventory"
out=$("$KONG" check -c "$inv2" -q --store /nonexistent/dir/x.db 2>&1); rc=$?
is "$rc" 1 "a store that cannot be opened does not stop the sweep"
case $out in *"store:"*"checking without it"*) ok "and it says so" ;; *) notok "said: $out" ;; esac
out=$("$KONG" store --store "$fresh" frobnicate 2>&1); rc=$?
is "$rc" 2 "an unknown subcommand is a usage error"

echo "1..$n"
