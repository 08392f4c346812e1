#!/bin/bash
# sweep.sh: what people read of a sweep, end to end against real loopback
# sites: the summary with per-server checks, the cron mode, the progress
# line while slow checks are in flight, compile errors shared by many
# sites, kong render's selectors and hints, the records' start and
# recipients, declared attributes, kong help, and the manual against the
# option tables. TAP output; a failure names this file and its line.
: "${top_srcdir:=.}" "${top_builddir:=.}" "${KONG:=$top_builddir/kong}"
. "$top_srcdir/tests/testsite-lib.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kong-sweep.XXXXXX")
trap 'testsite_stop_all; rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - tests/sweep.sh:${BASH_LINENO[0]}: $*"; }
notok() { n=$((n + 1)); echo "not ok $n - tests/sweep.sh:${BASH_LINENO[0]}: $*"; }
is() {
	n=$((n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $n - tests/sweep.sh:${BASH_LINENO[0]}: $3"
	else
		echo "not ok $n - tests/sweep.sh:${BASH_LINENO[0]}: $3"
		printf '# got:  %s\n# want: %s\n' "$1" "$2" | head -20
	fi
}
# has FILE PATTERN NAME: a line of FILE matches the extended regex.
has() {
	n=$((n + 1))
	if grep -Eq -- "$2" "$1"; then
		echo "ok $n - tests/sweep.sh:${BASH_LINENO[0]}: $3"
	else
		echo "not ok $n - tests/sweep.sh:${BASH_LINENO[0]}: $3"
		sed 's/^/# /' "$1" | head -20
	fi
}
hasnt() {
	n=$((n + 1))
	if ! grep -Eq -- "$2" "$1"; then
		echo "ok $n - tests/sweep.sh:${BASH_LINENO[0]}: $3"
	else
		echo "not ok $n - tests/sweep.sh:${BASH_LINENO[0]}: $3"
		grep -E -- "$2" "$1" | sed 's/^/# /' | head -5
	fi
}
kong() { $KONG_WRAPPER "$KONG" "$@"; }

# Two servers for one name: web2 serves the shop broken.
testsite_start --listen 127.0.0.1:0 --label web1 --vhost shop.test \
    --vhost blog.test --vhost slow.test:slow=1500 || exit 99
P=$TESTSITE_PORT
testsite_start --listen 127.0.0.2:$P --label web2 --vhost shop.test:status=500 ||
    { echo "1..0 # SKIP 127.0.0.2:$P is taken"; exit 0; }
inv=$tmp/fleet
mkdir -p "$inv"
cat > "$inv/kong.ini" <<INI
[kong]
concurrency = 10
timeout = 5s
deadline = 5s
admins = ops@example.invalid
resolve = shop.test:$P:127.0.0.1, blog.test:$P:127.0.0.1, slow.test:$P:127.0.0.1

[server web1]
address = 127.0.0.1
[server web2]
address = 127.0.0.2

[type news]
managers = news@example.invalid, ops@example.invalid

[site shop]
url = http://shop.test:$P/
type = news
servers = web1, web2
managers = alice@example.invalid

[site blog]
url = http://blog.test:$P/
type = news
servers = web1

[test home]
types = news
body =
    go {{ site.url }}
    code 200
INI

# --- per-server checks: every row names its server -----------------------
kong check -c "$inv" --per-server --log "$tmp/ps.jsonl" --summary 2> "$tmp/ps.err"
is "$?" 1 "--per-server: web2's shop fails"
has "$tmp/ps.err" '^  shop@web2 +home \(fail\)' "failures by site name the server"
has "$tmp/ps.err" '^  [0-9.]+(us|ms|s|m) +shop@web[12] +home' "the slowest checks name the server"
hasnt "$tmp/ps.err" '^  shop +home' "no row drops the server"

# --- recipients in every record and in kong list --json ------------------
is "$(jq -c 'select(.record=="result" and .site=="shop") | .recipients' "$tmp/ps.jsonl" | sort -u)" \
    '["alice@example.invalid","news@example.invalid","ops@example.invalid"]' \
    "a result names the site's, its type's and the admins' addresses, once each"
is "$(kong list -c "$inv" --sites --json | jq -c 'select(.name=="blog") | [.managers, .recipients]')" \
    '[[],["news@example.invalid","ops@example.invalid"]]' \
    "kong list --json: a site without managers gets its type's and the admins'"

# --- cron: silent when everything passed, the summary when not -----------
kong check -c "$inv" --site blog --log "$tmp/cron.jsonl" --summary=failed > "$tmp/cron-ok.out" 2>&1
is "$?" 0 "--summary=failed: a passing sweep exits 0"
is "$(wc -c < "$tmp/cron-ok.out" | tr -d ' ')" 0 "--summary=failed: and prints nothing (cron mails nothing)"
kong check -c "$inv" --per-server --log "$tmp/cron.jsonl" --summary=failed > "$tmp/cron-bad.out" 2>&1
is "$?" 1 "--summary=failed: a failing sweep exits 1"
has "$tmp/cron-bad.out" 'Failures by test' "--summary=failed: and prints the summary"
kong check -c "$inv" --summary=sometimes > "$tmp/cron-use.out" 2>&1
is "$?" 2 "--summary takes only always or failed"
has "$tmp/cron-use.out" "--summary takes always or failed, not 'sometimes'" "and says so"

# --- the progress line while a slow check is the last in flight ----------
cat > "$tmp/slow.ini" <<INI
[kong]
resolve = slow.test:$P:127.0.0.1, blog.test:$P:127.0.0.1
[site slow]
url = http://slow.test:$P/
[site blog]
url = http://blog.test:$P/
[test home]
sites = slow, blog
body = go {{ site.url }}
INI
if command -v script >/dev/null 2>&1; then
	script -qec "$KONG_WRAPPER $KONG check -c $tmp/slow.ini --log $tmp/slow.jsonl" /dev/null > "$tmp/tty.out" 2>&1
	has "$tmp/tty.out" '1 in flight' "progress: once all have started, it counts what is in flight"
	hasnt "$tmp/tty.out" 'ETA 0s' "progress: never 'ETA 0s' while a check is still running"
else
	ok "# SKIP script(1) is not installed"
	ok "# SKIP script(1) is not installed"
fi

# --- a compile error shared by many sites is printed once ----------------
mkdir -p "$tmp/broken"
{
	printf '[type news]\n[test home]\ntypes = news\nbody =\n    go {{ site.url }}\n    fnid "x"\n'
	for i in 1 2 3 4 5 6 7; do printf '[site s%d]\nurl = http://s%d.test/\ntype = news\n' $i $i; done
} > "$tmp/broken/kong.ini"
kong check -c "$tmp/broken" --log "$tmp/broken.jsonl" 2> "$tmp/broken.err"
is "$?" 2 "a script that does not compile: exit 2"
is "$(grep -c "error: unknown command 'fnid'" "$tmp/broken.err")" 1 "the error is printed once, not once per site"
has "$tmp/broken.err" "note: in test 'home' rendered for 7 sites: s1, s2, s3, s4, s5 \(and 2 more\); see one with: kong render s1 home" \
    "with the sites it was seen on"
has "$tmp/broken.err" "7 pairs did not compile; nothing ran" "and nothing ran"
if [ -e "$tmp/broken.jsonl" ]; then notok "a log was written"; else ok "no log was written"; fi

# --- kong render: selectors, and a hint for a misspelt name --------------
kong render -c "$inv" blgo home > "$tmp/r.out" 2> "$tmp/r.err"
is "$?" 2 "render of an unknown site: exit 2"
has "$tmp/r.err" "no site 'blgo' in the inventory; did you mean 'blog'\?" "with did you mean"
kong render -c "$inv" blog hom 2> "$tmp/r.err"
has "$tmp/r.err" "no test 'hom' in the inventory; did you mean 'home'\?" "for tests too"
kong render -c "$inv" --type news --test home > "$tmp/r.out"
is "$?" 0 "render with selectors"
is "$(grep -c '^# kong render ' "$tmp/r.out")" 2 "every selected pair, each after a line naming it"
has "$tmp/r.out" "^go http://blog.test:$P/$" "each rendered for its site"
kong render -c "$inv" --server web2 --site shop --test home > "$tmp/r.out"
is "$(head -1 "$tmp/r.out")" "# kong render shop home --server web2" "--server selects the servers rendered for"
kong render -c "$inv" shop home --server 'web*' > "$tmp/r.out"
is "$(grep -c '^# kong render shop home --server' "$tmp/r.out")" 2 "SITE TEST with --server GLOB: once per matching server"

# --- a record's start is its first attempt's ------------------------------
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
kong check -c "$tmp/retry.ini" --log "$tmp/retry.jsonl" -q --retries 2 --retry-backoff 1s
is "$(jq -r 'select(.record=="result") | .attempts' "$tmp/retry.jsonl")" 3 "three attempts, a second and two seconds apart"
# The last attempt starts 3 s after the first; the record's start is the first's.
is "$(jq -s -r '(.[0].time | sub("\\.[0-9]+Z$"; "Z") | fromdate) as $t0 |
    (.[1].start | sub("\\.[0-9]+Z$"; "Z") | fromdate) - $t0 | . <= 1' "$tmp/retry.jsonl")" \
    true "the record's start is the first attempt's, not the last's"

# --- --abort-if: a fleet that is down is obvious in seconds ---------------
{
	printf '[kong]\nconcurrency = 2\n[test home]\nsites = %s\nbody = go {{ site.url }}\n' \
	    "$(seq -f 'd%02g' 30 | paste -sd, -)"
	for i in $(seq 30); do printf '[site d%02d]\nurl = http://127.0.0.1:%s/\n' $i "$DEAD"; done
} > "$tmp/down.ini"
kong check -c "$tmp/down.ini" --log "$tmp/down.jsonl" -q --abort-if 50%/5 2> "$tmp/down.err"
is "$?" 5 "--abort-if: exit 5"
is "$(jq -r 'select(.record=="run_end") | [.totals.pairs, .totals.error + .totals.aborted, (.totals.aborted >= 20)] | map(tostring) | join(" ")' "$tmp/down.jsonl")" \
    "30 30 true" "every pair has a record: the first ones failed, the rest were not started"
is "$(jq -r 'select(.status=="not_started") | .error.message' "$tmp/down.jsonl" | sort -u)" \
    "not started: the sweep was aborted (5 of the first 5 checks failed with net errors; --abort-if 50%/5)" \
    "each says why"
is "$(jq -r 'select(.record=="run_end") | .aborted | startswith("not started: the sweep was aborted")' "$tmp/down.jsonl")" \
    true "run_end says why"
has "$tmp/down.err" '^kong check: aborted: [0-9]+ pairs not started' "and so does the terminal"
kong check -c "$tmp/down.ini" --abort-if 50 2> "$tmp/down.err"
is "$?" 2 "--abort-if without /N is a usage error"

# --- --wait-for: the sweep starts once the deploy has converged -----------
testsite_start || exit 99
LATE=$TESTSITE_PORT
testsite_stop
cat > "$tmp/wait.ini" <<INI
[kong]
resolve = shop.test:$P:127.0.0.1, blog.test:$P:127.0.0.1
[site shop]
url = http://shop.test:$P/
[site blog]
url = http://blog.test:$P/
[site late]
url = http://127.0.0.1:$LATE/
[test health]
sites = shop, blog, late
body =
    go {{ site.url }}
    code 200
[test home]
sites = shop, blog, late
body = go {{ site.url }}
INI
( sleep 1.5; exec "$TESTSITE" --listen 127.0.0.1:$LATE --root "$top_srcdir/tests/site" ) &
late=$!
kong check -c "$tmp/wait.ini" --log "$tmp/wait.jsonl" -q --wait-for health --until 30s --wait-interval 500ms
is "$?" 0 "--wait-for: the sweep runs once every site answers, and passes"
is "$(jq -c 'select(.record=="run_start") | .wait | [.test, .on_time, (.late | map(.site)), (.late[0].probes > 1), (.late[0].ready_after_ms >= 1000), .not_ready]' "$tmp/wait.jsonl")" \
    '["health",2,["late"],true,true,[]]' "run_start shows the site that was late, and by how long"
is "$(jq -r 'select(.record=="result") | .status' "$tmp/wait.jsonl" | sort | uniq -c | tr -s ' ')" \
    " 6 pass" "then every pair runs, the late site's too"
kill $late; wait $late 2>/dev/null
kong check -c "$tmp/wait.ini" --log "$tmp/wait2.jsonl" -q --wait-for health --until 1s --wait-interval 400ms
is "$?" 1 "--until: a site that never got ready still gets checked, and fails"
is "$(jq -c 'select(.record=="run_start") | .wait.not_ready | map([.site, (.probes >= 2)])' "$tmp/wait2.jsonl")" \
    '[["late",true]]' "and run_start lists it as not ready"
$KONG_WRAPPER "$KONG" check -c "$tmp/wait.ini" --log "$tmp/wait3.jsonl" -q --wait-for health --until 1m --wait-interval 200ms 2> "$tmp/wait3.err" &
pid=$!
sleep 1
kill -TERM $pid
wait $pid
is "$?" 4 "SIGTERM while waiting: exit 4"
has "$tmp/wait3.err" "interrupted while waiting for 'health'; nothing was checked" "and says so"
kong check -c "$tmp/wait.ini" --wait-for helth 2> "$tmp/wait4.err"
is "$?" 2 "--wait-for an unknown test: exit 2"
has "$tmp/wait4.err" "no test 'helth' in the inventory; did you mean 'health'\?" "with did you mean"

# --- a near miss of a built-in key, declared as an attribute --------------
cat > "$tmp/attr.ini" <<INI
[kong]
attributes = tag
[site a]
url = http://a.test/
tag = v2
[test t]
sites = a
body = echo {{ site.tag }}
INI
kong lint -c "$tmp/attr.ini" 2> "$tmp/attr.err"
is "$?" 0 "[kong] attributes keeps a near-miss name as a free attribute"
is "$(kong render -c "$tmp/attr.ini" a t)" "echo v2" "and templates read it"
sed -i 's/^tag = v2$/tag = v2\ncolour = red/' "$tmp/attr.ini"
kong lint -c "$tmp/attr.ini" 2> "$tmp/attr.err"
is "$?" 0 "an attribute no template reads: still exit 0"
has "$tmp/attr.err" "warning: site 'a': attribute 'colour' is read by no template" \
    "but kong lint warns about it"
hasnt "$tmp/attr.err" "attribute 'tag'" "an attribute a template reads is not reported"
sed -i '/^attributes/d; /^colour/d' "$tmp/attr.ini"
kong lint -c "$tmp/attr.ini" 2> "$tmp/attr.err"
is "$?" 2 "undeclared, it is an error"
has "$tmp/attr.err" "unknown key 'tag' in \[site a\]; did you mean 'tags'\? \(to keep 'tag' as a free attribute, declare it in \[kong\]: attributes = tag\)" \
    "which says how to keep it"

# --- kong help, and the manual against the option tables -----------------
kong help help > "$tmp/help.out"
is "$?" 0 "kong help help works"
has "$tmp/help.out" '^usage: kong help \[COMMAND\]' "and shows help's usage"
kong help chek > /dev/null 2> "$tmp/help.err"
is "$?" 2 "kong help of an unknown command: exit 2"
has "$tmp/help.err" "unknown command 'chek'; did you mean 'check'\?" "with did you mean"
man=$top_srcdir/docs/kong.1
for cmd in $(kong --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }'); do
	missing=
	for opt in $(kong help "$cmd" | sed -n 's/^  ..  *--\([a-z0-9-]*\).*/\1/p; s/^  -., --\([a-z0-9-]*\).*/\1/p' | sort -u); do
		grep -qE -- "Fl Fl $opt( |$)" "$man" || missing="$missing --$opt"
	done
	is "$missing" "" "kong(1) documents every option of kong $cmd"
done
missing=
for key in $(sed -n 's/^\tX(\([a-z_0-9]*\),.*/\1/p' "$top_srcdir/include/settings.h"); do
	grep -qE -- "^\.It Ic $key No" "$man" || missing="$missing $key"
done
is "$missing" "" "kong(1) documents every [kong] setting of the table"

echo "1..$n"
