#!/bin/bash
# shard.sh: one sweep split across "machines" and put back together: kong
# check --shard against a real loopback site, the shards run side by side
# with GNU parallel, kong merge and every way a set of shards can fail to
# add up, kong list --shards, and the deploy recipes' manifests. TAP
# output; a failure names this file and its line.
: "${top_srcdir:=.}" "${top_builddir:=.}" "${KONG:=$top_builddir/kong}"
. "$top_srcdir/tests/testsite-lib.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kong-shard.XXXXXX")
trap 'testsite_stop_all; [ -n "${SHARD_KEEP:-}" ] || rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - tests/shard.sh:${BASH_LINENO[0]}: $*"; }
notok() { n=$((n + 1)); echo "not ok $n - tests/shard.sh:${BASH_LINENO[0]}: $*"; }
# is GOT WANT NAME
is() {
	if [ "$1" = "$2" ]; then
		n=$((n + 1)); echo "ok $n - tests/shard.sh:${BASH_LINENO[0]}: $3"
	else
		n=$((n + 1)); echo "not ok $n - tests/shard.sh:${BASH_LINENO[0]}: $3"
		printf '# got:  %s\n# want: %s\n' "$1" "$2"
	fi
}
# has FILE REGEX NAME
has() {
	if grep -qE -- "$2" "$1"; then
		n=$((n + 1)); echo "ok $n - tests/shard.sh:${BASH_LINENO[0]}: $3"
	else
		n=$((n + 1)); echo "not ok $n - tests/shard.sh:${BASH_LINENO[0]}: $3"
		sed 's/^/# /' "$1"
	fi
}
kong() { $KONG_WRAPPER "$KONG" "$@"; }

testsite_start || exit 99
P=$TESTSITE_PORT

# A fleet of 48 sites, on 6 servers, one not live; every third site also
# runs a test that fails, so the results are not all alike.
mkfleet() {	# DIR [URL-OF-SITE-7]
	mkdir -p "$1"
	{
		printf '[kong]\nconcurrency = 16\ntimeout = 5s\n\n[type news]\n\n'
		for s in 1 2 3 4 5 6; do
			printf '[server web%d]\naddress = 127.0.0.1\n\n' "$s"
		done
		for i in $(seq 1 48); do
			url=http://127.0.0.1:$P/
			[ "$i" = 7 ] && [ -n "${2:-}" ] && url=$2
			printf '[site s%02d]\nurl = %s\ntype = news\nservers = web%d\n' \
			    "$i" "$url" $((i % 6 + 1))
			[ $((i % 3)) = 0 ] && printf 'tags = flaky\n'
			[ "$i" = 48 ] && printf 'live = no\n'
			printf '\n'
		done
		printf '[test home]\ntypes = news\nbody =\n    go {{ site.url }}\n'
		printf '    code 200\n    find "Kong test site"\n\n'
		printf '[test gone]\ntags = flaky\nbody =\n    go {{ site.url }}no-such-page\n'
		printf '    code 200\n'
	} > "$1/kong.ini"
}
inv=$tmp/fleet
mkfleet "$inv"

# What a log says, one line per pair, in an order of its own.
results() { jq -r 'select(.record=="result") | [.site, .test, (.server // "-"), .status, (.error_class // "-")] | join(" ")' "$@" | sort; }

# --- the whole fleet as one run, and as 4 shards side by side ------------
kong check -c "$inv" --log "$tmp/whole.jsonl" -q
is "$?" 1 "the whole fleet in one run: some checks fail (exit 1)"
parallel -j4 "$KONG" check -c "$inv" --shard {}/4 --run-id r4 --log "$tmp/s{}.jsonl" -q ::: 1 2 3 4
is "$?" 4 "4 shards side by side with GNU parallel: each has a failing check"
results "$tmp/whole.jsonl" > "$tmp/whole.txt"
results "$tmp"/s[1-4].jsonl > "$tmp/shards.txt"
is "$(wc -l < "$tmp/whole.txt")" 64 "the whole run has every pair (48 home, 16 gone)"
is "$(diff "$tmp/whole.txt" "$tmp/shards.txt" && echo same)" same "the 4 shards give the same set of results as one run"
is "$(cut -d' ' -f1-3 "$tmp/shards.txt" | sort | uniq -d | wc -l)" 0 "no pair is in two shards"
is "$(for k in 1 2 3 4; do jq -r 'select(.record=="result") | .site' "$tmp/s$k.jsonl" | sort -u; done | sort | uniq -d | wc -l)" 0 \
    "no site is split between shards"
empty=0
for k in 1 2 3 4; do [ "$(jq -s 'map(select(.record=="result")) | length' "$tmp/s$k.jsonl")" -gt 0 ] || empty=1; done
is "$empty" 0 "every shard got some of the 48 sites"
is "$(jq -r 'select(.record=="run_start") | .run' "$tmp"/s[1-4].jsonl | sort -u)" r4 "every shard's records share the run id"
is "$(jq -r 'select(.record=="result") | .run' "$tmp"/s[1-4].jsonl | sort -u)" r4 "and so do their results"
is "$(jq -c 'select(.record=="run_start") | [.shard.index, .shard.count, .shard.by, .shard.run_pairs]' "$tmp"/s[1-4].jsonl | paste -sd' ')" \
    '[1,4,"site",64] [2,4,"site",64] [3,4,"site",64] [4,4,"site",64]' "run_start: the shard, of how many, by what, and the run's pairs"
is "$(jq -r 'select(.record=="run_start") | .shard.inventory_hash' "$tmp"/s[1-4].jsonl | sort -u | wc -l)" 1 "one inventory hash for all shards"
is "$(jq -r 'select(.record=="run_start") | .shard.inventory_hash' "$tmp/s1.jsonl" | grep -cE '^[0-9a-f]{16}$')" 1 "the hash is 16 hex digits"
is "$(jq -s '[.[] | select(.record=="run_start") | .pairs] | add' "$tmp"/s[1-4].jsonl)" 64 "the shards' pairs add up to the run's"
is "$(jq -c 'select(.record=="run_end") | .shard.index' "$tmp"/s[1-4].jsonl | paste -sd,)" 1,2,3,4 "run_end names its shard too"

# kong list --pairs --shards 4 says where each pair runs.
kong list -c "$inv" --pairs --shards 4 --json > "$tmp/list4.json"
is "$(jq -r 'select(.kind=="pair") | "\(.site) \(.test) \(.shard)"' "$tmp/list4.json" | sort)" \
    "$(for k in 1 2 3 4; do jq -r --arg k "$k" 'select(.record=="result") | "\(.site) \(.test) \($k)"' "$tmp/s$k.jsonl"; done | sort)" \
    "kong list --pairs --shards 4 names the shard each pair ran in"
is "$(jq -s -c 'map(select(.kind=="shard") | .pairs)' "$tmp/list4.json")" \
    "$(jq -s -c 'map(select(.record=="run_start") | .pairs)' "$tmp"/s[1-4].jsonl)" "and counts each shard's pairs"
kong list -c "$inv" --pairs --shards 4 > "$tmp/list4.txt"
has "$tmp/list4.txt" '^Shards \(4, by site\): imbalance [0-9.]+%' "the table says the imbalance"
has "$tmp/list4.txt" '^  SITE +TEST +SERVER +STATUS +SHARD$' "and has a SHARD column"

# --- merge ------------------------------------------------------------------
kong merge "$tmp"/s[1-4].jsonl -o "$tmp/merged.jsonl"
is "$?" 0 "kong merge of the 4 shards: exit 0"
is "$(results "$tmp/merged.jsonl" | diff - "$tmp/whole.txt" && echo same)" same "the merged run has the results of the whole run"
is "$(jq -s -c 'map(.record) | [first, last, length]' "$tmp/merged.jsonl")" '["run_start","run_end",66]' "one run_start, 64 results, one run_end"
is "$(jq -c 'select(.record=="run_end") | .totals' "$tmp/merged.jsonl")" "$(jq -c 'select(.record=="run_end") | .totals' "$tmp/whole.jsonl")" \
    "the merged run_end's totals are the whole run's"
is "$(jq -c 'select(.record=="run_end") | .exit_status' "$tmp/merged.jsonl")" 1 "and its exit status is the sweep's"
is "$(jq -c 'select(.record=="run_start") | [.pairs, .shard.index, (.shard.merged | map(.index))]' "$tmp/merged.jsonl")" '[64,null,[1,2,3,4]]' \
    "the merged run_start covers the run and names every shard"
sed -n '/^```shell$/,/^```$/p' "$top_srcdir/docs/jsonl.md" | grep '^jq ' > "$tmp/oneliners"
is "$(wc -l < "$tmp/oneliners")" 2 "docs/jsonl.md has jq one-liners for merged runs"
while IFS= read -r line; do
	out=$(eval "${line//kong.jsonl/$tmp/merged.jsonl}" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && [ -n "$out" ]; then
		ok "docs/jsonl.md: $line"
	else
		notok "docs/jsonl.md: $line (exit $rc, output '$out')"
	fi
done < "$tmp/oneliners"
is "$(jq -c 'select(.record=="run_end" and .shard.merged != null) | [.run, .exit_status, (.shard.merged | map(.exit_status))]' "$tmp/merged.jsonl")" \
    '["r4",1,[1,1,1,1]]' "the merged run_end keeps each shard's exit status"
kong merge "$tmp"/s[4321].jsonl > "$tmp/merged2.jsonl"
is "$(results "$tmp/merged2.jsonl" | diff - "$tmp/whole.txt" && echo same)" same "the order of the logs does not matter; default output is stdout"
kong merge "$tmp"/s[1-4].jsonl -o "$tmp/merged.jsonl" 2> "$tmp/err"
is "$?" 2 "merging into a log that already holds the run: exit 2"
has "$tmp/err" "already holds run r4" "and says so"

# --- the merged run reads as the run in one piece ---------------------------
# Reports, kong diff and the store, on the merged run and on the whole
# run, are equal but for run ids, times and durations.
norm() {
	sed -E -e 's/\\-/-/g' -e 's/20[0-9]{6}T[0-9]{6}Z-[0-9a-f]{6}|\br4\b/RUN/g' \
	    -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\.[0-9]+)?Z/TIME/g' \
	    -e 's/(time="|duration_s: |in )[0-9.]+/\1N/g' \
	    -e 's/[0-9.]+ s\b/N s/g; s/\(([0-9.]+) checks\/s\)/(N checks\/s)/' \
	    -e '/^Slowest$/,$d'
}
for f in junit tap markdown summary html; do
	kong report "$f" "$tmp/whole.jsonl" | norm > "$tmp/whole.$f"
	kong report "$f" "$tmp/merged2.jsonl" | norm > "$tmp/merged.$f"
	if diff "$tmp/whole.$f" "$tmp/merged.$f" > "$tmp/diff.$f"; then
		ok "kong report $f: the merged run's report is the whole run's"
	else
		notok "kong report $f: the merged run's report differs from the whole run's"
		sed 's/^/# /' "$tmp/diff.$f" | head -20
	fi
done
grep -q '^ok ' "$tmp/whole.tap" && grep -q '^not ok ' "$tmp/whole.tap"
is "$?" 0 "(the reports compared have passes and failures)"
kong diff "$tmp/whole.jsonl" "$tmp/merged2.jsonl" > "$tmp/diff.out"
is "$?" 0 "kong diff whole merged: nothing regressed"
has "$tmp/diff.out" ': 0 new failures, 0 slower, 0 fixed, 15 still failing$' "and nothing changed outcome"
kong store --store "$tmp/whole.db" ingest -q "$tmp/whole.jsonl"
kong store --store "$tmp/merged.db" ingest -q "$tmp/merged2.jsonl"
kong html -c "$inv" --store "$tmp/whole.db" --out "$tmp/whole.site" > /dev/null
kong html -c "$inv" --store "$tmp/merged.db" --out "$tmp/merged.site" > /dev/null
latest() { jq -c '[.. | objects | select(has("site") and has("test") and has("status")) | {site, test, server, status, message}] | unique' "$1/api/v1/status.json"; }
is "$(latest "$tmp/merged.site")" "$(latest "$tmp/whole.site")" "the store's latest results of the merged run are the whole run's"
is "$(latest "$tmp/whole.site" | jq length)" 64 "(all 64 pairs)"

# Missing, duplicated and unfinished shards, mixed inventories.
merge_fails() {	# NAME REGEX LOGS...
	_name=$1 _re=$2
	shift 2
	kong merge "$@" > "$tmp/out" 2> "$tmp/err"
	_rc=$?
	if [ "$_rc" = 2 ] && [ ! -s "$tmp/out" ] && grep -qE -- "$_re" "$tmp/err"; then
		n=$((n + 1)); echo "ok $n - tests/shard.sh:${BASH_LINENO[0]}: $_name"
	else
		n=$((n + 1)); echo "not ok $n - tests/shard.sh:${BASH_LINENO[0]}: $_name (exit $_rc)"
		sed 's/^/# /' "$tmp/err"
	fi
}
merge_fails "a missing shard: exit 2, nothing written, named" "shard 3 of 4 is missing" "$tmp/s1.jsonl" "$tmp/s2.jsonl" "$tmp/s4.jsonl"
cp "$tmp/s2.jsonl" "$tmp/s2-again.jsonl"
merge_fails "a duplicated shard: named with both logs" "shard 2/4 is there twice: .*s2.jsonl:1 and .*s2-again.jsonl:1" \
    "$tmp"/s[1-4].jsonl "$tmp/s2-again.jsonl"
head -n -1 "$tmp/s3.jsonl" > "$tmp/s3-cut.jsonl"
merge_fails "an unfinished shard (no run_end): named" "shard 3/4 \(.*s3-cut.jsonl:1\) did not finish" \
    "$tmp/s1.jsonl" "$tmp/s2.jsonl" "$tmp/s3-cut.jsonl" "$tmp/s4.jsonl"
head -n -2 "$tmp/s3.jsonl" > "$tmp/s3-lost.jsonl"
tail -n 1 "$tmp/s3.jsonl" >> "$tmp/s3-lost.jsonl"
merge_fails "a shard that lost a result record: its counts do not add up" "shard 3/4 .* does not add up" \
    "$tmp/s1.jsonl" "$tmp/s2.jsonl" "$tmp/s3-lost.jsonl" "$tmp/s4.jsonl"
mkfleet "$tmp/other" "http://127.0.0.1:$P/?other"
kong check -c "$tmp/other" --shard 4/4 --run-id r4 --log "$tmp/s4-other.jsonl" -q
merge_fails "a shard of another inventory: mixed inventories, named" "mixed inventories: .*s1.jsonl:1 \(shard 1\) has inventory hash \"[0-9a-f]+\", .*s4-other.jsonl:1 \(shard 4\)" \
    "$tmp/s1.jsonl" "$tmp/s2.jsonl" "$tmp/s3.jsonl" "$tmp/s4-other.jsonl"
kong check -c "$inv" --shard 4/4 --run-id r4 --timeout 7s --log "$tmp/s4-opts.jsonl" -q
merge_fails "a shard run with other options: named" "has options .*timeout_ms\":5000.*timeout_ms\":7000" \
    "$tmp/s1.jsonl" "$tmp/s2.jsonl" "$tmp/s3.jsonl" "$tmp/s4-opts.jsonl"
kong check -c "$inv" --shard 1/5 --run-id r4 --log "$tmp/s1-of5.jsonl" -q
merge_fails "shards of different counts: named" "is one of 5 shards" "$tmp/s1-of5.jsonl" "$tmp/s2.jsonl" "$tmp/s3.jsonl" "$tmp/s4.jsonl"
merge_fails "a log without the run: named" "whole.jsonl: no record of run r4" "$tmp"/s[1-4].jsonl "$tmp/whole.jsonl"
merge_fails "an unsharded run is not merged" "was not sharded" "$tmp/whole.jsonl"
# A shard retried by its scheduler: the killed attempt, then a whole one.
{ head -n 3 "$tmp/s2.jsonl"; cat "$tmp/s2.jsonl"; } > "$tmp/s2-retried.jsonl"
kong merge "$tmp/s1.jsonl" "$tmp/s2-retried.jsonl" "$tmp/s3.jsonl" "$tmp/s4.jsonl" > "$tmp/retried.jsonl" 2> "$tmp/err"
is "$?" 0 "a retried shard merges: the last attempt counts"
has "$tmp/err" "s2-retried.jsonl:1: an earlier attempt of shard 2/4, superseded" "and the earlier one is named as superseded"
is "$(results "$tmp/retried.jsonl" | diff - "$tmp/whole.txt" && echo same)" same "with each pair once"
{ cat "$tmp/s2.jsonl"; head -n 3 "$tmp/s2.jsonl"; } > "$tmp/s2-killed.jsonl"
merge_fails "a retry that did not finish: the shard did not finish" "shard 2/4 \(.*s2-killed.jsonl:[0-9]+\) did not finish" \
    "$tmp/s1.jsonl" "$tmp/s2-killed.jsonl" "$tmp/s3.jsonl" "$tmp/s4.jsonl"
# Two shards appending to one log: refused, the records cannot be told apart.
{ head -n 2 "$tmp/s1.jsonl"; head -n 2 "$tmp/s2.jsonl"; } > "$tmp/shared.jsonl"
merge_fails "two shards interleaved in one log: refused" "two shards wrote to one log" "$tmp/shared.jsonl"
# A log with an older run: --run picks, the default is the last.
cat "$tmp/whole.jsonl" "$tmp/s1.jsonl" > "$tmp/s1-appended.jsonl"
kong merge "$tmp/s1-appended.jsonl" "$tmp"/s[234].jsonl > "$tmp/app.jsonl"
is "$?" 0 "a log that holds an older run too: the last run is merged"
kong merge --run r4 "$tmp"/s[234].jsonl "$tmp/s1-appended.jsonl" > /dev/null
is "$?" 0 "--run names it"
kong merge --run nosuch "$tmp"/s[1-4].jsonl > /dev/null 2> "$tmp/err"
is "$?" 2 "--run of a run not there: exit 2"

# A kong bench report is not a log: merge says what merges those.
kong bench -c "$inv" --site s01 --test home --iterations 3 --json "$tmp/bench.json" -q > /dev/null 2>&1
merge_fails "a kong bench report: pointed to kong bench merge" "bench.json is a kong bench report: kong bench merge" "$tmp/bench.json"
merge_fails "also when it is not the first" "bench.json is a kong bench report" "$tmp"/s[1-4].jsonl "$tmp/bench.json"

# Interrupted shards (a node drained): they finish with run_end, and merge.
hang=$tmp/hang
mkdir -p "$hang"
{
	printf '[kong]\nconcurrency = 2\ntimeout = 30s\ngrace = 100ms\n\n[type news]\n\n'
	for i in $(seq 1 12); do printf '[site h%02d]\nurl = http://127.0.0.1:%d/\ntype = news\n\n' "$i" "$P"; done
	printf '[test hang]\ntypes = news\nbody =\n    go {{ site.url }}hang\n'
} > "$hang/kong.ini"
pids=
for k in 1 2; do
	"$KONG" check -c "$hang" --shard $k/2 --run-id int --log "$tmp/int$k.jsonl" -q &
	pids="$pids $!"
done
for i in $(seq 100); do
	[ "$(cat "$tmp"/int[12].jsonl 2>/dev/null | grep -c run_start)" = 2 ] && break
	sleep 0.1
done
sleep 0.5
kill -TERM $pids
wait $pids
kong merge "$tmp/int1.jsonl" "$tmp/int2.jsonl" > "$tmp/int.jsonl" 2> "$tmp/err"
is "$?" 0 "interrupted shards merge (their records and not_started add up)"
is "$(jq -c 'select(.record=="run_end") | [.interrupted, .exit_status, .totals.pairs, .totals.cancelled + .totals.not_started]' "$tmp/int.jsonl")" \
    '[true,4,12,12]' "the merged run is interrupted (exit 4), every pair cancelled or not started"

# --- the shards run by the GNU parallel recipe ------------------------------
HOSTS=: SHARDS=4 KONG=$KONG KONG_RUN_ID=p4 sh "$top_srcdir/examples/deploy/parallel-ssh.sh" "$inv" "$tmp/recipe.jsonl" 2> "$tmp/err"
is "$?" 0 "examples/deploy/parallel-ssh.sh (HOSTS=:) sweeps and merges"
is "$(results "$tmp/recipe.jsonl" | diff - "$tmp/whole.txt" && echo same)" same "with the whole run's results"

# --- assignment: stable, order-free, consistent ------------------------------
assign() { kong list -c "$1" --pairs --shards "$2" --json ${3:+--shard-by "$3"} | jq -r 'select(.kind=="pair") | "\(.site) \(.shard)"' | sort -u; }
big=$tmp/big
mkdir -p "$big"
{
	printf '[type news]\n\n[test home]\ntypes = news\nbody =\n    go {{ site.url }}\n\n'
	for i in $(seq 1 1000); do printf '[site site%04d.example]\nurl = http://127.0.0.1:%d/\ntype = news\n\n' "$i" "$P"; done
} > "$big/kong.ini"
assign "$big" 4 > "$tmp/a4"
assign "$big" 5 > "$tmp/a5"
moved=$(join "$tmp/a4" "$tmp/a5" | awk '$2 != $3' | wc -l)
to5=$(join "$tmp/a4" "$tmp/a5" | awk '$2 != $3 && $3 != 5' | wc -l)
[ "$moved" -ge 150 ] && [ "$moved" -le 250 ]
is "$?" 0 "4 -> 5 shards moves about a fifth of 1000 sites ($moved)"
[ "$to5" -le $((moved / 20)) ]
is "$?" 0 "and nearly every site that moves goes to the new shard ($to5 elsewhere)"
# Balance: 100 sites per shard and no shard 10% over the mean (a plain
# hash of the name gave 14% here).
imb=$(kong list -c "$big" --site 'site0[0-3]*' --pairs --shards 4 | sed -n 's/.*imbalance \([0-9.]*\)%.*/\1/p')
awk -v i="$imb" 'BEGIN { exit !(i != "" && i <= 10) }'
is "$?" 0 "399 sites in 4 shards: imbalance at most 10% ($imb%)"
imb=$(kong list -c "$big" --pairs --shards 10 | sed -n 's/.*imbalance \([0-9.]*\)%.*/\1/p')
awk -v i="$imb" 'BEGIN { exit !(i != "" && i <= 10) }'
is "$?" 0 "1000 sites in 10 shards: imbalance at most 10% ($imb%)"
# The same sites in two files, in the other order: the same assignment.
split=$tmp/split
mkdir -p "$split"
sed -n '1,/^\[site site0500/{/^\[site site0500/!p}' "$big/kong.ini" > "$split/b.ini"
sed -n '/^\[site site0500/,$p' "$big/kong.ini" > "$split/a.ini"
is "$(assign "$split" 4 | diff - "$tmp/a4" && echo same)" same "the order of the inventory's files does not change a site's shard"
# The inventory hash: the same content in other files agrees, a change does not.
ihash() { kong check -c "$1" --site 'site000[1-3]*' --shard 1/1 --run-id h --log - -q --timeout 2s 2>/dev/null | jq -r 'select(.record=="run_start") | .shard.inventory_hash'; }
is "$(ihash "$split")" "$(ihash "$big")" "the inventory hash does not depend on files or order"
sed -i 's|^    go {{ site.url }}$|    go {{ site.url }}#|' "$split/b.ini"
h2=$(ihash "$split")
[ -n "$h2" ] && [ "$h2" != "$(ihash "$big")" ]
is "$?" 0 "a changed test changes the inventory hash"
# --shard-by server: each server's sites in one shard.
is "$(kong list -c "$inv" --pairs --shards 3 --shard-by server --json | jq -r 'select(.kind=="pair") | .site' | sort -u | while read -r s; do
	printf '%s %s\n' "$(grep -A3 "^\[site $s\]" "$inv/kong.ini" | sed -n 's/^servers = //p')" \
	    "$(kong list -c "$inv" --pairs --shards 3 --shard-by server --json --site "$s" | jq -r 'select(.kind=="pair") | .shard' | head -1)"
done | sort -u | cut -d' ' -f1 | uniq -d | wc -l)" 0 "--shard-by server: no server's sites are in two shards"
kong check -c "$inv" --shard 2/3 --shard-by server --run-id sv --dry-run --per-server > "$tmp/sv.txt"
is "$(cut -f3 "$tmp/sv.txt" | sort -u | paste -sd,)" \
    "$(kong list -c "$inv" --pairs --per-server --shards 3 --shard-by server --json | jq -r 'select(.kind=="pair" and .shard==2) | .server' | sort -u | paste -sd,)" \
    "check --shard 2/3 --shard-by server --per-server runs that shard's servers"

# --- --shard auto, from the scheduler's environment --------------------------
dry() { kong check -c "$inv" --dry-run "$@" | cut -f1,2 | paste -sd,; }
want=$(dry --shard 3/4)
is "$(JOB_COMPLETION_INDEX=2 dry --shard auto --shards 4)" "$want" "--shard auto: Kubernetes' JOB_COMPLETION_INDEX=2 is shard 3"
is "$(NOMAD_ALLOC_INDEX=2 KONG_SHARDS=4 dry --shard auto)" "$want" "--shard auto: Nomad's NOMAD_ALLOC_INDEX with KONG_SHARDS"
is "$(CI_NODE_INDEX=3 CI_NODE_TOTAL=4 dry --shard auto)" "$want" "--shard auto: GitLab's CI_NODE_INDEX and CI_NODE_TOTAL"
CI_PIPELINE_ID=977 kong check -c "$inv" --shard 1/4 --log "$tmp/ci.jsonl" -q
is "$(jq -r .run "$tmp/ci.jsonl" | sort -u)" gitlab-977 "a shard takes GitLab's pipeline id as its run id"
GITHUB_RUN_ID=4242 KONG_RUN_ID=k1 kong check -c "$inv" --shard 1/4 --log "$tmp/ci2.jsonl" -q
is "$(jq -r .run "$tmp/ci2.jsonl" | sort -u)" k1 "KONG_RUN_ID comes before the CI's"
CI_PIPELINE_ID=977 kong check -c "$inv" --site s01 --log "$tmp/ci3.jsonl" -q
is "$(jq -r .run "$tmp/ci3.jsonl" | sort -u | grep -c gitlab)" 0 "an unsharded run keeps its own id"
kong check -c "$inv" --site s01 --run-id mine --log "$tmp/ci4.jsonl" -q
is "$(jq -r .run "$tmp/ci4.jsonl" | sort -u)" mine "--run-id sets any run's id"
# --wait-for in a shard waits for that shard's sites only.
kong check -c "$inv" --shard 2/4 --run-id w2 --wait-for home --until 1s --log "$tmp/wait2.jsonl" -q
is "$(jq -c 'select(.record=="run_start") | .wait | .on_time + (.late | length) + (.not_ready | length)' "$tmp/wait2.jsonl")" \
    "$(jq -r 'select(.record=="result" and .status!="skipped") | .site' "$tmp/s2.jsonl" | sort -u | wc -l)" \
    "--wait-for in shard 2 probes shard 2's live sites, no others"
# A shard with no pair still says it ran (s01 is in one shard of 200, and
# the next one has nothing of it).
k=$(kong list -c "$inv" --site s01 --pairs --shards 200 --json | jq -r 'select(.kind=="pair") | .shard' | head -1)
k=$((k % 200 + 1))
is "$(dry --site s01 --shard $k/200)" "" "shard $k/200 has none of s01's pairs"
kong check -c "$inv" --site s01 --shard $k/200 --run-id tiny --log "$tmp/tiny.jsonl" -q
is "$? $(jq -s -c 'map([.record, .pairs // .totals.pairs])' "$tmp/tiny.jsonl")" '0 [["run_start",0],["run_end",0]]' \
    "an empty shard writes run_start and run_end, and exits 0"

# --- bad values: a clear message, exit 2 ---------------------------------------
bad() {	# REGEX ARGS...
	_re=$1
	shift
	kong check -c "$inv" "$@" > "$tmp/out" 2> "$tmp/err"
	_rc=$?
	if [ "$_rc" = 2 ] && grep -qE -- "$_re" "$tmp/err" && [ ! -s "$tmp/out" ]; then
		n=$((n + 1)); echo "ok $n - tests/shard.sh:${BASH_LINENO[0]}: $* -> exit 2"
	else
		n=$((n + 1)); echo "not ok $n - tests/shard.sh:${BASH_LINENO[0]}: $* -> exit $_rc"
		sed 's/^/# /' "$tmp/err"
	fi
}
for v in 0/4 5/4 1/0 abc 1/4x -1/4 " 1/4" 1/100001; do
	bad "--shard takes K/N" --shard "$v" --run-id x
done
bad "disagree on the number of shards" --shard 1/4 --shards 5 --run-id x
bad "--shards goes with --shard" --shards 4
bad "--shard-by goes with --shard" --shard-by server
bad "--shard-by takes site or server, not 'rack'" --shard 1/2 --shard-by rack --run-id x
bad "--shards: '0' is not a number of shards" --shard auto --shards 0
bad "no scheduler said which shard" --shard auto --shards 4
JOB_COMPLETION_INDEX=1 bad "but not how many there are: give --shards N" --shard auto
JOB_COMPLETION_INDEX=4 bad "JOB_COMPLETION_INDEX=4 is shard 5, but there are only 4" --shard auto --shards 4
JOB_COMPLETION_INDEX=x bad "JOB_COMPLETION_INDEX is 'x'" --shard auto --shards 4
bad "need one run id" --shard 1/4
bad "--run-id: 'a b' is not a run id" --run-id "a b"
KONG_RUN_ID='bad/id' bad "KONG_RUN_ID: 'bad/id' is not a run id" --shard 1/4
kong list -c "$inv" --pairs --shards 0 > /dev/null 2> "$tmp/err"
is "$?" 2 "kong list --shards 0: exit 2"
kong list -c "$inv" --sites --shards 2 > /dev/null 2> "$tmp/err"
is "$?" 2 "kong list --shards without --pairs: exit 2"
kong merge > /dev/null 2>&1
is "$?" 2 "kong merge without logs: exit 2"
kong merge - < "$tmp/s1.jsonl" > /dev/null 2>&1
is "$?" 2 "kong merge -: refused (logs are read more than once)"
kong merge "$tmp/nosuch.jsonl" > /dev/null 2> "$tmp/err"
is "$?" 2 "kong merge of a missing file: exit 2"

# --- the deploy manifests: structure, exit-code policy, shard counts ----------
python3 - "$top_srcdir/examples/deploy" > "$tmp/deploy.out" 2>&1 <<'PY'
import re, sys, yaml
d = sys.argv[1]
bad = []
def need(cond, what):
    if not cond:
        bad.append(what)
docs = [x for x in yaml.safe_load_all(open(d + "/kubernetes.yaml")) if x]
jobs = {x["metadata"]["name"]: x for x in docs if x.get("kind") == "Job"}
need(all(x.get("apiVersion") and x.get("kind") and x.get("metadata", {}).get("name") for x in docs), "k8s: every object has apiVersion, kind and a name")
sweep = jobs.get("kong-sweep")
need(sweep is not None, "k8s: a Job kong-sweep")
s = sweep["spec"]
need(s.get("completionMode") == "Indexed", "k8s: completionMode Indexed")
need(isinstance(s.get("completions"), int) and s["completions"] >= 2, "k8s: completions")
need(s.get("parallelism") == s.get("completions"), "k8s: parallelism == completions")
need(isinstance(s.get("backoffLimitPerIndex"), int), "k8s: backoffLimitPerIndex")
rules = s.get("podFailurePolicy", {}).get("rules", [])
fail = [r for r in rules if r.get("action") == "FailIndex" and r.get("onExitCodes", {}).get("operator") == "In"]
need(fail and sorted(fail[0]["onExitCodes"]["values"]) == [1, 2], "k8s: podFailurePolicy FailIndex on exit codes 1 and 2")
need(all(3 not in r.get("onExitCodes", {}).get("values", []) and 4 not in r.get("onExitCodes", {}).get("values", []) for r in rules), "k8s: 3 and 4 are retried")
pod = s["template"]["spec"]
need(pod.get("restartPolicy") == "Never", "k8s: restartPolicy Never (podFailurePolicy needs it)")
c = pod["containers"][0]
need(fail[0]["onExitCodes"].get("containerName") == c["name"], "k8s: the policy names the kong container")
cmd = c["command"]
need(cmd[:2] == ["kong", "check"], "k8s: kong check")
need("--shard" in cmd and cmd[cmd.index("--shard") + 1] == "auto", "k8s: --shard auto")
need("--shards" in cmd and int(cmd[cmd.index("--shards") + 1]) == s["completions"], "k8s: --shards == completions")
need(any("$(JOB_COMPLETION_INDEX)" in a for a in cmd), "k8s: one log per index")
need(any(e["name"] == "KONG_RUN_ID" for e in c.get("env", [])), "k8s: one run id for every shard")
mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
log = cmd[cmd.index("--log") + 1]
need(any(log.startswith(p + "/") for p in mounts.values()), "k8s: the log is on a volume")
vols = {v["name"]: v for v in pod["volumes"]}
need(all(n in vols for n in mounts), "k8s: every mount has its volume")
merge = jobs.get("kong-merge")
need(merge is not None, "k8s: a merge Job")
mc = merge["spec"]["template"]["spec"]["containers"][0]
mcmd = " ".join(mc["command"])
need("kong merge" in mcmd, "k8s: the merge job runs kong merge")
need(len(re.findall(r"shard-\d+\.jsonl", mcmd)) == s["completions"], "k8s: the merge names every shard's log")
need(re.search(r"kong store .*ingest /logs/kong\.jsonl && kong alert .*--run last", mcmd), "k8s: the merged run is ingested, then alerted once")
mmounts = {m["name"]: m["mountPath"] for m in mc["volumeMounts"]}
mvols = {v["name"] for v in merge["spec"]["template"]["spec"]["volumes"]}
need(all(n in mvols for n in mmounts) and "/etc/kong" in mmounts.values(), "k8s: the merge job mounts the inventory it alerts with")
need(merge["spec"]["template"]["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"] == vols["logs"]["persistentVolumeClaim"]["claimName"], "k8s: the merge reads the shards' volume")
need(any(x.get("kind") == "PersistentVolumeClaim" and "ReadWriteMany" in x["spec"]["accessModes"] for x in docs), "k8s: a ReadWriteMany claim for the logs")

g = yaml.safe_load(open(d + "/gitlab-ci.yml"))
sh = g["kong-shard"]
need(isinstance(sh.get("parallel"), int) and sh["parallel"] >= 2, "gitlab: parallel N")
need(any("--shard auto" in l for l in sh["script"]), "gitlab: --shard auto (CI_NODE_INDEX/CI_NODE_TOTAL)")
need(1 in sh.get("allow_failure", {}).get("exit_codes", []), "gitlab: a failing check keeps the pipeline going to the merge")
need(sh["stage"] != g["kong-merge"]["stage"] and g["stages"].index(sh["stage"]) < g["stages"].index(g["kong-merge"]["stage"]), "gitlab: merge after the shards")
need(any(n.get("job") == "kong-shard" for n in g["kong-merge"]["needs"]), "gitlab: merge needs the shards' artifacts")
need(any("kong merge" in l for l in g["kong-merge"]["script"]), "gitlab: kong merge")

h = yaml.safe_load(open(d + "/github-actions.yml"))
need(True in h or "on" in h, "github: triggers")
j = h["jobs"]["shard"]
m = j["strategy"]["matrix"]["shard"]
need(j["strategy"].get("fail-fast") is False, "github: fail-fast off")
run = " ".join(st.get("run", "") for st in j["steps"])
k = re.search(r"--shard \$\{\{ matrix.shard \}\}/(\d+)", run)
need(k and int(k.group(1)) == len(m) and sorted(m) == list(range(1, len(m) + 1)), "github: the matrix is 1..N and --shard K/N")
mj = h["jobs"]["merge"]
need(mj.get("needs") == "shard" and mj.get("if") == "always()", "github: merge after every shard, whatever they said")
need(any("kong merge" in st.get("run", "") for st in mj["steps"]), "github: kong merge")

nomad = open(d + "/nomad.hcl").read()
cnt = re.search(r"count\s*=\s*(\d+)", nomad)
ks = re.search(r'KONG_SHARDS\s*=\s*"(\d+)"', nomad)
need(re.search(r'type\s*=\s*"batch"', nomad), "nomad: a batch job")
need(cnt and ks and cnt.group(1) == ks.group(1), "nomad: KONG_SHARDS == count")
need('"--shard", "auto"' in nomad and "NOMAD_ALLOC_INDEX" in nomad, "nomad: --shard auto, one log per alloc index")
need(nomad.count("{") == nomad.count("}"), "nomad: braces balance")
for b in bad:
    print("bad:", b)
print("checked")
PY
is "$(cat "$tmp/deploy.out")" checked "examples/deploy: the Kubernetes, GitLab, GitHub and Nomad jobs are well formed and consistent"

echo "1..$n"
