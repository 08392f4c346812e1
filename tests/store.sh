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

# --- a sweep prunes and packs once an hour at most ----------------------------
# In a copy of the fleet; a raw result from long ago (as if the retention
# had just been lowered).
pinv=$tmp/fleet-prune
cp -r "$inv" "$pinv"
q "$pinv/kong.db" "INSERT INTO results(pair, start_us, run, status, failed, duration_us) SELECT pair, 1000000, run, 0, 0, 1000 FROM latest LIMIT 1" > /dev/null
pruned=$(q "$pinv/kong.db" "SELECT value FROM meta WHERE key = 'pruned_us'")
[ -n "$pruned" ] && ok "a sweep's prune is recorded ($pruned)" || notok "no pruned_us in meta"
"$KONG" check -c "$pinv" -q
is "$(q "$pinv/kong.db" "SELECT value FROM meta WHERE key = 'pruned_us'")" "$pruned" \
    "the next sweep within the hour does not prune again"
is "$(q "$pinv/kong.db" 'SELECT count(*) FROM results WHERE start_us = 1000000')" 1 "so the old result is still there"
q "$pinv/kong.db" "UPDATE meta SET value = value - 3601000000 WHERE key = 'pruned_us'" > /dev/null
"$KONG" check -c "$pinv" -q
is "$(q "$pinv/kong.db" 'SELECT count(*) FROM results WHERE start_us = 1000000')" 0 \
    "an hour after the last prune, a sweep prunes"
[ "$(q "$pinv/kong.db" "SELECT value FROM meta WHERE key = 'pruned_us'")" -gt "$pruned" ] &&
    ok "and records it" || notok "pruned_us not advanced"

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

# --- the WAL is checkpointed as the ingest goes, not only at its end ----------
# Each batch of 5,000 results adds about 6 MB of WAL; without checkpoints
# it would hold the whole ingest (29 MB for this log, 20 GB for 13 M).
wdb=$tmp/wal.db
"$KONG" store --store "$wdb" -q ingest "$big" &
pid=$!
wal=0
while kill -0 $pid 2>/dev/null; do
	w=$(stat -c %s "$wdb-wal" 2>/dev/null || echo 0)
	[ "$w" -gt "$wal" ] && wal=$w
	sleep 0.01
done
wait $pid
is "$([ "$wal" -gt 0 ] && [ "$wal" -lt 15000000 ] && echo yes)" yes \
    "the WAL stays near one batch during a long ingest (at most $wal bytes)"

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

# --- packed rollups: hours after a day, days after 8 --------------------------
cat > "$tmp/cold.py" <<'PY'
# The packed rollups of a period, as documented in docs/store.md: prints
# "count failures periods oldest" and complains about what is not sane.
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
period = int(sys.argv[2])
def varint(b, i):
    v = shift = 0
    while True:
        c = b[i]; i += 1
        v |= (c & 0x7f) << shift; shift += 7
        if not c & 0x80:
            return v, i
count = fails = n = 0
oldest = None
for block, blob in db.execute("SELECT block, packed FROM rollups_cold "
                              "WHERE period = ? ORDER BY pair, block", (period,)):
    have = int.from_bytes(blob[:4], "little")
    i = 4
    for slot in range(32):
        if not have >> slot & 1:
            continue
        c, i = varint(blob, i); f, i = varint(blob, i)
        lo, i = varint(blob, i); hi, i = varint(blob, i); sm, i = varint(blob, i)
        p50, p95 = blob[i], blob[i + 1]; i += 2
        if not (0 < c and f <= c and lo <= hi and lo * c <= sm + c and sm <= hi * c + c and p50 <= p95):
            print("bad slot", block, slot, c, f, lo, hi, sm, p50, p95)
        count += c; fails += f; n += 1
        t = block + slot * period
        oldest = t if oldest is None or t < oldest else oldest
    if i != len(blob):
        print("trailing bytes in block", block)
print(count, fails, n, oldest)
PY
now=$(date +%s)
pk=$tmp/pack.jsonl
python3 "$top_srcdir/bench/genlog" --seed 3 3 1 50 60 > "$pk"
pdb=$tmp/pack.db
"$KONG" store --store "$pdb" -q ingest "$pk"
total=$(grep -c '"record":"result"' "$pk")
failed=$(grep '"record":"result"' "$pk" | grep -c '"status":"fail"')
read -r dc df dn dold <<EOF2
$(python3 "$tmp/cold.py" "$pdb" 86400)
EOF2
is "$(q "$pdb" "SELECT count(*) FROM rollups WHERE period = 86400 AND t < $now - 9 * 86400")" 0 \
    "no daily row older than 8 days: they are packed"
is "$(q "$pdb" "SELECT count(*) FROM rollups WHERE period = 3600 AND t < $now - 26 * 3600")" 0 \
    "no hourly row older than a day"
is "$(( dc + $(q "$pdb" 'SELECT sum(count) FROM rollups WHERE period = 86400') ))" "$total" \
    "packed and unpacked days count every result once"
is "$(( df + $(q "$pdb" 'SELECT sum(failures) FROM rollups WHERE period = 86400') ))" "$failed" \
    "and every failure"
is "$(python3 "$tmp/cold.py" "$pdb" 3600 | grep -c bad)$(python3 "$tmp/cold.py" "$pdb" 86400 | grep -c bad)" 00 \
    "every packed hour and day is sane (min <= max, sum between, p50 <= p95)"
is "$(q "$pdb" "SELECT count(*) FROM rollups_cold WHERE period = 3600 AND block < $now - 8 * 86400 - 32 * 3600")" 0 \
    "packed hours go after 8 days"
is "$([ "$dn" -ge $((3 * 41)) ] && echo yes)" yes "about 42 packed days a pair ($dn for 3 pairs)"
"$KONG" html --store "$pdb" --out "$tmp/pack-html" > /dev/null
page=$tmp/pack-html/sites/site00001/home.html
for span in "365 d" "30 d" "7 d"; do
	pts=$(python3 - "$page" "$span" <<'PY'
import re, sys
h = open(sys.argv[1]).read()
fig = h.split("<figcaption>%s:" % sys.argv[2])[1].split("</figure>")[0]
print(len(re.search(r'points="([^"]*)"', fig).group(1).split()))
PY
)
	case $span in
	"365 d") lo=49 hi=52 ;;
	"30 d") lo=30 hi=32 ;;
	"7 d") lo=166 hi=170 ;;
	esac
	is "$([ "$pts" -ge $lo ] && [ "$pts" -le $hi ] && echo yes)" yes \
	    "the $span chart reads packed and unpacked rollups: $pts points"
done
# A log of a day already packed (ingested late) adds to it.
python3 "$top_srcdir/bench/genlog" --seed 4 --now $((now - 20 * 86400)) 3 1 0.05 60 > "$tmp/late.jsonl"
"$KONG" store --store "$pdb" -q ingest "$tmp/late.jsonl"
read -r dc2 df2 dn2 dold2 <<EOF2
$(python3 "$tmp/cold.py" "$pdb" 86400)
EOF2
is "$(( dc2 - dc ))" 3 "a late log of a packed day adds its 3 results to that day"
is "$dn2" "$dn" "without a day more"
cold_before=$(q "$pdb" 'SELECT period, block, hex(packed) FROM rollups_cold ORDER BY 1, 2, pair' | md5sum)
"$KONG" store --store "$pdb" -q rebuild
is "$(q "$pdb" 'SELECT period, block, hex(packed) FROM rollups_cold ORDER BY 1, 2, pair' | md5sum)" \
    "$cold_before" "kong store rebuild packs them the same"

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
