#!/bin/bash
# deploys.sh: the checks that know about deploys, end to end: captures that
# every site of a group must agree on (same_across = type|tag|fleet), a
# build pinned with --expect, a certificate that expires in 5 days on a TLS
# listener made by this test (openssl s_server, loopback only), and
# kong lint --twill-compatible. TAP output; a failure names this line.
: "${top_srcdir:=.}" "${top_builddir:=.}" "${KONG:=$top_builddir/kong}"
. "$top_srcdir/tests/testsite-lib.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kong-deploys.XXXXXX")
tls_pid=
trap '[ -n "$tls_pid" ] && kill "$tls_pid" 2>/dev/null; testsite_stop_all; rm -rf "$tmp"' EXIT
n=0
# is GOT WANT NAME
is() {
	n=$((n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $n - tests/deploys.sh:${BASH_LINENO[0]}: $3"
	else
		echo "not ok $n - tests/deploys.sh:${BASH_LINENO[0]}: $3"
		printf '# got:  %s\n# want: %s\n' "$1" "$2"
	fi
}
# like GOT ERE NAME
like() {
	n=$((n + 1))
	if [[ $1 =~ $2 ]]; then
		echo "ok $n - tests/deploys.sh:${BASH_LINENO[0]}: $3"
	else
		echo "not ok $n - tests/deploys.sh:${BASH_LINENO[0]}: $3"
		printf '# got:  %s\n# want: /%s/\n' "$1" "$2"
	fi
}
kong() { $KONG_WRAPPER "$KONG" "$@"; }
# the field of one site's result: res LOG SITE JQ
res() { jq -r --arg s "$2" "select(.record==\"result\" and .site==\$s) | $3" "$1"; }

testsite_start || exit 99
P=$TESTSITE_PORT
inv=$tmp/fleet
mkdir -p "$inv"
# Three web sites (two on build v1, one on v2), two api sites that
# disagree (v3, v4), a site that fails before it captures anything.
cat > "$inv/kong.ini" <<INI
[kong]
concurrency = 4
timeout = 5s

[type web]
[type api]

[site w1]
url = http://127.0.0.1:$P/build?id=v1
type = web
tags = eu
[site w2]
url = http://127.0.0.1:$P/build?id=v1
type = web
tags = eu, us
[site w3]
url = http://127.0.0.1:$P/build?id=v2
type = web
tags = us
[site a1]
url = http://127.0.0.1:$P/build?id=v3
type = api
tags = us
[site a2]
url = http://127.0.0.1:$P/build?id=v4
type = api
[site broken]
url = http://127.0.0.1:$P/status/500?
type = web

[test by_type]
body =
    go {{ site.url }}
    code 200
    capture build "(?i)^x-build: (\S+)"
    capture meta '<meta name="build" content="([^"]+)"'
types = web, api
same_across = type

[test by_fleet]
body =
    go {{ site.url }}
    capture build "(?i)^x-build: (\S+)"
types = web, api
same_across = fleet

[test by_tag]
body =
    go {{ site.url }}
    capture build "(?i)^x-build: (\S+)"
types = web, api
same_across = tag

[test slowpoke]
body =
    go http://127.0.0.1:$P/slow?ms=2000
sites = w1

[test plain]
body =
    go {{ site.url }}
    capture build "(?i)^x-build: (\S+)"
types = web, api
INI

# --- same_across = type ---------------------------------------------------
log=$tmp/type.jsonl
kong check -c "$inv" --test by_type --log "$log" -q
is "$?" 1 "a site that differs fails the sweep"
is "$(jq -r 'select(.record=="result") | "\(.site)=\(.status)"' "$log" | paste -sd, -)" \
    "w1=pass,w2=pass,w3=fail,a1=fail,a2=fail,broken=fail" \
    "the group's majority passes; the others fail; records in plan order"
is "$(res "$log" w3 .error.message)" \
    "capture build: this site served 'v2'; most sites of type 'web' (2 of 3) served 'v1' (same_across = type)" \
    "the failure says what the site served and what most sites served"
cap_line=$(grep -n 'capture build' "$inv/kong.ini" | head -1 | cut -d: -f1)
is "$(res "$log" w3 '"\(.error_class) \(.error.line) \(.error.command)"')" \
    "assert $cap_line capture build \"(?i)^x-build: (\\S+)\"" \
    "the failure points at the capture"
is "$(res "$log" a1 .error.message)" \
    "capture build: this site served 'v3'; no value has a majority where sites of type 'api' must agree ('v3' 1, 'v4' 1)" \
    "no majority: every site of the group fails"
is "$(res "$log" broken .error.message)" "code is 500 != 200" \
    "a site that failed first keeps its own failure, and is not counted"
is "$(res "$log" w1 '.captures | tojson')" '{"build":"v1","meta":"v1"}' \
    "the record carries the captures"
is "$(jq -c 'select(.record=="run_end") | [.totals.pass, .totals.fail, .exit_status]' "$log")" \
    "[2,4,1]" "run_end counts the final statuses"
is "$(jq -s -r 'map(.record) | [first, last] | join(",")' "$log")" "run_start,run_end" \
    "the held records come before run_end"

# The summary counts what the checks captured.
out=$(kong check -c "$inv" --test by_type --log "$tmp/summary.jsonl" --summary --no-progress 2>&1)
is "$(printf '%s\n' "$out" | sed -n '/^Captured/,/^$/p' | sed 's/  */ /g' | paste -sd'|' -)" \
    "Captured| by_type build v1 2 checks| by_type build v2 1 check| by_type build v3 1 check| by_type build v4 1 check| by_type meta v1 2 checks| by_type meta v2 1 check| by_type meta v3 1 check| by_type meta v4 1 check|" \
    "the summary shows each captured value and how many checks served it"

# A test's records are written once its own pairs have ended, not at the
# end of the sweep: here before those of a test that takes 2 s.
log=$tmp/early.jsonl
kong check -c "$inv" --test by_type --test slowpoke --log "$log" -q
is "$(jq -r 'select(.record=="result") | .test' "$log" | uniq | paste -sd, -)" \
    "by_type,slowpoke" "a same_across test is written when its pairs are done"

# --- same_across = fleet and tag -------------------------------------------
log=$tmp/fleet.jsonl
kong check -c "$inv" --test by_fleet --log "$log" -q
is "$(jq -r 'select(.record=="result") | "\(.site)=\(.status)"' "$log" | paste -sd, -)" \
    "w1=pass,w2=pass,w3=fail,a1=fail,a2=fail,broken=fail" "fleet: one group"
is "$(res "$log" a2 .error.message)" \
    "capture build: this site served 'v4'; most sites (2 of 5) served 'v1' (same_across = fleet)" \
    "fleet: the most common value is the reference"
log=$tmp/tag.jsonl
kong check -c "$inv" --test by_tag --log "$log" -q
# eu: w1 v1, w2 v1; us: w2 v1, w3 v2, a1 v3 (no majority); a2, broken: no tag
is "$(jq -r 'select(.record=="result") | "\(.site)=\(.status)"' "$log" | paste -sd, -)" \
    "w1=pass,w2=fail,w3=fail,a1=fail,a2=pass,broken=fail" \
    "tag: a site must agree within every tag it has; untagged sites stand alone"
is "$(res "$log" w2 .error.message)" \
    "capture build: this site served 'v1'; no value has a majority where sites tagged 'us' must agree ('v1' 1, 'v2' 1, 'v3' 1)" \
    "tag: the group is named in the failure"

# --- --expect pins the value ----------------------------------------------
log=$tmp/expect.jsonl
kong check -c "$inv" --test plain --expect build=v2 --log "$log" -q
is "$(jq -r 'select(.record=="result") | "\(.site)=\(.status)"' "$log" | sort | paste -sd, -)" \
    "a1=fail,a2=fail,broken=fail,w1=fail,w2=fail,w3=pass" \
    "--expect: every site that captured another value fails, without same_across"
is "$(res "$log" broken .error.message)" "capture build: no match to '(?i)^x-build: (\S+)'" \
    "a site that serves no build id fails on its capture"
is "$(res "$log" w1 .error.message)" \
    "capture build: this site served 'v1', not 'v2' (--expect build=v2)" \
    "--expect: the failure says both values"
log=$tmp/expect2.jsonl
kong check -c "$inv" --test by_type --expect build=v1 --site 'w*' --log "$log" -q
is "$(jq -r 'select(.record=="result") | "\(.site)=\(.status)"' "$log" | paste -sd, -)" \
    "w1=pass,w2=pass,w3=fail" "--expect with same_across: the pinned value wins"
is "$(res "$log" w3 .error.message)" \
    "capture build: this site served 'v2', not 'v1' (--expect build=v1)" \
    "--expect with same_across: the pinned value is named"
# --wait-for a probe that captures, with --expect: wait for the build.
log=$tmp/wait.jsonl
kong check -c "$inv" --test plain --site 'w[23]' --wait-for plain \
    --expect build=v2 --until 1s --wait-interval 200ms --log "$log" -q
is "$?" 1 "--wait-for with --expect: w2 never serves v2"
is "$(jq -r 'select(.record=="run_start") | .wait | "\(.on_time | length) \(.not_ready[0].site): \(.not_ready[0].message)"' "$log")" \
    "1 w2: capture build: this site served 'v1', not 'v2' (--expect build=v2)" \
    "--wait-for with --expect: the probe waits for the pinned build"
out=$(kong check -c "$inv" --expect 9x=1 -q 2>&1)
is "$?" 2 "--expect with a bad name is a usage error"
like "$out" "--expect: '9x' is not a capture name" "and says so"
out=$(kong check -c "$inv" --expect build -q 2>&1)
like "$out" "--expect takes NAME=VALUE, not 'build'" "--expect without = is refused"

# --- same_across is checked when the inventory loads -----------------------
mkdir -p "$tmp/bad"
printf '[test t]\nbody = echo x\nsame_across = planet\n' > "$tmp/bad/kong.ini"
out=$(kong lint -c "$tmp/bad" 2>&1)
is "$?" 2 "a bad same_across is an inventory error"
like "$out" "kong.ini:3.*same_across is type, tag or fleet, not 'planet'" "naming its line"

# --- kong lint --twill-compatible ------------------------------------------
kong lint -c "$inv" --test plain >/dev/null 2>&1
is "$?" 0 "lint without --twill-compatible accepts the extensions"
out=$(kong lint -c "$inv" --test plain --twill-compatible 2>&1)
is "$?" 1 "lint --twill-compatible exits 1 when a script uses an extension"
plain_line=$(grep -n 'capture build' "$inv/kong.ini" | tail -1 | cut -d: -f1)
like "$out" "kong.ini:$plain_line:5: note: 'capture' is a Kong extension" "and names file:line:col"
printf 'go http://127.0.0.1:%s/\ncode 200\n' "$P" > "$tmp/pure.twill"
kong lint --twill-compatible "$tmp/pure.twill" >/dev/null 2>&1
is "$?" 0 "a plain twill script is twill-compatible"

# --- a certificate that expires in 5 days ----------------------------------
if ! command -v openssl >/dev/null 2>&1; then
	echo "ok $((n + 1)) # SKIP openssl is not installed"
	n=$((n + 1))
	echo "1..$n"
	exit 0
fi
mkdir -p "$tmp/tls"
(cd "$tmp/tls" && openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem \
    -out cert.pem -days 5 -subj /CN=localhost \
    -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1) || exit 99
printf '<html><head><title>TLS</title></head><body>secure</body></html>\n' \
    > "$tmp/tls/index.html"
# -WWW serves files from its directory; port 0 picks a free one.
(cd "$tmp/tls" && exec openssl s_server -accept 127.0.0.1:0 -cert cert.pem \
    -key key.pem -WWW > "$tmp/tls/out" 2>&1) &
tls_pid=$!
for _ in $(seq 100); do
	grep -q '^ACCEPT' "$tmp/tls/out" 2>/dev/null && break
	sleep 0.1
done
T=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/tls/out")
[ -n "$T" ] || { echo "Bail out! openssl s_server did not start"; exit 99; }
want_exp=$(openssl x509 -in "$tmp/tls/cert.pem" -noout -enddate | sed 's/^notAfter=//')
want_exp=$(date -u -d "$want_exp" +%Y-%m-%dT%H:%M:%SZ)

cat > "$tmp/cert.twill" <<TW
config insecure 1
go https://127.0.0.1:$T/index.html
title TLS
go https://127.0.0.1:$T/index.html
cert_valid_for 4d
cert_valid_for 14d
TW
out=$(kong run --jsonl "$tmp/cert.jsonl" "$tmp/cert.twill" 2>&1)
is "$?" 1 "cert_valid_for 14d fails on a certificate that expires in 5 days"
like "$out" "cert.twill:6: error: the certificate of 127\.0\.0\.1:$T expires at $want_exp, in (4d2[0-9]|5d00)h: less than 14d" \
    "the failure gives the expiry date and how long is left"
is "$(jq -r '.certs | map("\(.host) \(.expires)") | join(",")' "$tmp/cert.jsonl")" \
    "127.0.0.1:$T $want_exp" "the record carries the expiry date, once per host"
is "$(jq -r '.error.line' "$tmp/cert.jsonl")" 6 "cert_valid_for 4d passed first, after a second request"

# In a sweep: the site is insecure (self-signed), the record has certs.
mkdir -p "$tmp/tlsinv"
cat > "$tmp/tlsinv/kong.ini" <<INI
[site secure]
url = https://127.0.0.1:$T/index.html
insecure = yes

[test cert]
sites = secure
body =
    go {{ site.url }}
    cert_valid_for 3d
INI
kong check -c "$tmp/tlsinv" --log "$tmp/tlsinv.jsonl" -q
is "$?" 0 "a sweep with cert_valid_for 3d passes"
is "$(jq -r 'select(.record=="result") | .certs[0].expires' "$tmp/tlsinv.jsonl")" \
    "$want_exp" "the sweep's record carries the expiry date"

# --- the `sh deploys` jq one-liners of docs/jsonl.md ------------------------
cat "$tmp/type.jsonl" "$tmp/cert.jsonl" "$tmp/tlsinv.jsonl" > "$tmp/all.jsonl"
sed -n '/^```sh deploys$/,/^```$/p' "$top_srcdir/docs/jsonl.md" | grep '^jq ' > "$tmp/oneliners"
is "$(wc -l < "$tmp/oneliners" | tr -d ' ')" 3 "docs/jsonl.md has the deploy one-liners"
while IFS= read -r line; do
	cmd=${line/kong.jsonl/$tmp/all.jsonl}
	out=$(eval "$cmd" 2>&1)
	rc=$?
	n=$((n + 1))
	if [ $rc -eq 0 ] && [ -n "$out" ]; then
		echo "ok $n - tests/deploys.sh:${LINENO}: docs/jsonl.md: $line"
	else
		echo "not ok $n - tests/deploys.sh:${LINENO}: docs/jsonl.md: $line (exit $rc, output '$out')"
	fi
done < "$tmp/oneliners"
echo "1..$n"
